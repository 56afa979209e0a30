"""Every read of case content is logged, searchable by auditors, extractable for the young person, tamper-evident."""

from __future__ import annotations

import re
from urllib.parse import quote
from uuid import UUID

import psycopg
import pytest
from fastapi.testclient import TestClient

from services.access_entry import AccessQuery
from services.api.app import create_api
from services.web.app import mount_web
from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import signed_in, web_as


def test_every_read_is_logged_with_who_what_and_why(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    ok(client.get(f"/api/v1/cases/{case_id}/plan", headers={**users.school, "Sigill-Purpose": quote("Inför möte")}))
    page = ok(client.get(f"/api/v1/audit/access-log?case_id={case_id}&agency=skola", headers=users.auditor))
    (record,) = page["records"]
    assert (record["what"], record["purpose"], record["roles"], record["reader_name"]) == (
        "plan", "Inför möte", "member", "Namn skola member")


def test_a_purpose_sent_unencoded_in_utf_8_is_logged_as_written_not_garbled(client, users, tick):
    """curl in a UTF-8 terminal sends "ö" as two bytes, which the server's Latin-1 reading of a header kept as "Ã¶" in
    the young person's extract.  (A client sending Latin-1, as Python's requests does, was read right and still is;
    the test client cannot send it: it re-encodes every header in UTF-8.)"""
    case_id, _ = school_consented_case(client, users, tick)
    sent = "Inför möte".encode()
    ok(client.get(f"/api/v1/cases/{case_id}/plan", headers={**users.school, "Sigill-Purpose": sent}))
    page = ok(client.get(f"/api/v1/audit/access-log?case_id={case_id}&agency=skola", headers=users.auditor))
    assert [r["purpose"] for r in page["records"]] == ["Inför möte"]


def test_the_extract_lists_who_read_the_case_for_social_services_to_hand_out(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    extract = ok(client.get(f"/api/v1/cases/{case_id}/extract", headers=users.social))
    assert [(r["agency"], r["what"]) for r in extract["reads"]][-2:] == [("skola", "timeline"),
                                                                          ("socialtjanst", "extract")]
    assert client.get(f"/api/v1/cases/{case_id}/extract", headers=users.school).status_code == 403
    # The log's own numbers count every read of every case in the installation: the extract carries none.
    assert extract["reads"] and not any(set(r) - {"at", "case_id", "subject", "reader_name", "agency", "roles",
                                                  "what", "purpose"} for r in extract["reads"])


def test_the_access_log_is_append_only_and_an_alteration_is_found(client, users, tick, postgres, context,
                                                                   settings):
    case_id, _ = school_consented_case(client, users, tick)
    for _ in range(3):
        ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    check = ok(client.get("/api/v1/audit/ledger/verification", headers=users.auditor))
    assert check["access_log_intact"] and check["access_log_checked"] >= 3
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        for refused in ("UPDATE sigill_access_log SET what = 'plan' WHERE seq = 2",
                        "TRUNCATE sigill_access_log", "TRUNCATE sigill_access_log_checkpoints"):
            try:
                conn.execute(refused)
                raise AssertionError(f"refused, it should have been: {refused}")
            except psycopg.errors.RaiseException:
                pass
        conn.execute("ALTER TABLE sigill_access_log DISABLE TRIGGER append_only")  # a superuser's tampering
        conn.execute("UPDATE sigill_access_log SET what = 'plan' WHERE seq = 2")
    check = ok(client.get("/api/v1/audit/ledger/verification", headers=users.auditor))
    assert not check["access_log_intact"] and check["access_log_divergence"] == "entry 2 was altered"
    web = create_api(context)
    mount_web(web, context, settings)
    page = signed_in(TestClient(web, raise_server_exceptions=False), "ivo").get("/granskning/liggaren").text
    assert "Åtkomstloggen har ändrats!" in page and "läsning 2 har ändrats." in page and "altered" not in page


def test_a_removed_last_entry_is_found_by_its_signed_checkpoint(client, users, tick, postgres):
    case_id, _ = school_consented_case(client, users, tick)
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute("ALTER TABLE sigill_access_log DISABLE TRIGGER append_only")
        conn.execute("DELETE FROM sigill_access_log WHERE seq = (SELECT max(seq) FROM sigill_access_log)")
    check = ok(client.get("/api/v1/audit/ledger/verification", headers=users.auditor))
    assert not check["access_log_intact"] and "signed for but are gone" in check["access_log_divergence"]


def test_a_search_for_a_subject_with_a_nul_byte_is_refused_naming_the_field(client, users):
    answer = client.get("/api/v1/audit/access-log?subject=%00", headers=users.auditor)
    assert answer.status_code == 422 and answer.json()["error"]["field"].endswith("subject")


def test_a_search_from_a_time_without_a_zone_or_beyond_the_calendar_is_422_naming_it(client, users, tick):
    """Read in the database session's zone (UTC), 10:00 without a zone missed a read at 10:07 Swedish time and
    answered nothing, as if no one had read (a review).  The replay's `as_of` was refused so already."""
    school_consented_case(client, users, tick)
    for query, field in (("since=2026-02-03T10:00:00", "since"), ("until=2026-02-03T10:00:00", "until"),
                         ("since=2300-01-01T00:00:00Z", "since"), ("until=2199-12-31T23:59:59-23:59", "until"),
                         ("until=2199-12-31T23:30:00Z", "until")):   # 2200-01-01 in Sweden, as the CLI counts
        answer = client.get(f"/api/v1/audit/access-log?{query}", headers=users.auditor)
        assert answer.status_code == 422 and answer.json()["error"]["field"] == f"query.{field}", (query, answer.text)
    assert ok(client.get("/api/v1/audit/access-log?since=2026-02-03T10:00:00%2B01:00", headers=users.auditor))


def test_the_web_audit_forms_refuse_what_they_cannot_use_with_a_page_never_a_500(client, users, tick, context,
                                                                               settings):
    case_id, _ = school_consented_case(client, users, tick)
    auditor = web_as(context, settings, "ivo")
    for tid in ("9999-12-31T23:59:59-23:59", "0001-01-01", "9999-12-31"):   # overflowed (500), or answered
        page = auditor.get(f"/granskning/arenden/{case_id}", params={"myndighet": "skola", "tid": tid})
        assert page.status_code == 422 and "Ange en tidpunkt" in page.text, tid
        # Readable, and the range said (9999-12-31 is well formed): it read "ÅÅÅÅ-MM-DDTTT:MM".
        assert "ÅÅÅÅ-MM-DD TT:MM, från år 1900 till 2199." in page.text and "DDTTT" not in page.text, tid
    page = auditor.get("/granskning/atkomstlogg", params={"myndighet": "skola\x00"})   # was the 503 page
    assert page.status_code == 422 and "Ingen aktör har det id som adressen anger" in page.text
    assert auditor.get("/granskning/atkomstlogg", params={"myndighet": "skola"}).status_code == 200


def test_a_purpose_too_long_is_422_naming_the_header_and_nothing_is_read(client, users, tick, context):
    case_id, _ = school_consented_case(client, users, tick)
    before = len(context.cases.access_log.search(AccessQuery(case_id=case_id)))
    response = client.get(f"/api/v1/cases/{case_id}", headers={**users.school, "Sigill-Purpose": "x" * 1501})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "header.sigill-purpose" and error["problems"][0]["rule"] == "string_too_long"
    assert error["message"] == ("header.sigill-purpose: is 1501 characters long as sent: at most 1500 as sent"
                                " (percent-encoded), 500 once decoded")   # its length, none of its words
    assert len(context.cases.access_log.search(AccessQuery(case_id=case_id))) == before
    ok(client.get(f"/api/v1/cases/{case_id}", headers={**users.school, "Sigill-Purpose": "%C3%A5" * 250}))


@pytest.mark.parametrize("stated, said", [
    ("x" * 501, "is 501 characters long: a purpose is at most 500"),
    ("M%C3%B6te%0APeter", "holds a control character (U+000A, character 5 of 10): a purpose is one line of text"),
    ("M%C3%B6te%1B%5B2J", "holds a control character (U+001B, character 5 of 8)"),
    ("%C2%85", "holds a control character (U+0085, character 1 of 1)"),
    ("M%C3%B6te %E2%80%AEretsip", "holds a bidirectional control (U+202E, character 6 of 12), which reorders")],
                         ids=["501-characters", "new-line", "escape", "c1-next-line", "right-to-left-override"])
def test_a_purpose_over_500_characters_or_with_a_control_character_is_422_and_nothing_is_read(client, users, tick,
                                                                                            context, stated, said):
    """It was cut at 500 characters, the rest kept nowhere, and a new line or an escape was kept as sent: the rule
    is now the command line's too (``stated_purpose``), refused whole rather than cut.  The answer says which rule
    and where (since 2026-12-07: "at most 500 characters, with no control character" for each), none of it."""
    case_id, _ = school_consented_case(client, users, tick)
    before = len(context.cases.access_log.search(AccessQuery(case_id=case_id)))
    response = client.get(f"/api/v1/cases/{case_id}", headers={**users.school, "Sigill-Purpose": stated})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == "header.sigill-purpose"
    assert error["message"].startswith(f"header.sigill-purpose: {said}"), error
    assert not any(word in response.text for word in ("Peter", "M\u00f6te", "Möte", "retsip", "xxx")), response.text
    assert error["message"].count("sigill-purpose") == 1, error   # "header.sigill-purpose: header.sigill-purpose …"
    assert len(context.cases.access_log.search(AccessQuery(case_id=case_id))) == before
    ok(client.get(f"/api/v1/cases/{case_id}", headers={**users.school, "Sigill-Purpose": "x" * 500}))


@pytest.mark.parametrize("stated", ["Tillsyn %ZZ", "50% klart", "Tillsyn %E", "Tillsyn %", "M%F6te", "%C3"],
                         ids=["not-hex", "bare-percent", "one-digit", "at-the-end", "latin-1-escape", "cut-utf-8"])
def test_a_purpose_with_a_broken_percent_escape_is_422_naming_the_header_and_nothing_is_read(client, users, tick,
                                                                                              context, stated):
    """A '%' that begins no escape was logged as sent ("Tillsyn %ZZ"), and escapes that decode to no UTF-8 as U+FFFD
    in the young person's extract: the header is percent-encoded UTF-8, and a purpose that is not is refused as one
    too long is — without repeating it (it may name the young person)."""
    case_id, _ = school_consented_case(client, users, tick)
    before = len(context.cases.access_log.search(AccessQuery(case_id=case_id)))
    response = client.get(f"/api/v1/cases/{case_id}", headers={**users.school, "Sigill-Purpose": stated})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == "header.sigill-purpose" and error["message"].count("sigill-purpose") == 1, error
    assert ("must be percent-encoded UTF-8: each '%' begins an escape of two hex digits (a '%' itself is %25)"
            " decoding to UTF-8") in error["message"], error
    assert stated not in response.text
    assert len(context.cases.access_log.search(AccessQuery(case_id=case_id))) == before
    ok(client.get(f"/api/v1/cases/{case_id}", headers={**users.school, "Sigill-Purpose": "50%25 klart %C3%A5"}))
    assert context.cases.access_log.extract(case_id)[-1].entry.purpose == "50% klart å"


def test_reads_over_http_are_logged_from_the_servers_loop_without_a_writer_thread(client, context, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    log = context.cases.access_log
    before = len(log.batch_sizes)
    for _ in range(3):
        ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    assert len(log.batch_sizes) > before and log._writer is None   # batches written, and never by a thread
    assert [r.entry.what for r in log.extract(case_id)][-3:] == ["timeline"] * 3


def test_a_read_whose_entry_cannot_be_written_on_the_loop_is_a_503_with_nothing_shown(client, users, tick, postgres,
                                                                                     context):
    case_id, _ = school_consented_case(client, users, tick)
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:   # every insert into the log now fails
        conn.execute("ALTER TABLE sigill_access_log ADD CONSTRAINT refuse_all CHECK (false) NOT VALID")
    answer = client.get(f"/api/v1/cases/{case_id}", headers=users.school)
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "access_log_unavailable"
    assert "facts" not in answer.json() and context.cases.access_log._writer is None   # refused on the loop
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute("ALTER TABLE sigill_access_log DROP CONSTRAINT refuse_all")
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))   # the loop's writer lives on


def test_after_the_databases_connections_are_cut_reads_are_refused_or_answered_never_a_500(client, users, tick,
                                                                                             postgres, context):
    case_id, _ = school_consented_case(client, users, tick)
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    reads = lambda: [r.entry.what for r in context.cases.access_log.extract(case_id)].count("timeline")  # noqa: E731
    before = reads()
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:   # as a restart would: every session ends
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                     " WHERE datname = current_database() AND pid <> pg_backend_pid()")
    statuses = [client.get(f"/api/v1/cases/{case_id}", headers=users.school).status_code for _ in range(4)]
    assert set(statuses) <= {200, 503} and statuses[-1] == 200, statuses
    assert reads() == before + statuses.count(200)   # every answered read logged, each once; a refused one not
    # The auditor's search takes connections that are checked first: it is answered at once, not refused.
    page = ok(client.get(f"/api/v1/audit/access-log?case_id={case_id}", headers=users.auditor))
    assert [r["what"] for r in page["records"]].count("timeline") == before + statuses.count(200)


def test_the_web_access_log_names_each_case_by_its_number(client, users, tick, context, settings):
    """Its rows named no case at all (only a search by number told which): an auditor reading who read what could
    not tell which young person's case a read was of.  The number, as the auditor's other pages show it."""
    case_id, _ = school_consented_case(client, users, tick)
    number = ok(client.get("/api/v1/cases", headers=users.social))["cases"][0]["case_number"]
    assert web_as(context, settings, "skola").get(f"/arenden/{case_id}").status_code == 200
    page = web_as(context, settings, "ivo").get("/granskning/atkomstlogg", params={"myndighet": "skola"}).text
    rows = re.findall(r"<tr><td>\d+</td>.*?</tr>", page, re.S)
    # … linked to the replay of what its reader saw when it read (test_web_audit_reads.py).
    link = re.compile(rf'<a href="/granskning/arenden/{case_id}\?myndighet=skola&amp;tid=[^"]+">{number}</a>')
    assert rows and all(link.search(r) for r in rows), rows
    assert "<th scope=\"col\">Ärende</th>" in page
    # An erased case has no number left to show: its id, marked as the auditor's home page lists it.
    runner = client.app.state.context.cases.lists.runner
    runner.app.keystore.destroy(UUID(case_id))
    runner.rebuild()
    runner.store.record_erasures()
    page = web_as(context, settings, "ivo").get("/granskning/atkomstlogg", params={"myndighet": "skola"}).text
    rows = re.findall(r"<tr><td>\d+</td>.*?</tr>", page, re.S)
    assert rows and all(f"<code>{case_id}</code> <small>(gallrat)</small>" in r for r in rows), rows
    assert number not in page


def test_an_auditors_search_of_the_access_log_is_itself_a_logged_read_with_its_purpose(client, users, tick, context,
                                                                                      settings):
    """Who read the young person's case, their names and why, is what the extract tells them: an auditor's search
    showing it was in no extract (a red team, 2026-12-04), while the extract itself is logged as a read."""
    case_id, _ = school_consented_case(client, users, tick)
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    searched = {**users.auditor, "Sigill-Purpose": quote("Tillsyn 17/2026")}
    assert ok(client.get(f"/api/v1/audit/access-log?case_id={case_id}", headers=searched))["records"]
    assert ok(client.get("/api/v1/audit/access-log?agency=skola", headers=users.auditor))["records"]
    web = web_as(context, settings, "ivo")
    assert web.get("/granskning/atkomstlogg", params={"myndighet": "skola"}).status_code == 200
    reads = [(r["agency"], r["what"], r["purpose"])
             for r in ok(client.get(f"/api/v1/cases/{case_id}/extract", headers=users.social))["reads"]]
    assert reads.count(("ivo", "audit.access_log", "Tillsyn 17/2026")) == 1
    assert reads.count(("ivo", "audit.access_log", "")) == 2
    # Nothing shown, nothing logged: a search that finds no read of the case is no read of it.
    before = len(reads)
    ok(client.get(f"/api/v1/audit/access-log?case_id={case_id}&agency=bup", headers=users.auditor))
    assert len(ok(client.get(f"/api/v1/cases/{case_id}/extract", headers=users.social))["reads"]) == before + 1
    page = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/registerutdrag").text
    assert "åtkomstloggen (granskning)" in page
    # A page showing only earlier searches of the log logs nothing: a walk to the log's end reaches it.
    tail = ok(client.get("/api/v1/audit/access-log?agency=ivo", headers=users.auditor))["records"]
    assert tail and {r["what"] for r in tail} == {"audit.access_log"}
    walked = len(ok(client.get(f"/api/v1/cases/{case_id}/extract", headers=users.social))["reads"])
    assert ok(client.get("/api/v1/audit/access-log?agency=ivo", headers=users.auditor))["records"]
    assert len(ok(client.get(f"/api/v1/cases/{case_id}/extract", headers=users.social))["reads"]) == walked + 1


def test_the_extract_says_a_feeds_read_in_swedish(client, users, tick, context, settings):
    """A read through an agency's feed showed in the young person's extract as the code "feed:skola" (a red team,
    2026-12-04); an auditor's as "audit.feed:polis"."""
    case_id, _ = school_consented_case(client, users, tick)
    context.cases.lists.catch_up()
    assert ok(client.get("/api/v1/feeds/skola", headers=users.school))["messages"]
    assert ok(client.get("/api/v1/feeds/polis?municipality=0180", headers=users.auditor))["messages"]
    page = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/registerutdrag").text
    assert "feed:" not in page and "aktörens flöde" in page and "en aktörs flöde (granskning): Polisen" in page


def test_the_printable_extract_gathers_a_systems_feed_reads_of_a_day_into_one_row(client, users, tick, context,
                                                                                  settings):
    """An agency's system polling its feed read the case once a page that carried it: each read is logged, and the
    young person's extract listed each, hundreds of the same line; it gathers them as a case list's reads."""
    case_id, _ = school_consented_case(client, users, tick)
    context.cases.lists.catch_up()
    system = users.headers("skola", "feed_reader", subject="skolans-system")
    for _ in range(25):   # from the start each time: every page carries the case
        assert ok(client.get("/api/v1/feeds/skola", headers={**system, "Sigill-Purpose": quote("Hämtning")}))
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    for _ in range(2):
        assert ok(client.get("/api/v1/feeds/polis?municipality=0180", headers=users.auditor))["messages"]
    feed_reads = [r.entry for r in context.cases.access_log.extract(UUID(case_id)) if "feed:" in r.entry.what]
    assert len(feed_reads) == 27   # the log keeps every read
    page = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/registerutdrag").text
    assert page.count("aktörens flöde") == 1 and "<td>aktörens flöde (25 gånger samma dag)</td>" in page
    assert page.count("en aktörs flöde (granskning)") == 1
    assert "<td>en aktörs flöde (granskning): Polisen (2 gånger samma dag)</td>" in page
    row = re.search(r"<tr><td[^>]*>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>aktörens flöde \(25[^<]*</td>"
                    r"<td>([^<]*)</td>", page)
    assert row and row.groups()[1:] == ("Skolan", "Hämtning"), row   # still the reader, its agency and why
    assert row.group(1).strip()
    assert page.index("aktörens flöde (25") < page.rindex("<td>tidslinjen</td>")   # where its first read was
    api = ok(client.get(f"/api/v1/cases/{case_id}/extract", headers=users.social))
    assert sum(r["what"] == "feed:skola" for r in api["reads"]) == 25   # for programs, every read as it is


def test_the_extract_is_for_the_young_person_or_a_custodial_guardian_while_under_18(client, users, tick, app,
                                                                                    context, settings):
    """DOMAIN.md gives guardians the extract only while the young person is under 18; it recorded no recipient, and
    after the 18th birthday it could be handed to a guardian, telling them, say, that child psychiatry read the file.
    Whom it is for is checked and on record (a red team's finding, 2026-12-04)."""
    from datetime import timedelta

    case_id, _ = school_consented_case(client, users, tick)
    timeline = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    mother = next(f for f in timeline["facts"] if f["kind"] == "guardians")["content"]["guardians"][0]["guardian_id"]
    extract = lambda **query: client.get(f"/api/v1/cases/{case_id}/extract", params=query,  # noqa: E731
                                         headers=users.social)
    reads = ok(extract(recipient=mother))["reads"]
    assert reads[-1]["what"] == f"extract.guardian:{mother}"   # whom it was for, on record (by id, no name)
    page = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/registerutdrag", params={"till": mother})
    assert page.status_code == 200 and "Utdrag för: <strong>Maria (vårdnadshavare)</strong>" in page.text
    assert "loggutdraget till en vårdnadshavare" in page.text
    refused = extract(recipient="someone-else")
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "extract_recipient_refused"
    assert refused.json()["error"]["field"] == "query.recipient"
    app.clock.advance(timedelta(days=420))   # born 2009-03-14: 18 on 2027-03-14
    logged = len(ok(extract())["reads"])
    after_18 = extract(recipient=mother)
    assert after_18.status_code == 422 and "18 or older" in after_18.json()["error"]["message"]
    assert len(ok(extract())["reads"]) == logged + 1   # the refused one was not read, nor logged
    page = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/registerutdrag").text
    assert "Utdrag för: <strong>Peter Exempel (den unge)</strong>" in page and f"till={mother}" not in page   # no longer offered


def test_the_web_access_log_says_who_read_as_the_extract_does_and_which_agencys_view_a_replay_showed(
        client, users, tick, context, settings):
    """The auditors' *Åtkomstlogg* named an auditor's body by its raw id ("ivo"), where the young person's extract
    says "IVO", and told a replay only as "återspelning (granskning)": whose view of the case, as of when, an auditor
    reading who read what could not tell (the API's record carries both)."""
    case_id, _ = school_consented_case(client, users, tick)
    number = ok(client.get("/api/v1/cases", headers=users.social))["cases"][0]["case_number"]
    ivo = web_as(context, settings, "ivo")
    replayed = ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "skola", "tid": "2026-03-10T14:00"})
    assert replayed.status_code == 200 and "Synligt för Skolan" in replayed.text
    assert ivo.get(f"/granskning/arenden/{case_id}/utlamnanden", params={"myndighet": "polis"}).status_code == 200
    page = ivo.get("/granskning/atkomstlogg", params={"nummer": number}).text
    rows = re.findall(r"<tr><td>\d+</td>.*?</tr>", page, re.S)
    replay = next(r for r in rows if "återspelning" in r)
    assert "<td>IVO</td>" in replay and "<td>ivo</td>" not in page
    assert "<td>återspelning (granskning): Skolan, 2026-03-10 14:00 CET</td>" in replay, replay
    assert any("<td>utlämnandeloggen (granskning): Polisen</td>" in r for r in rows), rows
    extract = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/registerutdrag").text
    assert "återspelning (granskning): Skolan, 2026-03-10 14:00 CET" in extract and "<td>IVO</td>" in extract


def test_the_web_access_log_searches_the_reads_of_auditors_and_of_the_command_line_too(client, users, tick, context,
                                                                                      settings):
    """Its reader filter offered the catalogue's agencies alone, and `?myndighet=ivo` was refused ("Välj en
    myndighet"): the reads of JO, IVO and the host's command line — which holds the master key — could not be
    searched for on the web, as the API's `?agency=` can."""
    case_id, _ = school_consented_case(client, users, tick)
    ivo = web_as(context, settings, "ivo")
    assert ivo.get(f"/granskning/arenden/{case_id}/utlamnanden").status_code == 200
    page = ivo.get("/granskning/atkomstlogg", params={"myndighet": "ivo"})
    rows = re.findall(r"<tr><td>\d+</td>.*?</tr>", page.text, re.S)
    assert page.status_code == 200 and rows and all("<td>IVO</td>" in r for r in rows), page.text[-2000:]
    for reader, name in (("ivo", "IVO"), ("jo", "JO"), ("sigill", "Sigills kommandorad")):
        assert re.search(f'<option value="{reader}"( selected)?>{name}</option>', page.text), reader
    assert ivo.get("/granskning/atkomstlogg", params={"myndighet": "sigill"}).status_code == 200
    assert ivo.get("/granskning/atkomstlogg", params={"myndighet": "nasa"}).status_code == 422


def test_an_unknown_reader_agency_is_422_naming_it_not_an_empty_page(client, users, tick):
    """`agency=polisen` (the police are `polis`) found no read and answered an empty page, as if the police had read
    nothing; the web's Åtkomstlogg and `sigill audit access-log` refuse it, listing the readers there are."""
    school_consented_case(client, users, tick)
    answer = client.get("/api/v1/audit/access-log", headers=users.auditor, params={"agency": "polisen"})
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_input", "query.agency")
    assert "'polisen'" in error["message"] and "polis, " in error["message"] and "jo" in error["message"]
    for reader in ("skola", "ivo", "sigill"):   # the catalogue's, and the readers outside it
        assert ok(client.get("/api/v1/audit/access-log", headers=users.auditor, params={"agency": reader}))
    # An empty subject is no one's: it answered an empty page, as if no one had read.
    answer = client.get("/api/v1/audit/access-log", headers=users.auditor, params={"subject": ""})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "query.subject", answer.text


def test_a_reversed_range_is_422_naming_until_not_an_empty_page(client, users, tick):
    """Since after until found nothing and answered an empty page, as if no one had read; the web's Åtkomstlogg and
    `sigill audit access-log` refuse it."""
    school_consented_case(client, users, tick)
    answer = client.get("/api/v1/audit/access-log", headers=users.auditor,
                        params={"since": "2026-02-04T00:00:00+01:00", "until": "2026-02-03T23:59:59+01:00"})
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_input", "query.until")
    assert "reversed" in error["message"] and "2026-02-03T23:59:59+01:00" in error["message"]
    # The same moment in two zones is a range of one instant, not a reversed one.
    assert ok(client.get("/api/v1/audit/access-log", headers=users.auditor,
                         params={"since": "2026-02-03T10:00:00+01:00", "until": "2026-02-03T09:00:00Z"}))
