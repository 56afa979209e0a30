"""What an auditor files must not read "clean" where other checks find tampering (an inspector's walk): the report
carries the stored disclosure log's comparison with the events and the access log's check; the extract and the
access log's search say whether the log they list is whole; the stored disclosure log stays readable when an event
is altered (evidence of its own), and the web's page for an altered case leads on to the ledger's check and the
report."""

from __future__ import annotations

import re

import psycopg

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as


def superuser(postgres, *statements: str, params=()) -> None:
    """The insider with the database's superuser: past every append-only trigger."""
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        for statement in statements:
            conn.execute(statement, params)


def cut_tail_case(client, users, tick, context, postgres) -> str:
    """A case whose last event — the police joining the group, which disclosed the case to them — is removed with
    its ledger entry and the checkpoint after it: the ledger alone sees nothing (no later link, no exported file),
    but the stored disclosure log still holds what the event caused."""
    case_id, _ = school_consented_case(client, users, tick, members=("skola",))
    context.seal_ledger()
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/members", json={"agency": "polis", "contact_person": "Kontakt",
                                                            "role": "kontaktperson"}, headers=users.social), 201)
    context.cases.lists.catch_up()   # the views wrote the police's rows, as the follower does
    context.seal_ledger()
    with psycopg.connect(postgres.conninfo()) as conn:
        nid = conn.execute("SELECT max(notification_id) FROM sigill_events").fetchone()[0]
        assert conn.execute("SELECT originator_id FROM sigill_events WHERE notification_id = %s",
                            (nid,)).fetchone()[0] == __import__("uuid").UUID(case_id)
    superuser(postgres, "DELETE FROM sigill_events WHERE notification_id = %(n)s",
              "DELETE FROM sigill_ledger WHERE notification_id = %(n)s",
              "DELETE FROM sigill_ledger_checkpoints WHERE notification_id >= %(n)s", params={"n": nid})
    ledger, _ = context.verify_ledger()
    assert ledger.intact   # what the ledger alone says
    return case_id


def test_the_report_warns_when_the_stored_disclosure_log_holds_rows_the_events_no_longer_give(
        client, users, tick, context, postgres, settings):
    case_id = cut_tail_case(client, users, tick, context, postgres)
    report = client.get(f"/api/v1/audit/cases/{case_id}/report", headers=users.auditor)
    assert report.status_code == 200
    text = report.text
    warning = text.index("Varning: den lagrade utlämnandeloggen")
    assert warning < text.index("<h2>Kontroll av att inget ändrats</h2>") < text.index("<h2 id=timeline-heading>Tidslinje</h2>")
    assert "rader finns bara i den, 0 saknas i den. Tidslinjen" in text and "kan vara ofullständiga" in text
    assert "Oförändrad" in text   # the ledger's own verdict stands beside it
    assert "<td>den lagrade loggen</td>" in text and "Polisen" in text[text.index("id=stored-log"):]
    web = web_as(context, settings, "ivo").get(f"/granskning/arenden/{case_id}/rapport").text
    assert "Varning: den lagrade utlämnandeloggen" in web


def test_an_unchanged_case_reports_its_stored_log_and_access_log_as_checked(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    text = client.get(f"/api/v1/audit/cases/{case_id}/report", headers=users.auditor).text
    assert "Varning" not in text
    assert "<p class=ok id=stored-log>Den lagrade utlämnandeloggen" in text and "stämmer med ärendets händelser" in text
    assert "<p class=ok id=access-log>Åtkomstloggen kontrollerad: ingen läsning saknas i loggen" in text


def _remove_a_read_of(postgres, case_id: str) -> int:
    """One of the case's reads — not the last of the log — removed by a superuser: its number."""
    with psycopg.connect(postgres.conninfo()) as conn:
        seq = conn.execute("SELECT min(seq) FROM sigill_access_log WHERE case_id = %s", (case_id,)).fetchone()[0]
    superuser(postgres, "DELETE FROM sigill_access_log WHERE seq = %s", params=(seq,))
    return seq


def test_the_extract_does_not_count_the_reads_removed_from_the_whole_installation(client, users, tick, context,
                                                                                     postgres, settings):
    """Reads removed from another case's part of the log: the young person's extract said "3 läsningar saknas i
    loggen" — the count of the whole installation's log, told to social services of every case.  It speaks of its
    own case's reads: some were removed, and whether any was this case's cannot be seen."""
    case_id, _ = school_consented_case(client, users, tick)
    other, _ = school_consented_case(client, users, tick)
    for _ in range(3):
        ok(client.get(f"/api/v1/cases/{other}", headers=users.school))
    with psycopg.connect(postgres.conninfo()) as conn:
        removed = [r[0] for r in conn.execute("SELECT seq FROM sigill_access_log WHERE case_id = %s"
                                              " ORDER BY seq LIMIT 3", (other,))]
    superuser(postgres, "DELETE FROM sigill_access_log WHERE seq = ANY(%s)", params=(removed,))
    said = ("Åtkomstloggen har ändrats: läsningar har tagits bort ur loggen i efterhand, och om någon av dem gällde"
            " detta ärende går inte att se. Det som visas här kan vara ofullständigt.")
    extract = ok(client.get(f"/api/v1/cases/{case_id}/extract", headers=users.social))["access_log"]
    assert extract["description"] == said
    # Nor does the API's extract: it says that reads were removed, not how many the whole log lacks.
    assert (extract["intact"], extract["finding"]) == (False, "missing") and "missing" not in extract
    page = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/registerutdrag").text
    line = re.search(r'<p id="access-checked"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert line == said and "3" not in line
    # An auditor's search, which shows the log's own numbers, still counts them.
    search = web_as(context, settings, "ivo").get("/granskning/atkomstlogg").text
    assert f"3 läsningar saknas i loggen (den första: läsning {min(removed)})" in search


def test_a_removed_read_is_said_by_the_extract_the_search_and_the_report(client, users, tick, context, postgres,
                                                                         settings):
    case_id, _ = school_consented_case(client, users, tick)
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    extract = ok(client.get(f"/api/v1/cases/{case_id}/extract", headers=users.social))
    assert extract["access_log"]["intact"] and extract["access_log"]["checked"] == len(extract["reads"])
    seq = _remove_a_read_of(postgres, case_id)
    _, access = context.verify_ledger()
    assert access.swedish == f"läsning {seq} saknas"   # what verify says
    extract = ok(client.get(f"/api/v1/cases/{case_id}/extract", headers=users.social))["access_log"]
    assert (extract["intact"], extract["finding"]) == (False, "missing")
    assert extract["description"].startswith("Åtkomstloggen har ändrats: läsningar har tagits bort ur loggen i"
                                             " efterhand, och om någon av dem gällde detta ärende går inte att se")
    assert str(seq) not in extract["description"]   # the log's own numbers stay out of the young person's extract
    page = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/registerutdrag").text
    assert "Åtkomstloggen har ändrats: läsningar har tagits bort ur loggen i efterhand" in page
    auditor = web_as(context, settings, "ivo")
    search = auditor.get("/granskning/atkomstlogg").text
    assert f"Åtkomstloggen har ändrats: en läsning saknas i loggen (den första: läsning {seq})" in search
    # A search that finds nothing says it too, as the API's does: the read removed is found by no search.
    nothing = auditor.get("/granskning/atkomstlogg", params={"myndighet": "bup"}).text
    assert "Inga träffar" in nothing and "Åtkomstloggen har ändrats: en läsning saknas i loggen" in nothing
    report = client.get(f"/api/v1/audit/cases/{case_id}/report", headers=users.auditor).text
    assert f"Varning: Åtkomstloggen har ändrats: en läsning saknas i loggen (den första: läsning {seq})" in report


def test_an_altered_read_of_the_case_is_said_by_the_extract(client, users, tick, postgres):
    case_id, _ = school_consented_case(client, users, tick)
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    superuser(postgres, "UPDATE sigill_access_log SET what = 'plan' WHERE seq = (SELECT min(seq) FROM"
                        " sigill_access_log WHERE case_id = %s AND agency = 'skola')", params=(case_id,))
    extract = ok(client.get(f"/api/v1/cases/{case_id}/extract", headers=users.social))["access_log"]
    assert (extract["intact"], extract["finding"]) == (False, "altered")
    assert extract["description"] == ("Åtkomstloggen har ändrats: en läsning som visas här är inte den som skrevs."
                                      " Det som visas här kan vara ofullständigt.")


def test_the_stored_log_stays_readable_when_an_event_is_altered(client, users, tick, context, postgres, settings):
    case_id, _ = school_consented_case(client, users, tick)
    context.cases.lists.catch_up()
    context.seal_ledger()
    stored = ok(client.get(f"/api/v1/audit/cases/{case_id}/stored-log", headers=users.auditor))
    superuser(postgres, "UPDATE sigill_events SET state = set_byte(state, 20, get_byte(state, 20) # 1)"
                        " WHERE originator_id = %s AND originator_version = 3", params=(case_id,))
    assert client.get(f"/api/v1/audit/cases/{case_id}/disclosures", headers=users.auditor).status_code == 409
    answer = client.get(f"/api/v1/audit/cases/{case_id}/stored-log", headers=users.auditor)
    assert answer.status_code == 200, answer.text
    altered = answer.json()
    # The same rows; a consent basis told by its ids now, not by who consented (the consents no longer read).
    bare = lambda rows: [{**r, "basis": {**r["basis"], "description": None}} for r in rows]  # noqa: E731
    assert bare(altered["rows"]) == bare(stored["rows"]) and altered["stored_log"] is None and not altered["erased"]
    assert "version 3: altered" in altered["history_altered"]
    auditor = web_as(context, settings, "ivo")
    page = auditor.get(f"/granskning/arenden/{case_id}/utlamnanden")
    assert page.status_code == 409 and "inte den som liggaren förseglade" in page.text
    assert "händelse 3 i ärendets historik" in page.text and "Lagrad utlämnandelogg" in page.text
    replay = auditor.get(f"/granskning/arenden/{case_id}", params={"myndighet": "skola", "tid": "2026-12-31T00:00"})
    assert replay.status_code == 409
    for link in ("/granskning/liggaren", f"/granskning/arenden/{case_id}/rapport",
                 f"/granskning/arenden/{case_id}/utlamnanden"):
        assert f'href="{link}"' in replay.text, link


def test_the_apis_access_log_search_says_whether_the_log_is_whole(client, users, tick, postgres):
    """The web's Åtkomstlogg and the extract said a removed read; the API's search listed the rest as if complete."""
    case_id, _ = school_consented_case(client, users, tick)
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    search = ok(client.get("/api/v1/audit/access-log", params={"case_id": case_id}, headers=users.auditor))
    assert search["access_log"]["intact"] and search["access_log"]["checked"] == len(search["records"]) > 0
    assert search["access_log"]["description"].startswith("Åtkomstloggen kontrollerad: ingen läsning saknas")
    seq = _remove_a_read_of(postgres, case_id)
    checked = ok(client.get("/api/v1/audit/access-log", params={"case_id": case_id},
                            headers=users.auditor))["access_log"]
    assert (checked["intact"], checked["missing"], checked["finding"]) == (False, 1, "missing")
    assert checked["description"].startswith(   # the log's numbers, as the web's Åtkomstlogg says it to auditors
        f"Åtkomstloggen har ändrats: en läsning saknas i loggen (den första: läsning {seq})")
    # A search that finds nothing is told too: the read removed is found by no search.
    nothing = ok(client.get("/api/v1/audit/access-log", params={"subject": "ingen-sådan"}, headers=users.auditor))
    assert nothing["records"] == [] and (nothing["access_log"]["intact"], nothing["access_log"]["missing"]) == (False, 1)
