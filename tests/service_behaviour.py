"""Behaviour of the case application, run on in-memory and on PostgreSQL persistence.

Subclasses provide the ``app`` fixture; nothing else differs.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest

from domain.errors import CaseErased, InvalidInput, NotLeadAgency
from domain.values import YOUNG_PERSON, Guardian, ScopeEntry
from services.errors import CaseNotFound, ConcurrentChange
from tests.builders import BORN_2009_03_14, POLICE, SCHOOL, SOCIAL

NAME = "Peter Exempel"


def open_case(app, **overrides) -> tuple[UUID, str]:
    fields = dict(by=SOCIAL, municipality="0180", personnummer=BORN_2009_03_14, name=NAME, entry_route="lul6",
                  referring_agency="polis", referral_date=date(2026, 2, 1), summary="Misstänkt för rån.",
                  summary_category="crime")
    result = app.receive_referral(**{**fields, **overrides})
    return result.case_id, result.value


def plan_next_meeting(app, case_id: UUID, **plan):
    """Social services plans the next meeting as the web and the API do: judged against the next meeting its page
    shows it now."""
    from services.case_commands import shown_next_meeting

    return app.plan_next_meeting(case_id, by=SOCIAL, shown=shown_next_meeting(app.view(case_id, SOCIAL.agency)),
                                 **plan)


def school_consented_until(app, last_day: date) -> UUID:
    """Accepted, one guardian; the young person and the guardian let the school see case and school from
    2026-02-03 to ``last_day``; the school in the group."""
    case_id, _ = open_case(app)
    app.decide_eligibility(case_id, by=SOCIAL, accepted=True, reasons="Risk.", instruments=(),
                           decided_on=date(2026, 2, 2))
    app.record_guardians(case_id, by=SOCIAL, guardians=(Guardian("", "Maria"),))
    for consenter in (YOUNG_PERSON, *app.get_case(case_id).guardians):
        app.grant_consent(case_id, by=SOCIAL, consenter=consenter, scope=(ScopeEntry("skola", ("case", "school")),),
                          purpose="Samverkan", valid_from=date(2026, 2, 3), valid_until=last_day, form="written")
    app.add_member(case_id, by=SOCIAL, agency="skola", contact_person="Kim", role="kurator")
    return case_id


def consenting_school(app) -> UUID:
    """A case where the young person and both guardians let the school see case and school facts."""
    case_id, _ = open_case(app)
    app.decide_eligibility(case_id, by=SOCIAL, accepted=True, reasons="Hög risk.", instruments=("SAVRY",),
                           decided_on=date(2026, 2, 2))
    app.record_guardians(case_id, by=SOCIAL, guardians=(Guardian("", "Maria"), Guardian("", "Johan")))
    for consenter in (YOUNG_PERSON, *app.get_case(case_id).guardians):
        app.grant_consent(case_id, by=SOCIAL, consenter=consenter, scope=(ScopeEntry("skola", ("case", "school")),),
                          purpose="Samverkan", valid_from=date(2026, 2, 2), valid_until=None, form="written")
    app.add_member(case_id, by=SOCIAL, agency="skola", contact_person="Kim", role="kurator")
    app.add_member(case_id, by=SOCIAL, agency="polis", contact_person="Sam", role="kontaktperson")
    return case_id


def contributed_case(app) -> UUID:
    """``consenting_school``, and an hour later contributions of the police (school, and crime under LUL 6 §) and of
    the school: nothing the school has seen has ended yet (the clock a ``ManualClock``)."""
    case_id = consenting_school(app)
    app.clock.advance(timedelta(hours=1))
    app.record_contribution(case_id, by=POLICE, category="school", text="Skolk observerat.")
    app.record_contribution(case_id, by=POLICE, category="crime", text="Ny misstanke.", legal_basis="lul6")
    app.record_contribution(case_id, by=SCHOOL, category="school", text="Närvaro 80 %.")
    return case_id


class CaseApplicationBehaviour:
    def test_referrals_get_the_municipalitys_next_case_number(self, app):
        first_id, first = open_case(app)
        second_id, second = open_case(app)
        year = app.clock.now().year
        assert (first, second) == (f"0180-{year}-0001", f"0180-{year}-0002")
        assert app.find_case(second) == second_id and app.find_case(first) == first_id

    def test_case_numbers_are_counted_per_municipality(self, app):
        _, number = open_case(app, municipality="1280")
        assert number.startswith("1280-") and number.endswith("-0001")

    def test_a_command_returns_the_new_version_and_a_stale_one_conflicts(self, app):
        case_id, _ = open_case(app)
        result = app.decide_eligibility(case_id, by=SOCIAL, accepted=True, reasons="Hög risk.",
                                        instruments=("SAVRY",), decided_on=date(2026, 2, 2), expected_version=1)
        assert result.version == 2 and result.notification_id is not None
        with pytest.raises(ConcurrentChange) as raised:
            app.add_member(case_id, by=SOCIAL, agency="skola", contact_person="Kim", role="kurator",
                           expected_version=1)
        assert (raised.value.expected, raised.value.actual) == (1, 2)
        assert app.get_case(case_id).version == 2  # nothing was recorded

    def test_a_write_racing_another_conflicts_and_records_nothing(self, app):
        case_id, _ = open_case(app)

        def racing(case, at):
            app.decide_eligibility(case_id, by=SOCIAL, accepted=True, reasons="Först.", instruments=(),
                                   decided_on=date(2026, 2, 2))
            case.decide_eligibility(accepted=False, reasons="Sist.", instruments=(), decided_on=date(2026, 2, 2),
                                    by=SOCIAL, at=at, catalogue=app.catalogue)

        with pytest.raises(ConcurrentChange):
            app._change(case_id, None, racing)
        assert app.get_case(case_id).version == 2

    def test_an_unknown_case_is_not_found(self, app):
        with pytest.raises(CaseNotFound):
            app.get_case(uuid4())
        with pytest.raises(CaseNotFound):
            app.find_case("0180-2026-9999")
        with pytest.raises(InvalidInput):
            app.find_case("not a number")

    def test_a_refused_command_records_nothing(self, app):
        case_id, _ = open_case(app)
        with pytest.raises(NotLeadAgency):
            app.close_case(case_id, by=SCHOOL, reason="other", outcome="x")
        assert app.get_case(case_id).version == 1

    def test_the_view_follows_the_disclosure_rules_on_stored_events(self, app):
        case_id = consenting_school(app)
        app.record_contribution(case_id, by=POLICE, category="school", text="Skolk observerat.")
        app.record_contribution(case_id, by=POLICE, category="crime", text="Ny misstanke.")
        school = {d.fact.content.get("text") for d in app.view(case_id, "skola")}
        assert "Skolk observerat." in school and "Ny misstanke." not in school

    def test_the_disclosure_log_says_when_and_why(self, app):
        case_id = consenting_school(app)
        app.record_contribution(case_id, by=POLICE, category="school", text="Skolk observerat.")
        entries = [c for c in app.disclosures(case_id, ["skola"]) if c.fact.content.get("text") == "Skolk observerat."]
        assert [e.change for e in entries] == ["disclosed"] and len(entries[0].basis.consent_ids) == 3

    def test_personal_data_is_stored_only_encrypted(self, app):
        case_id, _ = open_case(app)
        stored = app.recorder.select_notifications(start=1, limit=1000)
        assert stored
        for record in stored:
            for secret in (BORN_2009_03_14.replace("-", ""), BORN_2009_03_14, NAME, "Misstänkt"):
                assert secret.encode() not in record.state and secret not in record.topic
            assert str(case_id) != BORN_2009_03_14

    def test_an_erased_case_reads_as_erased_and_others_are_untouched(self, app):
        erased, _ = open_case(app)
        kept, _ = open_case(app)
        app.keystore.destroy(erased)
        with pytest.raises(CaseErased):
            app.get_case(erased)
        with pytest.raises(CaseErased):
            app.view(erased, "socialtjanst")
        assert app.get_case(kept).subject.name == NAME
