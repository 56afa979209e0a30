"""An auditor's replay reads the case's history once: the rows the ledger's check read are the events replayed
(``Ledger.checked_events``).  The API's replay read it three times (the check, the replay, the case's start), the
web's replay page five (and the protection then and now): bench/web_pages.py, 12 statements for the busy case.
The disclosure log alike, and the pages' skyddade personuppgifter from the page's own read."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator
from uuid import UUID

import psycopg

from domain.values import Actor
from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as


@contextmanager
def _reads_of(monkeypatch, case_id: str) -> Iterator[list[str]]:
    """Every statement that reads the events table for ``case_id`` while the block runs (the check's, the
    application's, the repository's: each a read of the case's whole history)."""
    reads: list[str] = []
    execute = psycopg.Cursor.execute

    def counted(cursor, query, params=None, *args, **kwargs):
        text = query if isinstance(query, str) else \
            query.decode() if isinstance(query, bytes) else query.as_string(cursor)   # bytes: the recorder's own
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


def test_the_disclosure_log_and_the_loggutdrag_read_the_cases_history_once(client, users, tick, context, settings,
                                                                            monkeypatch):
    """The disclosures (the API's and the web's page: the log, the stored log held to it, skyddade
    personuppgifter) read the history the ledger's check read, and nothing more: the API read it three times, the
    page four.  The loggutdrag page tells skyddade personuppgifter from the extract's own read of the case (the
    events after the fold kept), not from a read of its whole history."""
    case_id, _ = school_consented_case(client, users, tick)
    context.seal_ledger()
    ivo = web_as(context, settings, "ivo")
    api, page = f"/api/v1/audit/cases/{case_id}/disclosures", f"/granskning/arenden/{case_id}/utlamnanden"
    ok(client.get(api, headers=users.auditor))   # the first read of a case warms what it may
    with _reads_of(monkeypatch, case_id) as reads:
        answered = ok(client.get(api, headers=users.auditor))
    assert answered["changes"] and answered["stored_log"]["agrees"], answered["stored_log"]
    assert len(reads) == 1 and "uuid_send(originator_id)" in reads[0], reads

    assert ivo.get(page).status_code == 200
    with _reads_of(monkeypatch, case_id) as reads:
        shown = ivo.get(page)
    assert shown.status_code == 200 and "Skolan" in shown.text
    assert len(reads) == 1 and "uuid_send(originator_id)" in reads[0], reads

    for path in (f"/granskning/arenden/{case_id}/loggutdrag", f"/granskning/arenden/{case_id}"):   # and the form
        assert ivo.get(path).status_code == 200
        with _reads_of(monkeypatch, case_id) as reads:
            assert ivo.get(path).status_code == 200
        assert len(reads) == 1 and "originator_version >" in reads[0], (path, reads)


def test_a_stored_log_asked_again_is_held_to_the_history_read_again_and_checked_again(client, users, tick, context,
                                                                                       app, monkeypatch):
    """An event recorded after the history was read and checked, before the views caught up, is in the stored log
    and not in the history: the log is asked again, held to the history read again — the ledger's check again
    (its read is the history's), not the rows read first, with which it would never agree."""
    case_id, _ = school_consented_case(client, users, tick)
    context.seal_ledger()
    lists, asked = context.cases.lists, []
    stored_log = lists.stored_log

    def an_event_first(*args, **kwargs):
        if not asked:
            tick()
            app.record_contribution(UUID(case_id), by=Actor("skola", "skola-member"), category="school",
                                    text="Närvaro 85 %.")
        asked.append(True)
        return stored_log(*args, **kwargs)

    monkeypatch.setattr(lists, "stored_log", an_event_first)
    with _reads_of(monkeypatch, case_id) as reads:
        answered = ok(client.get(f"/api/v1/audit/cases/{case_id}/disclosures", headers=users.auditor))
    assert answered["stored_log"]["agrees"], answered["stored_log"]
    assert len(asked) == 2, "the first attempt disagrees: the event is in the table, not in the rows read first"
    assert len(reads) == 2 and all("uuid_send(originator_id)" in read for read in reads), reads


def test_a_replaced_logs_row_naming_a_fact_the_log_does_not_show_is_told_from_the_pages_one_read(
        client, users, tick, context, settings, app, postgres, monkeypatch):
    """A rebuild replaced the police's log, which had (altered) told the police of the school's note: the page's
    differences describe that row by the note, a fact the police's log does not show — from every fact of the case
    the page's one read folded, the rows the ledger's check read.  The page read the case a second time for them
    (``all_facts``), unchecked: an event altered in between would have been told as though it were checked."""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    app.record_contribution(UUID(case_id), by=Actor("skola", "skola-member"), category="school", text="Närvaro 85 %.")
    lists = context.cases.lists
    lists.catch_up()
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:   # as the log's owner may: the trigger off
        conn.execute("ALTER TABLE disclosure_log DISABLE TRIGGER append_only")
        conn.execute("UPDATE disclosure_log SET fact_id = (SELECT fact_id FROM disclosure_log WHERE case_id = %(c)s"
                     " AND agency = 'skola' AND category = 'school' LIMIT 1) WHERE id = (SELECT min(id)"
                     " FROM disclosure_log WHERE case_id = %(c)s AND agency = 'polis')", {"c": case_id})
        conn.execute("ALTER TABLE disclosure_log ENABLE TRIGGER append_only")
    lists.runner.rebuild()
    context.seal_ledger()
    ivo = web_as(context, settings, "ivo")
    page = f"/granskning/arenden/{case_id}/utlamnanden"
    assert ivo.get(page, params={"myndighet": "polis"}).status_code == 200   # the first read of a case warms
    with _reads_of(monkeypatch, case_id) as reads:
        shown = ivo.get(page, params={"myndighet": "polis"})
    assert shown.status_code == 200 and "Utlämnandeloggen byggdes om" in shown.text, shown.text[:2000]
    differences = shown.text.split("Skillnader mot den ersatta loggen")[1].split("</table>")[0]
    assert "Närvaro 85 %." in differences and differences.count("<code>v") == 2, differences   # each by its version
    assert len(reads) == 1 and "uuid_send(originator_id)" in reads[0], reads
