"""The batch import checks its own input for a young person it already opened an open case for, as a referral over
the API is checked: refused (PossibleDuplicate) unless confirmed, and a confirmed one records the cases it was opened
beside (services/importer.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from domain.case import Case
from domain.errors import DomainError
from services.importer import ImportedReferral, import_cases
from tests.builders import BORN_2009_03_14, SOCIAL

REFERRAL = ImportedReferral("0180", BORN_2009_03_14, "Peter Exempel", "lul6", "polis", date(2026, 1, 1),
                            "Misstanke.", "crime")


def _stored_cases(app) -> list[Case]:
    ids = {n.originator_id for n in app.recorder.select_notifications(1, 1000)}
    return sorted((c for c in map(app.repository.get, ids) if isinstance(c, Case)), key=lambda c: c.case_number)


def test_a_person_named_twice_in_one_import_is_refused_unless_confirmed(app):
    same_person_another_way = replace(REFERRAL, personnummer=BORN_2009_03_14.replace("-", ""))
    with pytest.raises(DomainError) as refused:
        import_cases(app, [REFERRAL, same_person_another_way], by=SOCIAL)
    assert refused.value.code == "possible_duplicate"
    assert _stored_cases(app) == []   # refused before its batch was saved


def test_a_confirmed_one_records_the_open_cases_of_the_import_and_a_closed_one_is_no_duplicate(app):
    closed_first = []

    def close_the_first(case) -> None:
        if not closed_first:
            case.close(reason="moved", outcome="Flyttat.", by=SOCIAL, at=case.last_recorded_at,
                       catalogue=app.catalogue)
            closed_first.append(case.id)

    import_cases(app, [REFERRAL, REFERRAL, replace(REFERRAL, duplicate_confirmed=True)], by=SOCIAL,
                 then=close_the_first, batch_size=2)
    first, second, third = _stored_cases(app)
    assert first.id == closed_first[0] and second.despite_open_cases == ()   # the first was closed: asked nothing
    assert [(c.case_id, c.case_number) for c in third.despite_open_cases] == [(str(second.id), second.case_number)]
