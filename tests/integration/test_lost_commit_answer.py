"""A COMMIT whose answer is lost: the save is reported as of unknown outcome, never retried into a conflict."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from gateways.group_commit import CommitOutcomeUnknown
from tests.builders import SOCIAL
from tests.service_behaviour import open_case


def test_a_lost_answer_to_commit_is_not_retried_and_the_events_are_stored_once(app, monkeypatch):
    case_id, _ = open_case(app)
    before = len(app.history(case_id))
    real_execute = psycopg.Cursor.execute
    commits = []

    def commit_then_lose_the_answer(cursor, query, *args, **kwargs):
        result = real_execute(cursor, query, *args, **kwargs)
        if query == b"COMMIT":
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
