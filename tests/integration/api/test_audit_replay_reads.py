"""An auditor's replay reads the case's history once: the rows the ledger's check read are the events replayed
(``Ledger.checked_events``).  The API's replay read it three times (the check, the replay, the case's start), the
web's replay page five (and the protection then and now): bench/web_pages.py, 12 statements for the busy case."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import psycopg

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as


@contextmanager
def _reads_of(monkeypatch, case_id: str) -> Iterator[list[str]]:
    """Every statement that reads the events table for ``case_id`` while the block runs (the check's, the
    application's, the repository's: each a read of the case's whole history)."""
    reads: list[str] = []
    execute = psycopg.Cursor.execute

    def counted(cursor, query, params=None, *args, **kwargs):
        text = query if isinstance(query, str) else query.as_string(cursor)
        if "sigill_events" in text and any(str(p) == case_id for p in params or ()):
            reads.append(text)
        return execute(cursor, query, params, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(psycopg.Cursor, "execute", counted)
        yield reads


def test_a_replay_reads_the_cases_history_once_the_events_the_ledger_checked(client, users, tick, context, settings,
                                                                              monkeypatch):
    case_id, _ = school_consented_case(client, users, tick)
    context.seal_ledger()
    api = f"/api/v1/audit/cases/{case_id}/replay"
    params = {"agency": "skola", "as_of": "2026-12-31T00:00:00Z"}
    ok(client.get(api, params=params, headers=users.auditor))   # the first read of a case warms what it may
    with _reads_of(monkeypatch, case_id) as reads:
        answered = ok(client.get(api, params=params, headers=users.auditor))
    assert answered["facts"] and len(reads) == 1, reads
    assert "uuid_send(originator_id)" in reads[0]   # the ledger's check's own read (``case_pairs``)

    ivo = web_as(context, settings, "ivo")
    page = f"/granskning/arenden/{case_id}"
    form = {"myndighet": "skola", "tid": "2026-12-31 00:00"}
    assert ivo.get(page, params=form).status_code == 200
    with _reads_of(monkeypatch, case_id) as reads:
        shown = ivo.get(page, params=form)
    assert shown.status_code == 200 and "Skolan" in shown.text
    assert len(reads) == 1, reads
