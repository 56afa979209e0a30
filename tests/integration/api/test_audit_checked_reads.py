"""A red team's probes of the auditors' reads made of the rows the ledger's check read (``Ledger.checked_events``):
each answer is either made of sealed-and-checked rows or says the history was altered — a change an insider makes
to the events table, before the read or between the check and what is shown, never reaches an auditor as the
case's history told as unchanged."""

from __future__ import annotations

from uuid import UUID

import psycopg
import pytest

from domain.values import Actor
from tests.integration.api.flows import school_consented_case
from tests.integration.api.skew import web_as

NOTE = "Närvaro 85 % under vårterminen."


def superuser(postgres, *statements: str, params=()) -> None:
    """The insider with the database's superuser: past every append-only trigger."""
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        for statement in statements:
            conn.execute(statement, params)


def noted_case(client, users, tick, app, context) -> str:
    """A consented case whose last event, sealed, is the school's note (``NOTE``)."""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    app.record_contribution(UUID(case_id), by=Actor("skola", "skola-member"), category="school", text=NOTE)
    context.seal_ledger()
    return case_id


def last_version(postgres, case_id: str) -> int:
    with psycopg.connect(postgres.conninfo()) as conn:
        return conn.execute("SELECT max(originator_version) FROM sigill_events WHERE originator_id = %s",
                            (case_id,)).fetchone()[0]


def test_an_event_removed_after_the_reports_check_is_not_reported_as_an_unchanged_history(
        client, users, tick, app, context, postgres, monkeypatch):
    """The report checked the case against the ledger and then read its history four more times (the case, its
    facts, its disclosure log, its events): the note removed in between — an insider's DELETE landing after the
    check — was missing from a report that said the case's events were unchanged.  The report is made of the rows
    its check read, or says the history was altered."""
    case_id = noted_case(client, users, tick, app, context)
    version = last_version(postgres, case_id)
    ledger = context.cases.check_history.__self__
    checked, removed = [], []
    case_pairs, select_events = ledger.store.case_pairs, app.recorder.select_events

    def the_check(*args, **kwargs):
        checked.append(True)
        return case_pairs(*args, **kwargs)

    def a_read_after_the_check(originator_id, *args, **kwargs):
        if checked and not removed and str(originator_id) == case_id:   # the insider, right after the check
            superuser(postgres, "DELETE FROM sigill_events WHERE originator_id = %(c)s AND originator_version = %(v)s",
                      params={"c": case_id, "v": version})
            removed.append(True)
        return select_events(originator_id, *args, **kwargs)

    monkeypatch.setattr(ledger.store, "case_pairs", the_check)
    monkeypatch.setattr(app.recorder, "select_events", a_read_after_the_check)
    report = client.get(f"/api/v1/audit/cases/{case_id}/report", headers=users.auditor)
    assert report.status_code == 200
    told_altered = "ÄNDRAD" in report.text or "inte den som liggaren förseglade" in report.text
    assert told_altered or NOTE in report.text, report.text[report.text.find("<h2>Kontroll"):][:1500]


def unsealed_notes(client, users, tick, app, context) -> str:
    """A consented case, sealed, and then three notes of the school's not yet sealed (the last ``NOTE``)."""
    case_id, _ = school_consented_case(client, users, tick)
    context.seal_ledger()
    for text in ("Första anteckningen.", "Andra anteckningen.", NOTE):
        tick()
        app.record_contribution(UUID(case_id), by=Actor("skola", "skola-member"), category="school", text=text)
    context.cases.lists.catch_up()   # the views wrote the rows, as the follower does
    return case_id


def auditors_answers(client, users, case_id: str) -> dict[str, tuple[int, str]]:
    audit = f"/api/v1/audit/cases/{case_id}"
    return {name: (answer.status_code, answer.text) for name, answer in (
        ("replay", client.get(f"{audit}/replay", params={"agency": "skola", "as_of": "2026-12-31T00:00:00Z"},
                              headers=users.auditor)),
        ("disclosures", client.get(f"{audit}/disclosures", headers=users.auditor)),
        ("facts", client.get(f"{audit}/facts", headers=users.auditor)),
        ("stored-log", client.get(f"{audit}/stored-log", headers=users.auditor)),
        ("report", client.get(f"{audit}/report", headers=users.auditor)))}


@pytest.mark.parametrize("tamper", ["removed", "slipped_in"])
def test_an_event_not_yet_sealed_missing_or_slipped_in_among_the_cases_is_told_as_an_altered_history(
        client, users, tick, app, context, postgres, tamper):
    """Events stored after the ledger's last seal are not sealed, and the last of them could go unseen; but one
    removed from among them leaves a version missing before a later one, and a row slipped in at a version the case
    has used (its bytes copied: version 0 before the case's first) stands out of the case's sequence.  Neither read
    as a history: the auditor's replay, disclosures, facts and stored log answered 500, the report "kan inte
    läsas" — none of them said the history was altered.  The ledger's check holds the case's versions in sequence
    past its last seal too."""
    case_id = unsealed_notes(client, users, tick, app, context)
    version = last_version(postgres, case_id)
    if tamper == "removed":
        superuser(postgres, "DELETE FROM sigill_events WHERE originator_id = %(c)s AND originator_version = %(v)s",
                  params={"c": case_id, "v": version - 1})
    else:
        superuser(postgres, "INSERT INTO sigill_events (originator_id, originator_version, topic, state)"
                            " SELECT originator_id, 0, topic, state FROM sigill_events"
                            " WHERE originator_id = %(c)s AND originator_version = 1", params={"c": case_id})
    answers = auditors_answers(client, users, case_id)
    kind, at = ("removed", version - 1) if tamper == "removed" else ("inserted", 0)
    for name in ("replay", "disclosures", "facts"):
        status, text = answers[name]
        assert status == 409 and "history_altered" in text and f"version {at}: {kind}" in text, (name, text[:300])
    status, text = answers["stored-log"]   # evidence of its own: its rows as stored, and where the history is altered
    assert status == 200 and f"version {at}: {kind}" in text and '"rows":[{' in text, text[:300]
    status, text = answers["report"]
    assert status == 200 and f"inte den som liggaren förseglade: händelse {at} i ärendets historik" in text, text
    assert "<h2 id=timeline-heading>Tidslinje</h2>" not in text


TAMPERS = {
    # The note's stored bytes, one byte more.
    "altered": (("UPDATE sigill_events SET state = state || '\\x00'::bytea"
                " WHERE originator_id = %(c)s AND originator_version = %(v)s",), "altered"),
    # Its topic column: the ledger's link does not follow (nor do the bytes decrypt: the topic is bound to them).
    "topic": (("UPDATE sigill_events SET topic = topic || 'X' WHERE originator_id = %(c)s"
               " AND originator_version = %(v)s",), "altered"),
    # The note and the event before it, their versions swapped.
    "swapped": (("UPDATE sigill_events SET originator_version = -1 WHERE originator_id = %(c)s"
                 " AND originator_version = %(v)s",
                 "UPDATE sigill_events SET originator_version = %(v)s WHERE originator_id = %(c)s"
                 " AND originator_version = %(v)s - 1",
                 "UPDATE sigill_events SET originator_version = %(v)s - 1 WHERE originator_id = %(c)s"
                 " AND originator_version = -1"), "reordered"),
}


@pytest.mark.parametrize("tamper", sorted(TAMPERS))
def test_a_sealed_event_changed_in_the_table_is_told_by_every_auditors_read_and_another_case_is_not_its_concern(
        client, users, tick, app, context, postgres, settings, tamper):
    """The probes of the reads made of the checked rows: the API's replay, disclosures and facts refuse with 409
    naming the change, the stored log is answered as stored with it, the report says it, the web's replay and
    disclosures pages say it — and a second case, untouched, is answered whole beside it (its check reads its own
    rows only)."""
    case_id = noted_case(client, users, tick, app, context)
    other = noted_case(client, users, tick, app, context)
    context.cases.lists.catch_up()
    version = last_version(postgres, case_id)
    statements, kind = TAMPERS[tamper]
    superuser(postgres, *statements, params={"c": case_id, "v": version})
    answers = auditors_answers(client, users, case_id)
    for name in ("replay", "disclosures", "facts"):
        status, text = answers[name]
        assert status == 409 and "history_altered" in text and f": {kind})" in text, (name, text[:300])
    status, text = answers["stored-log"]
    assert status == 200 and f": {kind})" in text and '"rows":[{' in text, text[:300]
    status, text = answers["report"]
    assert status == 200 and "inte den som liggaren förseglade: händelse" in text and NOTE not in text
    ivo = web_as(context, settings, "ivo")
    for path, query in ((f"/granskning/arenden/{case_id}", {"myndighet": "skola", "tid": "2026-12-31 00:00"}),
                        (f"/granskning/arenden/{case_id}/utlamnanden", {})):
        page = ivo.get(path, params=query)
        assert page.status_code == 409 and "inte den som liggaren förseglade" in page.text and NOTE not in page.text
    untouched = auditors_answers(client, users, other)
    assert all(status == 200 for status, _ in untouched.values()), {k: v[1][:200] for k, v in untouched.items()}
    assert NOTE in untouched["facts"][1] and NOTE in untouched["report"][1]


UNSEALED_TAMPERS = {
    # The note's stored bytes, one byte more.
    "bytes": "UPDATE sigill_events SET state = state || '\\x00'::bytea",
    # The note given another event type that its fields fit: read as a bare CaseEvent, the note was gone from the
    # case's history.  The topic is bound to the bytes (format 0x02): they no longer decrypt.
    "topic": "UPDATE sigill_events SET topic = 'domain.case_events:CaseEvent'",
}


def unsealed_note_altered(postgres, case_id: str, tamper: str) -> None:
    """The case's last note, not yet sealed, altered in the table by the insider (``UNSEALED_TAMPERS``)."""
    superuser(postgres, UNSEALED_TAMPERS[tamper] + " WHERE originator_id = %(c)s AND originator_version = %(v)s",
              params={"c": case_id, "v": last_version(postgres, case_id)})


@pytest.mark.parametrize("tamper", sorted(UNSEALED_TAMPERS))
def test_an_event_not_yet_sealed_altered_or_given_another_type_is_told_as_unreadable_not_as_our_error(
        client, users, tick, app, context, postgres, settings, tamper):
    """After the last seal the ledger has nothing to hold an event to; altered there, its bytes no longer decrypt.
    The report said so ("går inte att dekryptera"); the API's replay, disclosures and facts and the web's pages of
    the case answered 500 "something went wrong on our side", and the stored log — evidence of its own — too.  They
    say the event no longer reads as written (409), and the stored log is answered as stored.  Its topic changed
    to another event type's, the note was read as that type — a history without the note, answered 200."""
    case_id = unsealed_notes(client, users, tick, app, context)
    unsealed_note_altered(postgres, case_id, tamper)
    answers = auditors_answers(client, users, case_id)
    for name in ("replay", "disclosures", "facts"):
        status, text = answers[name]
        assert status == 409 and '"code":"event_unreadable"' in text and NOTE not in text, (name, text[:300])
    status, text = answers["stored-log"]
    assert status == 200 and '"rows":[{' in text and '"stored_log":null' in text, text[:300]
    assert "går inte att dekryptera" in answers["report"][1] and NOTE not in answers["report"][1]
    ivo = web_as(context, settings, "ivo")
    for path, query in ((f"/granskning/arenden/{case_id}", {"myndighet": "skola", "tid": "2026-12-31 00:00"}),
                        (f"/granskning/arenden/{case_id}/utlamnanden", {})):
        page = ivo.get(path, params=query)
        assert page.status_code == 409 and "går inte längre att läsa som den skrevs" in page.text, (path, page.text)
        assert f"/granskning/arenden/{case_id}/rapport" in page.text and NOTE not in page.text


@pytest.mark.parametrize("tamper", sorted(UNSEALED_TAMPERS))
def test_an_event_that_no_longer_reads_is_told_only_to_those_who_may_know_of_the_case(client, users, tick, app,
                                                                                     context, postgres, tamper):
    """As a damaged key is (``test_damaged_key``): a case with an event that no longer decrypts answered 500 to
    anyone who asked — a school of another municipality told a case from one never opened.  It is no such case to
    them; social services of the case's municipality are told the event does not read."""
    case_id = unsealed_notes(client, users, tick, app, context)
    unsealed_note_altered(postgres, case_id, tamper)
    never = "00000000-0000-4000-8000-000000000000"
    for headers in (users.headers("skola", "member", municipality="1280"), users.headers("bup", "member")):
        answer, reference = (client.get(f"/api/v1/cases/{case_id}", headers=headers),
                             client.get(f"/api/v1/cases/{never}", headers=headers))
        assert (answer.status_code, answer.json()) == (reference.status_code, reference.json()) == (
            404, reference.json()), answer.text
    answer = client.get(f"/api/v1/cases/{case_id}", headers=users.social)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "event_unreadable", answer.text
