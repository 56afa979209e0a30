"""A COMMIT whose answer is lost: the save is reported as of unknown outcome, never retried into a conflict."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from gateways.group_commit import CommitOutcomeUnknown
from services import idempotency
from tests.builders import SOCIAL
from tests.service_behaviour import open_case


def test_a_lost_answer_to_commit_is_not_retried_and_the_events_are_stored_once(app, monkeypatch):
    case_id, _ = open_case(app)
    before = len(app.history(case_id))
    real_execute = psycopg.Cursor.execute
    commits = []

    def commit_then_lose_the_answer(cursor, query, *args, **kwargs):
        result = real_execute(cursor, query, *args, **kwargs)
        if isinstance(query, bytes) and query.endswith(b"COMMIT"):  # alone, or after a save's lock and insert
            commits.append(query)
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return result

    monkeypatch.setattr(psycopg.Cursor, "execute", commit_then_lose_the_answer)
    with pytest.raises(CommitOutcomeUnknown):
        app.decide_eligibility(case_id, by=SOCIAL, accepted=True, reasons="Hög risk.", instruments=("SAVRY",),
                               decided_on=date(2026, 2, 2))
    monkeypatch.undo()
    assert len(commits) == 1                         # sent once: no blind retry
    assert len(app.history(case_id)) == before + 1   # and it was made, once


def lose_the_answer_to_commit(monkeypatch, commits: list):
    real_execute = psycopg.Cursor.execute

    def commit_then_lose_the_answer(cursor, query, *args, **kwargs):
        result = real_execute(cursor, query, *args, **kwargs)
        if isinstance(query, bytes) and query.endswith(b"COMMIT"):
            commits.append(query)
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return result

    monkeypatch.setattr(psycopg.Cursor, "execute", commit_then_lose_the_answer)


def test_a_save_with_an_idempotency_answer_commits_separately_and_a_lost_answer_is_not_retried(app, monkeypatch):
    case_id, _ = open_case(app)
    before = len(app.history(case_id))
    commits: list = []
    lose_the_answer_to_commit(monkeypatch, commits)
    pending = idempotency.Pending("social.kim", "key-1", b"h" * 32, 201)
    with idempotency.answering(pending), pytest.raises(CommitOutcomeUnknown):
        idempotency.count_writer_version(lambda events: len(events))
        app.decide_eligibility(case_id, by=SOCIAL, accepted=True, reasons="Hög risk.", instruments=("SAVRY",),
                               decided_on=date(2026, 2, 2))
    monkeypatch.undo()
    assert commits == [b"COMMIT"]  # the answer's save: events and answer, then COMMIT on its own
    assert len(app.history(case_id)) == before + 1 and pending.row is not None


def test_a_save_the_server_refuses_is_rolled_back_and_retried_not_reported_unknown(app, monkeypatch):
    case_id, _ = open_case(app)
    before = len(app.history(case_id))
    real_execute = psycopg.Cursor.execute
    refused: list = []

    def lock_times_out_once(cursor, query, *args, **kwargs):
        if isinstance(query, bytes) and query.endswith(b"COMMIT") and not refused:
            refused.append(query)
            raise psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")  # SQLSTATE 55P03
        return real_execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", lock_times_out_once)
    app.decide_eligibility(case_id, by=SOCIAL, accepted=True, reasons="Hög risk.", instruments=("SAVRY",),
                           decided_on=date(2026, 2, 2))
    monkeypatch.undo()
    assert len(refused) == 1
    assert len(app.history(case_id)) == before + 1  # retried on a clean connection, stored once
