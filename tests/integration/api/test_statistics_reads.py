"""The statistics read a municipality's cases a few hundred a round trip (``CaseQueries.histories``), not one each:
a run's statements do not grow with its cases, and each case reads exactly as ``history`` reads it — an erased
case as tombstones, a damaged key as DamagedDataKey (counted apart), a case without events as none.  What a case
counts is kept by its latest version (``services.kept_figures``): a run reads again only the cases that changed,
and an erased case leaves what is kept at once."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from typing import Iterator
from uuid import UUID, uuid4

import psycopg
import pytest

from domain.erasure import ErasedEvent
from domain.group_commands import PlanRowDraft
from services.case_service import CaseService
from services.bootstrap import build_erasures
from services.cli_audit import command_line_reader
from services.erasure import erase_case
from services.errors import CaseNotFound, DamagedDataKey
from tests.builders import SOCIAL
from tests.service_behaviour import consenting_school


def _closed_case(app) -> UUID:
    case_id = consenting_school(app)
    app.revise_plan(case_id, by=SOCIAL, main_goal="Skolgång", rows=[PlanRowDraft(
        area="Skola", goal="Närvaro", how="Mentor", responsible="Skolan", responsible_agencies=("skola",))])
    app.close_case(case_id, by=SOCIAL, reason="goals_met", outcome="Klart.")
    return case_id


def _damage_key(postgres, app, case_id: UUID) -> None:
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute("UPDATE sigill_data_keys SET wrapped_key = set_byte(wrapped_key, 5, get_byte(wrapped_key, 5) # 1)"
                     " WHERE aggregate_id = %s", (case_id,))
    app.keystore._cache.forget_keys()   # as a restarted server: the key is read from its row again


@contextmanager
def _statements(monkeypatch) -> Iterator[list[str]]:
    """Every statement any synchronous cursor of this process sends while the block runs."""
    sent: list[str] = []
    execute = psycopg.Cursor.execute

    def counted(cursor, query, *args, **kwargs):
        sent.append(str(query))
        return execute(cursor, query, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(psycopg.Cursor, "execute", counted)
        yield sent


def _run(context, cases=None):   # noqa: ANN001 - a CaseService other than the context's
    return (cases or context.cases).statistics(command_line_reader(), "0180", "2026-01-01", "2026-12-31")


@contextmanager
def _decoded(monkeypatch, app) -> Iterator[list[UUID]]:
    """The case of every stored event the application decodes (decrypts and deserialises) while the block runs."""
    cases: list[UUID] = []
    decode = app.mapper.to_domain_event

    def counted(stored):
        cases.append(UUID(str(stored.originator_id)))
        return decode(stored)

    with monkeypatch.context() as patched:
        patched.setattr(app.mapper, "to_domain_event", counted)
        yield cases


def _afresh(context):
    """The same figures read by a service that has kept nothing: every case decoded and folded, as before."""
    cases = context.cases
    return _run(context, CaseService(cases.app, cases.access_log, cases.lists))


def _meeting(app, case_id: UUID) -> None:
    app.record_meeting(case_id, by=SOCIAL, held_on=date(2026, 2, 3), attendees=("skola",), other_attendees=(),
                       next_meeting=None, outcomes=(), decisions=())


def test_a_statistics_run_sends_as_many_statements_for_nine_cases_as_for_three(app, context, monkeypatch):
    """One read per case was 2,009 statements for the Statistik page of 2,001 cases (bench/web_pages.py)."""
    def statements_of_a_run() -> int:
        _run(context)   # the views take the new cases in first: their catch-up is not the statistics' reading
        with _statements(monkeypatch) as sent:
            _run(context)
        return len(sent)

    for _ in range(3):
        consenting_school(app)
    three = statements_of_a_run()
    for _ in range(6):
        consenting_school(app)
    assert statements_of_a_run() == three


def test_histories_read_each_case_as_history_does_an_erased_one_a_damaged_key_and_one_without_events(
        app, settings, postgres):
    plain = [consenting_school(app) for _ in range(3)]
    erased, damaged, never = _closed_case(app), consenting_school(app), uuid4()
    erase_case(app, build_erasures(settings, postgres), erased, "SN 2026/45", "cli:uid0@host")
    _damage_key(postgres, app, damaged)
    asked = [plain[0], erased, never, damaged, plain[1], plain[2]]

    read = list(app.histories(asked, chunk=2))   # chunks that split the cases, and one case over
    assert [case_id for case_id, _ in read] == asked
    by_case = dict(read)
    for case_id in plain + [erased]:
        assert by_case[case_id] == list(app.history(case_id)), case_id
    assert by_case[erased] and all(isinstance(e, ErasedEvent) for e in by_case[erased])
    assert by_case[never] == []
    with pytest.raises(CaseNotFound):
        app.history(never)
    assert isinstance(by_case[damaged], DamagedDataKey)
    with pytest.raises(DamagedDataKey):
        app.history(damaged)


def test_a_case_whose_key_is_damaged_is_counted_apart_the_others_counted_and_progress_told(app, context, postgres):
    cases = [consenting_school(app) for _ in range(6)]
    _run(context)   # the views take the cases in (they would wait at the damaged case's events)
    _damage_key(postgres, app, cases[0])
    told: list[int] = []
    found = context.cases.statistics(command_line_reader(), "0180", "2026-01-01", "2026-12-31", progress=told.append)
    assert (found.unreadable, found.erased, found.figures["cases"]) == ("<5", 0, 5)
    assert told[-1] == 6   # every case read, the damaged one too, wherever it is in the list


def test_a_repeat_run_decodes_no_case_and_says_what_a_run_that_kept_nothing_says(app, context, monkeypatch):
    """2,001 cases took 1.4 s a request, every event of every case decoded again though none had changed."""
    for _ in range(6):
        consenting_school(app)
    first = _run(context)
    with _decoded(monkeypatch, app) as decoded, _statements(monkeypatch) as sent:
        again = _run(context)
    assert decoded == []
    assert not any("ORDER BY originator_id, originator_version" in statement for statement in sent)   # no events
    assert again == first == _afresh(context)
    assert again.figures["cases"] == 6


def test_a_new_event_in_a_case_changes_the_next_runs_figures_and_only_that_case_is_read_again(
        app, context, monkeypatch):
    """Six accepted cases; social services records a meeting in four of them: the median meetings per case goes
    from 0 to 1 at the next run, which decodes those four alone."""
    cases = [consenting_school(app) for _ in range(6)]
    before = _run(context)
    assert before.figures["medians"]["meetings_per_accepted_case"] == 0
    for case_id in cases[:4]:
        _meeting(app, case_id)
    with _decoded(monkeypatch, app) as decoded:
        after = _run(context)
    assert set(decoded) == set(cases[:4])
    assert after.figures["medians"]["meetings_per_accepted_case"] == 1
    assert after == _afresh(context)


def test_an_erased_case_leaves_what_is_kept_and_the_figures_at_once(app, context, settings, postgres, monkeypatch):
    """Erased, a case is forgotten as its key is destroyed — not at the next run — and that run counts it erased,
    its figures gone, as a run that kept nothing does, reading no case's events."""
    cases = [consenting_school(app) for _ in range(5)]
    erased = _closed_case(app)
    before = _run(context)
    assert (before.figures["cases"], before.erased) == (6, 0)
    assert erased in context.cases.kept_figures
    erase_case(app, build_erasures(settings, postgres), erased, "SN 2026/45", "cli:uid0@host")
    assert erased not in context.cases.kept_figures   # told with the key's destruction, before any run
    with _decoded(monkeypatch, app) as decoded:
        after = _run(context)
    assert decoded == []   # nothing changed but the erasure: its key says it, no event need be read
    assert (after.figures["cases"], after.erased) == (5, "<5")
    assert after == _afresh(context)
    assert all(case_id in context.cases.kept_figures for case_id in cases)


def test_a_case_erased_unheard_is_counted_erased_and_not_from_what_was_kept(app, context, postgres):
    """A destruction this process did not hear of (its listener lost, the notification missed): the run asks each
    case's key before it reuses anything, so the erased case's kept figures are neither counted nor kept."""
    cases = [consenting_school(app) for _ in range(6)]
    assert _run(context).figures["cases"] == 6
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:   # no NOTIFY: nobody is told
        conn.execute("UPDATE sigill_data_keys SET wrapped_key = NULL, destroyed_at = now() WHERE aggregate_id = %s",
                     (cases[0],))
    app.keystore._cache.forget_keys()   # as a listener connected again does: a notification may have been missed
    assert cases[0] in context.cases.kept_figures
    after = _run(context)
    assert (after.figures["cases"], after.erased) == (5, "<5")
    assert cases[0] not in context.cases.kept_figures
    assert after == _afresh(context)
