"""The statistics read a municipality's cases a few hundred a round trip (``CaseQueries.histories``), not one each:
a run's statements do not grow with its cases, and each case reads exactly as ``history`` reads it — an erased
case as tombstones, a damaged key as DamagedDataKey (counted apart), a case without events as none."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator
from uuid import UUID, uuid4

import psycopg
import pytest

from domain.erasure import ErasedEvent
from domain.group_commands import PlanRowDraft
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


def _run(context) -> None:
    context.cases.statistics(command_line_reader(), "0180", "2026-01-01", "2026-12-31")


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
