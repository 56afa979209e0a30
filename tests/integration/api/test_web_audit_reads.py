"""An auditor's reads on the web, as an inspector's walk found them (2026-12-05): logged without a purpose (the
audit pages had no "Syfte med läsningen"), no loggutdrag for the auditor on the web though the API gives it, the
access log's rows leading to an empty replay form, the API's read of the stored log told as the command line's,
and a web auditor told to run a command."""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from urllib.parse import parse_qs, quote, urlsplit
from uuid import UUID

from services.cli_audit import command_line_reader
from services.typed_time import typed_moment
from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def _reads(context, case_id: str) -> list[tuple[str, str, str]]:
    """The case's access log, oldest first: (agency, what, purpose)."""
    return [(r.entry.agency, r.entry.what, r.entry.purpose) for r in context.cases.access_log.extract(UUID(case_id))]


def _state_purpose(auditor, path: str, case_id: str, purpose: str):  # noqa: ANN202 - the redirect
    page = auditor.get(path).text
    form = re.search(r'<form method="post" action="/syfte" class="purpose">(.*?)</form>', page, re.S)
    assert form, page[:3000]
    back = html.unescape(re.search(r'name="back" value="([^"]*)"', form.group(1)).group(1))
    assert 'for="f-read-purpose">Syfte med läsningen' in form.group(1) and f'value="{case_id}"' in form.group(1)
    return auditor.post("/syfte", follow_redirects=False, data={
        "csrf": _csrf(page), "purpose": purpose, "back": back, "case": case_id})


def test_the_auditors_case_pages_take_a_purpose_recorded_with_their_reads_of_that_case_alone(
        client, users, tick, context, settings):
    """Every IVO/JO read on the web showed an empty Syfte in the access log and the young person's extract: the
    audit pages had no field, while the command line's `--purpose` and the API's header took one."""
    case_id, _ = school_consented_case(client, users, tick)
    other, _ = school_consented_case(client, users, tick)
    ivo = web_as(context, settings, "ivo")
    replay = f"/granskning/arenden/{case_id}?myndighet=skola&tid=2026-03-10T14:00"
    said = _state_purpose(ivo, replay, case_id, "Tillsyn 17/2026")
    # Back to the page it was stated on, as it was asked for, saying that it was kept.
    assert said.status_code == 303
    target = urlsplit(said.headers["location"])
    assert target.path == f"/granskning/arenden/{case_id}" and target.fragment == "saved"
    assert parse_qs(target.query) == {"myndighet": ["skola"], "tid": ["2026-03-10T14:00"], "sparat": ["purpose"]}
    shown = ivo.get(said.headers["location"])
    assert shown.status_code == 200 and 'id="saved"' in shown.text and "Syftet är sparat" in shown.text
    assert 'name="purpose" value="Tillsyn 17/2026"' in shown.text
    assert ivo.get(f"/granskning/arenden/{case_id}/utlamnanden", params={"myndighet": "polis"}).status_code == 200
    report = ivo.get(f"/granskning/arenden/{case_id}/rapport")
    assert report.status_code == 200
    assert _reads(context, case_id)[-3:] == [
        ("ivo", "audit.replay:skola@2026-03-10T14:00:59.999999+01:00", "Tillsyn 17/2026"),
        ("ivo", "audit.disclosures:polis", "Tillsyn 17/2026"),
        ("ivo", "audit.report", "Tillsyn 17/2026")]
    # The report has the field too, in its line the print leaves out: its form may post (to this site alone).
    assert 'name="purpose" value="Tillsyn 17/2026"' in report.text and 'action="/syfte"' in report.text
    assert "form-action 'self'" in report.headers["content-security-policy"]
    # Stated for one case, it is never recorded with another's reads (another young person's extract).
    assert ivo.get(f"/granskning/arenden/{other}/utlamnanden").status_code == 200
    assert _reads(context, other)[-1] == ("ivo", "audit.disclosures", "")
    # The young person's extract and the auditors' access log show it.
    extract = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/registerutdrag").text
    assert "<td>granskningsrapporten</td><td>Tillsyn 17/2026</td>" in extract
    # Stated on the report's own line, it comes back to the report; emptied, no purpose is recorded any more.
    cleared = _state_purpose(ivo, f"/granskning/arenden/{case_id}/rapport", case_id, "")
    assert cleared.headers["location"] == f"/granskning/arenden/{case_id}/rapport?sparat=purpose_cleared#saved"
    again = ivo.get(cleared.headers["location"])
    assert "Inget syfte anges längre" in again.text
    assert _reads(context, case_id)[-1] == ("ivo", "audit.report", "")


def test_an_auditor_reads_the_loggutdrag_on_the_web_as_through_the_api(client, users, tick, context, settings):
    """The API's authorisation gives auditors the extract (`GET /cases/{id}/extract`, the authorisation matrix's
    auditor=200): an auditor asking "who read what" got it there and a 403 on the web's address."""
    case_id, _ = school_consented_case(client, users, tick)
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    ivo = web_as(context, settings, "ivo")
    moved = ivo.get(f"/arenden/{case_id}/registerutdrag", follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == f"/granskning/arenden/{case_id}/loggutdrag"
    replay = ivo.get(f"/granskning/arenden/{case_id}").text
    assert f'<a href="/granskning/arenden/{case_id}/loggutdrag">Loggutdrag</a>' in replay   # the case's audit tabs
    page = ivo.get(f"/granskning/arenden/{case_id}/loggutdrag")
    assert page.status_code == 200, page.text[:2000]
    assert "Loggutdrag – vem har läst vad" in page.text and "<td>tidslinjen</td>" in page.text
    assert 'aria-current="page">Loggutdrag</a>' in page.text
    # The read is logged as the API logs an auditor's extract, and the page lists it (it is logged first).
    assert _reads(context, case_id)[-1] == ("ivo", "extract", "")
    assert "<td>loggutdraget</td>" in page.text
    api = ok(client.get(f"/api/v1/cases/{case_id}/extract", headers=users.auditor))["reads"]
    assert [r["what"] for r in api][-2:] == ["extract", "extract"]
    # Still refused to a member, before anything is logged.
    before = len(_reads(context, case_id))
    assert web_as(context, settings, "skola").get(f"/arenden/{case_id}/registerutdrag").status_code == 403
    assert web_as(context, settings, "skola").get(f"/granskning/arenden/{case_id}/loggutdrag").status_code == 403
    assert len(_reads(context, case_id)) == before


def test_an_access_log_row_leads_to_the_replay_of_what_its_reader_saw_when_it_read(client, users, tick, context,
                                                                                   settings):
    """The rows linked to the replay's empty form: which agency, as of when, had to be typed from the row."""
    case_id, _ = school_consented_case(client, users, tick)
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    [read] = [r.entry for r in context.cases.access_log.extract(UUID(case_id)) if r.entry.agency == "skola"]
    ivo = web_as(context, settings, "ivo")
    page = ivo.get("/granskning/atkomstlogg", params={"myndighet": "skola"}).text
    [link] = re.findall(rf'<a href="(/granskning/arenden/{case_id}\?[^"]+)">', page)
    link = html.unescape(link)
    query = parse_qs(urlsplit(link).query)
    assert query["myndighet"] == ["skola"]
    # The read's moment, as the replay form reads it: not before the read (or what it showed would be left out).
    at = typed_moment(query["tid"][0])
    assert read.at <= at and (at - read.at).total_seconds() < 0.001, (read.at, at)
    replayed = ivo.get(link)
    assert replayed.status_code == 200 and "Synligt för Skolan" in replayed.text
    assert 'selected>Skolan</option>' in replayed.text
    # A reader that is no agency (an auditor, the command line) has no view to replay: its row leads to the form.
    ivo.get(f"/granskning/arenden/{case_id}/utlamnanden")
    page = ivo.get("/granskning/atkomstlogg", params={"myndighet": "ivo"}).text
    assert f'<a href="/granskning/arenden/{case_id}">' in page


def test_a_moment_the_clocks_showed_twice_is_linked_with_its_offset():
    """A read in the hour the clocks go back: Swedish time without a zone is refused there (which one?)."""
    from services.web.views import replay_moment

    first = datetime(2026, 10, 25, 0, 30, 0, 250_400, tzinfo=timezone.utc)   # 02:30 CEST
    second = datetime(2026, 10, 25, 1, 30, 0, 250_400, tzinfo=timezone.utc)   # 02:30 CET
    assert replay_moment(first) == "2026-10-25T02:30:00.251+02:00" and typed_moment(replay_moment(first)) > first
    assert replay_moment(second) == "2026-10-25T02:30:00.251+01:00" and typed_moment(replay_moment(second)) > second
    plain = datetime(2026, 3, 10, 13, 0, 0, tzinfo=timezone.utc)
    assert replay_moment(plain) == "2026-03-10T14:00:00.000" and typed_moment(replay_moment(plain)) == plain


def test_the_apis_read_of_the_stored_log_is_told_as_the_apis_and_the_command_lines_as_its_own(
        client, users, tick, context, settings):
    """JO's read of `/audit/cases/{id}/stored-log` stood in the young person's extract as "den lagrade
    utlämnandeloggen (kommandoraden)": both are logged `views.log:<agency>`, told apart by who read (the command
    line reads as `sigill`), older rows too."""
    case_id, _ = school_consented_case(client, users, tick)
    ok(client.get(f"/api/v1/audit/cases/{case_id}/stored-log", params={"agency": "skola"},
                  headers=users.headers("jo", "auditor", municipality=None)))
    context.cases.audit_stored_log(command_line_reader(), UUID(case_id), "polis", "Drift")
    assert [(a, w) for a, w, _ in _reads(context, case_id)][-2:] == [("jo", "views.log:skola"),
                                                                     ("sigill", "views.log:polis")]
    extract = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/registerutdrag").text
    assert "<td>JO</td><td>den lagrade utlämnandeloggen (API): Skolan</td>" in extract, extract[-3000:]
    assert "<td>den lagrade utlämnandeloggen (kommandoraden): Polisen</td>" in extract
    log = web_as(context, settings, "ivo").get("/granskning/atkomstlogg", params={"myndighet": "jo"}).text
    assert "<td>den lagrade utlämnandeloggen (API): Skolan</td>" in log


def test_a_stored_log_that_differs_tells_a_web_auditor_what_to_do_in_the_web(client, users, tick, context,
                                                                              settings, postgres):
    """The page told a web auditor to run `sigill views log`, which only an operator of the host can."""
    import psycopg

    case_id, _ = school_consented_case(client, users, tick)
    number = ok(client.get("/api/v1/cases", headers=users.social))["cases"][0]["case_number"]
    with psycopg.connect(postgres.conninfo()) as conn:   # one stored row says the school saw a fact by law
        conn.execute("ALTER TABLE disclosure_log DISABLE TRIGGER append_only")
        conn.execute("UPDATE disclosure_log SET basis = jsonb_set(basis, '{kind}', '\"law\"') WHERE id ="
                     " (SELECT min(id) FROM disclosure_log WHERE case_id = %s AND agency = 'skola')", (case_id,))
        conn.execute("ALTER TABLE disclosure_log ENABLE TRIGGER append_only")
    page = web_as(context, settings, "ivo").get(f"/granskning/arenden/{case_id}/utlamnanden").text
    notice = re.search(r'<div class="notice bad" role="alert" id="stored-log-differs">(.*?)</div>', page, re.S)
    assert notice, page[-4000:]
    text = notice.group(1)
    assert "1 rad finns bara i den, 1 saknas i den" in text
    assert '<a href="/granskning/liggaren">Verifiera liggaren</a>' in text
    assert f'<a href="/granskning/arenden/{case_id}/rapport">granskningsrapporten</a>' in text
    assert "driftansvarig" in text and f"sigill views log --case {number}" in text
    assert not re.search(r"(?<!driftansvarig )Kommandot sigill views log", text)
    assert quote(case_id) in page


def test_the_web_access_log_lists_an_erased_cases_reads_found_by_its_number(client, users, tick, context, settings,
                                                                           app):
    """A case's reads outlive its key (gallring): who read the young person's data stays on record, and
    `sigill audit access-log --case <number>` lists them.  The web's Åtkomstlogg, searched by the number, answered
    the erased case's error page instead."""
    case_id, _ = school_consented_case(client, users, tick)
    number = next(c["case_number"] for c in ok(client.get("/api/v1/cases", headers=users.social))["cases"]
                  if c["case_id"] == case_id)
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    ivo = web_as(context, settings, "ivo")
    app.keystore.destroy(UUID(case_id))
    page = ivo.get("/granskning/atkomstlogg", params={"nummer": number})
    assert page.status_code == 200, page.text[:2000]
    assert "<td>tidslinjen</td>" in page.text and f">{number}</a>" in page.text
    assert "Inget ärende med det numret" not in page.text


def test_an_auditors_number_search_opens_the_case_or_says_no_case_has_the_number(client, users, tick, context,
                                                                                  settings):
    case_id, _ = school_consented_case(client, users, tick)
    number = context.cases.app.get_case(UUID(case_id)).case_number
    never = f"{number.rsplit('-', 1)[0]}-9999"
    ivo = web_as(context, settings, "ivo")
    csrf = _csrf(ivo.get("/granskning").text)
    found = ivo.post("/granskning", data={"csrf": csrf, "nummer": number}, follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"] == f"/granskning/arenden/{case_id}"
    missing = ivo.post("/granskning", data={"csrf": csrf, "nummer": never}, follow_redirects=False)
    # A redirect to the list with the number (a page the browser can go back to), which says it was not found.
    assert missing.status_code == 303 and missing.headers["location"] == f"/granskning?nummer={never}"
    assert f"Inget ärende med numret {never}." in ivo.get(missing.headers["location"]).text
