"""A case list shows each case's number, phase, next meeting…: each case it shows is a read, logged before the list
is shown — in one batch, with the purpose stated — and told in Swedish in the young person's extract and the
auditors' access log; an empty list logs nothing, and a list whose reads cannot be logged is not shown.  Until
2026-12-04 no list was logged: the API's, the web client's (the auditor's home page too) and `sigill views cases`."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode
from uuid import UUID

import psycopg

from services.access_entry import AccessQuery
from services.case_audit import CASE_INDEX
from services.cli_audit import command_line_reader
from tests.integration.api.flows import REFERRAL, ok, open_case, school_consented_case
from tests.integration.api.skew import web_as

LIST_READS = ("case_list", "audit.case_list")


def list_reads(context, case_id: str) -> list[tuple[str, str, str]]:
    """The case's list reads in its access log, oldest first: (agency, what, purpose)."""
    return [(r.entry.agency, r.entry.what, r.entry.purpose) for r in context.cases.access_log.extract(UUID(case_id))
            if r.entry.what in LIST_READS]


def every_entry(context) -> int:
    return len(context.cases.access_log.search(AccessQuery(limit=10_000)))


def csrf_of(web, path: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', web.get(path).text).group(1)


def test_each_case_the_apis_list_shows_is_a_read_logged_in_one_batch_with_the_purpose_given(client, users, tick,
                                                                                          context):
    school_case, _ = school_consented_case(client, users, tick)
    own_case = open_case(client, users)   # social services' alone: the school is shown nothing of it
    log = context.cases.access_log
    listed = ok(client.get("/api/v1/cases", headers={**users.social, "Sigill-Purpose": quote("Veckogenomgång")}))
    assert {c["case_id"] for c in listed["cases"]} == {school_case, own_case}
    assert log.batch_sizes[-1] == 2   # one batch (one round trip) for the list, not one per case
    for case_id in (school_case, own_case):
        assert list_reads(context, case_id) == [("socialtjanst", "case_list", "Veckogenomgång")]
    assert [c["case_id"] for c in ok(client.get("/api/v1/cases", headers=users.school))["cases"]] == [school_case]
    assert list_reads(context, school_case)[-1] == ("skola", "case_list", "")
    assert len(list_reads(context, own_case)) == 1   # not in the school's list: not read by it
    # An auditor's list is every case of the installation, each read as an auditor's (as its feed reads are).
    ok(client.get("/api/v1/cases", headers={**users.auditor, "Sigill-Purpose": quote("Tillsyn 17/2026")}))
    assert list_reads(context, own_case)[-1] == ("ivo", "audit.case_list", "Tillsyn 17/2026")
    # The young person's extract over the API has it too, by its code, as every other read.
    extract = ok(client.get(f"/api/v1/cases/{own_case}/extract", headers=users.social))["reads"]
    assert [r["what"] for r in extract] == ["case_list", "audit.case_list", "extract"]


def test_an_empty_list_logs_nothing_where_a_list_showing_cases_logs_each(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    gothenburg = web_as(context, settings, "soc-1480")
    before = every_entry(context)
    listed = client.get("/api/v1/cases", headers=users.headers("socialtjanst", "caseworker", municipality="1480"))
    assert ok(listed)["cases"] == []
    assert gothenburg.get("/arenden").status_code == 200
    assert every_entry(context) == before
    assert ok(client.get("/api/v1/cases", headers=users.social))["cases"]
    assert every_entry(context) == before + 1 and list_reads(context, case_id) == [("socialtjanst", "case_list", "")]




def test_a_list_whose_reads_cannot_be_logged_is_refused_and_shows_no_case(client, users, tick, context, settings,
                                                                          postgres):
    case_id, _ = school_consented_case(client, users, tick)
    number = ok(client.get("/api/v1/cases", headers=users.social))["cases"][0]["case_number"]
    caseworker, auditor = web_as(context, settings, "soc-0180"), web_as(context, settings, "ivo")
    before = every_entry(context)
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:   # every insert into the log now fails
        conn.execute("ALTER TABLE sigill_access_log ADD CONSTRAINT refuse_all CHECK (false) NOT VALID")
    answer = client.get("/api/v1/cases", headers=users.social)   # logged from the server's loop
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "access_log_unavailable"
    assert number not in answer.text and case_id not in answer.text
    for page in (caseworker.get("/arenden"), auditor.get("/granskning")):   # logged by the writer thread
        assert page.status_code == 503 and "åtkomstloggen kan inte nås" in page.text
        assert number not in page.text and case_id not in page.text
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute("ALTER TABLE sigill_access_log DROP CONSTRAINT refuse_all")
    assert every_entry(context) == before
    assert ok(client.get("/api/v1/cases", headers=users.social))["cases"]
    assert caseworker.get("/arenden").status_code == 200 and every_entry(context) == before + 2


def test_the_web_lists_log_each_case_shown_with_the_purpose_stated_for_that_case_alone(client, users, tick,
                                                                                       context, settings):
    """The web client's purpose is stated on one case's page and kept for that case only (it may name the young
    person): a list records it with that case's read, and with no other's."""
    active, _ = school_consented_case(client, users, tick)
    referred = ok(client.post("/api/v1/cases", json={**REFERRAL, "personnummer": "200907224919"},
                              headers=users.social), 201)["case_id"]
    web = web_as(context, settings, "soc-0180")
    said = web.post("/syfte", follow_redirects=False, data={
        "csrf": csrf_of(web, f"/arenden/{active}"), "purpose": "Förbereda nätverksmöte", "back": f"/arenden/{active}",
        "case": active})
    assert said.status_code == 303
    assert web.get("/arenden").status_code == 200
    assert list_reads(context, active) == [("socialtjanst", "case_list", "Förbereda nätverksmöte")]
    assert list_reads(context, referred) == [("socialtjanst", "case_list", "")]
    # Filtered by phase, the page shows (and reads) only the cases of that phase.
    assert web.get("/arenden", params={"fas": "referred"}).status_code == 200
    assert len(list_reads(context, active)) == 1 and len(list_reads(context, referred)) == 2
    # A member's list.
    assert web_as(context, settings, "skola").get("/arenden").status_code == 200
    assert list_reads(context, active)[-1] == ("skola", "case_list", "")


def test_the_auditors_home_page_reads_no_case_it_lists_and_its_other_pages_are_not_list_reads(client, users, tick,
                                                                                               context, settings,
                                                                                               monkeypatch):
    """The auditor's home page lists every case by number, phase and marker: no read of any case (each opening put
    "ärendelistan (granskning)" into every listed young person's extract — ten visits, "10 gånger samma dag"), but one
    entry a page under an id no case has, saying which numbers it listed.  The number in an audit page's head and the
    access log's case column are no read of the list either: logged so, every page of the access log would add an
    entry to every case of the installation, and a walk to the log's end would never reach it.  Nor is the list read
    to find them: they are looked up by id (until 2026-12-04 each such page read the installation's whole list)."""
    case_id, _ = school_consented_case(client, users, tick)
    other = open_case(client, users)
    auditor = web_as(context, settings, "ivo")
    for _ in range(3):
        assert auditor.get("/granskning").status_code == 200
    assert list_reads(context, case_id) == list_reads(context, other) == []
    numbers = sorted(c["case_number"] for c in ok(client.get("/api/v1/cases", headers=users.social))["cases"])
    index = context.cases.access_log.search(AccessQuery(case_id=CASE_INDEX, limit=100))
    assert [(r.entry.agency, r.entry.roles, r.entry.what) for r in index] == [
        ("ivo", "auditor", f"audit.case_index:1:2:{numbers[1]}:{numbers[0]}")] * 3
    assert len({r.entry.subject for r in index}) == 1 and index[0].entry.subject
    # The supervisor sees who listed which numbers, when, in Swedish, and that it was no one case's read.
    page = auditor.get("/granskning/atkomstlogg", params={"myndighet": "ivo"}).text
    assert page.count(f"<td>förteckningen över ärenden (granskning): sida 1, 2 ärenden, {numbers[1]} – {numbers[0]}"
                      "</td>") == 3
    assert "<small>inget enskilt ärende</small>" in page and str(CASE_INDEX) not in page
    # Nor is a search showing only such entries a read of anything: it logged one of "inget enskilt ärende".
    assert [r.entry.what for r in context.cases.access_log.search(AccessQuery(case_id=CASE_INDEX, limit=100))
            ] == [r.entry.what for r in index]
    # A page past the end: nothing logged, the last page's address answered (it showed "Sida 2 av 1").
    past = auditor.get("/granskning", params={"sida": "2"}, follow_redirects=False)
    assert past.status_code == 303 and past.headers["location"] == "/granskning"
    with_one = [r for r in context.cases.access_log.search(AccessQuery(case_id=CASE_INDEX, limit=100))]
    assert len(with_one) == 3
    for listed_case in (case_id, other):   # nor did the search of those entries read a case
        assert [r for r in context.cases.access_log.extract(UUID(listed_case)) if r.entry.agency == "ivo"] == []
    extract = web_as(context, settings, "soc-0180").get(f"/arenden/{other}/registerutdrag").text
    assert "granskning" not in extract
    number = next(c["case_number"] for c in ok(client.get("/api/v1/cases", headers=users.social))["cases"]
                  if c["case_id"] == case_id)
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))   # a read for the log's page to show
    before = every_entry(context)
    lists_read = []
    listed = context.cases.lists.cases
    monkeypatch.setattr(context.cases.lists, "cases", lambda *a, **k: lists_read.append(a) or listed(*a, **k))
    assert auditor.get(f"/granskning/arenden/{other}").status_code == 200   # the replay's form: nothing read yet
    assert auditor.get(f"/granskning/arenden/{case_id}/utlamnanden").status_code == 200
    page = auditor.get("/granskning/atkomstlogg", params={"myndighet": "skola"}).text
    assert re.search(rf'<a href="/granskning/arenden/{case_id}\?myndighet=skola&amp;tid=[^"]+">{number}</a>',
                     page)   # still named by its number
    reads = [r.entry.what for r in context.cases.access_log.search(AccessQuery(limit=10_000))][before:]
    assert reads == ["audit.disclosures", "audit.access_log"], reads   # no list read: only what the pages showed
    assert lists_read == []   # the numbers by id, not from the whole list


def test_the_extract_and_the_auditors_access_log_say_a_list_read_in_swedish(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    ok(client.get("/api/v1/cases", headers=users.school))
    ok(client.get("/api/v1/cases", headers=users.auditor))
    # `sigill views cases --agency skola`, as the command line reads it.
    command_line = context.cases.lists
    context.cases.audit_case_list(command_line_reader(), "skola", lambda: command_line.cases("skola"), "Tillsyn")
    extract = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/registerutdrag").text
    assert "<td>ärendelistan</td>" in extract and "<td>ärendelistan (granskning)</td>" in extract
    assert "<td>en aktörs ärendelista (kommandoraden): Skolan</td>" in extract
    assert "case_list" not in extract and "views.cases" not in extract
    number = ok(client.get("/api/v1/cases", headers=users.social))["cases"][0]["case_number"]
    page = web_as(context, settings, "ivo").get("/granskning/atkomstlogg", params={"nummer": number}).text
    assert "<td>ärendelistan</td>" in page and "<td>ärendelistan (granskning)</td>" in page
    assert "case_list" not in page


def test_the_printable_extract_gathers_a_readers_list_reads_of_a_day_into_one_row(client, users, tick, context,
                                                                                  settings):
    """Thirty openings of the list were thirty "ärendelistan" rows in the young person's extract."""
    case_id, _ = school_consented_case(client, users, tick)
    for _ in range(3):
        ok(client.get("/api/v1/cases", headers=users.school))
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    ok(client.get("/api/v1/cases", headers=users.school))
    assert [what for _, what, _ in list_reads(context, case_id)] == ["case_list"] * 4   # each is logged
    page = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/registerutdrag").text
    assert page.count("<td>ärendelistan (4 gånger samma dag)</td>") == 1 and "<td>tidslinjen</td>" in page
    assert page.index("ärendelistan (4 gånger") < page.rindex("<td>tidslinjen</td>")   # where its first read was
    api = ok(client.get(f"/api/v1/cases/{case_id}/extract", headers=users.social))
    assert sum(r["what"] == "case_list" for r in api["reads"]) == 4   # for programs, every read as it is


def test_the_web_lists_show_a_page_at_a_time_and_read_only_the_cases_on_it(client, users, tick, context, settings,
                                                                           monkeypatch):
    """Each case a list shows is a read of it: the auditor's home page read every case of the installation, and a
    large municipality's list every one of its cases, on each opening.  A page at a time (the newest first), and
    only the cases on it are read."""
    from services.web import paging

    monkeypatch.setattr(paging, "LIST_PAGE", 2)
    cases = [open_case(client, users) for _ in range(3)]
    numbers = {c["case_id"]: c["case_number"] for c in ok(client.get("/api/v1/cases", headers=users.social))["cases"]}
    before = {case_id: len(list_reads(context, case_id)) for case_id in cases}
    newest_first = sorted(cases, key=lambda c: numbers[c], reverse=True)
    for web, path in ((web_as(context, settings, "soc-0180"), "/arenden"), (web_as(context, settings, "ivo"),
                                                                            "/granskning")):
        first = web.get(path).text
        shown = lambda page: [n for n in (numbers[c] for c in newest_first) if f">{n}<" in page]  # noqa: E731
        assert shown(first) == [numbers[c] for c in newest_first[:2]]
        # Both lists page by the last row's number (a keyset: ``test_audit_index_keyset``, ``test_case_list_keyset``).
        onward = {"efter": numbers[newest_first[1]], "sida": "2"}
        back = f"?fore={numbers[newest_first[2]]}"
        assert "Sida 1 av 2" in first and f'href="?{urlencode(onward).replace("&", "&amp;")}"' in first
        assert "Föregående sida" not in first
        second = web.get(path, params=onward).text
        assert shown(second) == [numbers[newest_first[2]]]
        assert "Sida 2 av 2" in second and f'href="{back}"' in second and "Nästa sida" not in second
        assert web.get(path, params={"sida": "x"}).status_code == 422   # a link edited by hand: named, 2026-12-05
    after = {case_id: len(list_reads(context, case_id)) for case_id in cases}
    # Each opening of the caseworker's list read the cases it showed, not the rest: each case once (the two newest on
    # page 1, the oldest on 2; "x", refused, read none); the auditor's index read none (one entry a page, of no case).
    assert [after[c] - before[c] for c in newest_first] == [1, 1, 1], (before, after)
    index = context.cases.access_log.search(AccessQuery(case_id=CASE_INDEX, limit=100))
    assert [r.entry.what.split(":")[1:3] for r in index] == [["1", "2"], ["2", "1"]]


def test_a_page_past_the_end_keeps_the_lists_filter_and_a_case_numbers_search_but_never_a_personnummer(
        client, users, tick, context, settings, monkeypatch):
    """A page past the end answers with the last page's address: it kept the phase filter but dropped the case number
    a link searched for, so the last page no longer said it was not found.  Something typed that is not a case
    number (a personnummer, in a link edited by hand) is never carried into the address: only the code of the
    message the last page says of it (``fel=inte_nummer``)."""
    from services.web import paging

    monkeypatch.setattr(paging, "LIST_PAGE", 2)
    for _ in range(3):
        open_case(client, users)
    missing = "0180-2026-9999"
    for web, path in ((web_as(context, settings, "soc-0180"), "/arenden"), (web_as(context, settings, "ivo"),
                                                                            "/granskning")):
        filtered = {"fas": "referred"} if path == "/arenden" else {}
        past = web.get(path, params={**filtered, "nummer": missing, "sida": "9"}, follow_redirects=False)
        assert past.status_code == 303
        location = past.headers["location"]
        assert location == path + "?" + "&".join([*(f"{k}={v}" for k, v in filtered.items()),
                                                  f"nummer={missing}", "sida=2"]), location
        last = web.get(location)
        assert "Sida 2 av 2" in last.text and missing in last.text   # the search's answer, on the last page
        typed = web.get(path, params={**filtered, "nummer": "200907224919", "sida": "9"}, follow_redirects=False)
        assert typed.status_code == 303 and "200907224919" not in typed.headers["location"]
        assert typed.headers["location"] == path + "?" + "&".join(
            [*(f"{k}={v}" for k, v in filtered.items()), "fel=inte_nummer", "sida=2"])
        told = web.get(typed.headers["location"]).text
        assert "Sida 2 av 2" in told and "Skriv ett ärendenummer" in told and "200907224919" not in told


def test_the_apis_list_pages_with_limit_and_offset_and_reads_only_the_page(client, users, tick, context):
    cases = [open_case(client, users) for _ in range(3)]
    whole = ok(client.get("/api/v1/cases", headers=users.social))
    assert whole["total"] == 3 and [c["case_id"] for c in whole["cases"]] == sorted(
        cases, key=lambda c: next(x["case_number"] for x in whole["cases"] if x["case_id"] == c))
    before = {case_id: len(list_reads(context, case_id)) for case_id in cases}
    page = ok(client.get("/api/v1/cases", params={"limit": 2, "offset": 1}, headers=users.social))
    assert page["total"] == 3 and [c["case_id"] for c in page["cases"]] == [c["case_id"] for c in whole["cases"][1:]]
    after = {case_id: len(list_reads(context, case_id)) for case_id in cases}
    assert [after[c["case_id"]] - before[c["case_id"]] for c in whole["cases"]] == [0, 1, 1]   # the page's alone
    for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1}, {"limit": "x"}):
        answer = client.get("/api/v1/cases", params=bad, headers=users.social)
        assert answer.status_code == 422 and answer.json()["error"]["code"], (bad, answer.text)


def test_a_page_past_the_end_answers_alike_for_a_number_taken_outside_the_readers_view_and_one_never_given(
        client, users, tick, context, settings, app):
    """The kept ``?nummer=`` must not tell a member which numbers are taken: a case it is no member of, and one it is
    a member of under `crime` alone (it does not see the number), answer as a number never given — the same
    redirect but for the number, the same last page, the same reads logged (none).  A number shaped like a case
    number is all that is carried: a personnummer typed into the link, with or without its century, never."""
    outside = open_case(client, users)
    unseen, _ = school_consented_case(client, users, tick, others={"polis": ["crime"]})
    police = web_as(context, settings, "polis")
    numbers = [app.get_case(UUID(c)).case_number for c in (outside, unseen)]
    never = "0180-2026-9999"
    assert never not in numbers

    def answered(number: str) -> tuple[str, str, int]:
        before = every_entry(context)
        past = police.get("/arenden", params={"nummer": number, "sida": "9"}, follow_redirects=False)
        assert past.status_code == 303, past.text
        last = police.get(past.headers["location"])
        assert last.status_code == 200 and f"{number}" in last.text
        # The box's example number (placeholder) is the first number given, the outside case's: not what is compared.
        said = re.sub(r'name="csrf" value="[^"]+"| placeholder="[^"]*"', "", last.text).replace(number, "N")
        return past.headers["location"].replace(number, "N"), said, every_entry(context) - before

    assert answered(numbers[0]) == answered(numbers[1]) == answered(never)
    for typed in ("200907224919", "20090722-4919", "090722-4919", "0907224919"):
        refused = police.get("/arenden", params={"nummer": typed, "sida": "9"}, follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"] == "/arenden?fel=inte_nummer", \
            refused.headers
