"""Red team hR5 (2026-12-07): today's new inputs — the replay's moment and agency, the auditors' index cursor,
the plan page's heading — attacked for personal data said back or carried into a URL, and for what a page tells
someone who may not know it."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as

PERSONNUMMER = "19900101-1234"
# A personnummer written in groups (red team 2026-12-07): no six digits together, no two letters.
GROUPED = ("2009-03-14-2388", "0314-2388", "2009-03-14 1234")


def _way_back(page: str) -> str:
    field = re.search(r'<form method="post" action="/syfte".*?name="back" value="([^"]*)"', page, re.S)
    assert field, page[-3000:]
    return html.unescape(field.group(1))


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_the_purpose_forms_way_back_keeps_only_the_replays_own_well_formed_query(client, users, tick, context,
                                                                                  settings):
    """A personnummer typed as the replay's ``myndighet`` (or any parameter the page does not take) went into the
    *Syfte* form's hidden way back, and the purpose's redirect sent the browser to it: a URL in history and logs."""
    case_id, _ = school_consented_case(client, users, tick)
    ivo = web_as(context, settings, "ivo")
    page = ivo.get(f"/granskning/arenden/{case_id}",
                   params={"myndighet": PERSONNUMMER, "tid": "2026-03-03", "namn": "Anna Svensson"})
    assert page.status_code == 422
    back = _way_back(page.text)
    assert PERSONNUMMER not in back and "Anna" not in back and "namn" not in back, back
    assert dict(parse_qsl(urlsplit(back).query)) == {"tid": "2026-03-03"}, back
    moved = ivo.post("/syfte", data={"csrf": _csrf(page.text), "back": back, "case": str(case_id),
                                      "purpose": "Tillsyn"}, follow_redirects=False)
    assert moved.status_code == 303 and PERSONNUMMER not in moved.headers["location"], moved.headers
    # A moment that is no moment is left out; the agency and moment the page read are kept as they were typed.
    mistyped = ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "polis", "tid": PERSONNUMMER})
    assert dict(parse_qsl(urlsplit(_way_back(mistyped.text)).query)) == {"myndighet": "polis"}
    read = ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "polis", "tid": "2026-03-03 12:00"})
    assert read.status_code == 200
    assert dict(parse_qsl(urlsplit(_way_back(read.text)).query)) == {"myndighet": "polis", "tid": "2026-03-03 12:00"}
    # The disclosures page's agency is kept (one it knows): its purpose leads back to the agency's rows, not all.
    for myndighet, query in (("polis", {"myndighet": "polis"}), (PERSONNUMMER, {})):
        disclosures = ivo.get(f"/granskning/arenden/{case_id}/utlamnanden", params={"myndighet": myndighet})
        assert dict(parse_qsl(urlsplit(_way_back(disclosures.text)).query)) == query, myndighet
    # The report takes no query at all.
    report = ivo.get(f"/granskning/arenden/{case_id}/rapport", params={"myndighet": PERSONNUMMER})
    assert report.status_code == 200 and _way_back(report.text) == f"/granskning/arenden/{case_id}/rapport"


def test_the_sign_ins_way_back_keeps_only_a_query_the_pages_take_in_its_shape(client, users, tick, context,
                                                                                settings):
    """Signed out, a page's address went whole into the sign-in's ``tillbaka`` (and the redirect after it): a
    personnummer typed as the replay's ``myndighet``, or a name as a parameter no page takes, with it."""
    case_id, _ = school_consented_case(client, users, tick)
    signed_out = web_as(context, settings, "ivo")
    signed_out.cookies.clear()
    for query in ({"myndighet": PERSONNUMMER, "tid": "2026-03-03"}, {"myndighet": "polis", "tid": "900101-1234"},
                  {"myndighet": "polis", "namn": "Anna Svensson", "tid": "2026-03-03"}):
        moved = signed_out.get(f"/granskning/arenden/{case_id}", params=query, follow_redirects=False)
        assert moved.status_code == 303, moved.text[-2000:]
        back = dict(parse_qsl(urlsplit(moved.headers["location"]).query))["tillbaka"]
        assert "1234" not in back and "Anna" not in back and "namn" not in back, back
        assert urlsplit(back).path == f"/granskning/arenden/{case_id}"
    for grouped in GROUPED:   # each plain parameter a page takes, only in its own field's shape
        for path, names in ((f"/granskning/arenden/{case_id}", ("tid",)), ("/granskning", ("sida", "nummer")),
                            ("/granskning/atkomstlogg", ("fran", "till", "nummer")), ("/statistik", ("ar", "kommun"))):
            moved = signed_out.get(path, params={name: grouped for name in names}, follow_redirects=False)
            back = dict(parse_qsl(urlsplit(moved.headers["location"]).query))["tillbaka"]
            assert back == path, (grouped, back)
    for cursor in (f"tomt-{case_id}", str(case_id), "0180-2026-0042"):   # the index's keyset cursor, its own shape
        moved = signed_out.get("/granskning", params={"efter": cursor, "sida": "2"}, follow_redirects=False)
        back = dict(parse_qsl(urlsplit(moved.headers["location"]).query))["tillbaka"]
        assert dict(parse_qsl(urlsplit(back).query)) == {"efter": cursor, "sida": "2"}, back
    kept = signed_out.get(f"/granskning/arenden/{case_id}", params={"myndighet": "polis", "tid": "2026-03-03 12:00"},
                          follow_redirects=False)
    back = dict(parse_qsl(urlsplit(kept.headers["location"]).query))["tillbaka"]
    assert dict(parse_qsl(urlsplit(back).query)) == {"myndighet": "polis", "tid": "2026-03-03 12:00"}, back


def _index_entries(context) -> int:
    from services.access_entry import AccessQuery
    from services.case_audit import CASE_INDEX
    return len(context.cases.access_log.search(AccessQuery(case_id=CASE_INDEX, limit=100)))


def test_guard_the_index_cursor_is_a_case_number_or_an_id_refused_unsaid_and_unlogged(client, users, tick, context,
                                                                                        settings):
    """Guard: ``?efter=``/``?fore=`` hand-edited — a personnummer, a name, SQL, an over-long or two-way cursor — is
    a 422 naming the field, never a 500, saying back nothing typed and logging no read; a well-formed one that is
    no case's (an id or number no case has) is one page, one access-log entry."""
    school_consented_case(client, users, tick)
    ivo = web_as(context, settings, "ivo")
    before = _index_entries(context)
    for name in ("efter", "fore"):
        for typed in (PERSONNUMMER, "Anna Svensson", "0180-2026-0001' OR '1'='1", "0180-2026-0001;--",
                      "x" * 5000, "0180-2026-0001\x00", "٠١٨٠-٢٠٢٦-٠٠٠١"):
            page = ivo.get("/granskning", params={name: typed, "sida": "2"})
            assert page.status_code == 422, (name, typed, page.status_code)
            assert typed not in page.text and "Anna" not in page.text and "19900101" not in page.text, typed[:40]
    both = ivo.get("/granskning", params={"efter": "0180-2026-0001", "fore": "0180-2026-0002", "sida": "2"})
    assert both.status_code == 422
    assert _index_entries(context) == before
    for cursor in ("0180-2199-9999", "00000000-0000-0000-0000-000000000000"):
        page = ivo.get("/granskning", params={"efter": cursor, "sida": "2"}, follow_redirects=False)
        assert page.status_code in (200, 303), (cursor, page.text[-1500:])
    assert _index_entries(context) - before <= 2


def _as_any_case(page: str, case_id: str) -> str:
    """The page without what differs between any two cases: the id, number, times, tokens, consents' short ids."""
    page = page.replace(str(case_id), "CASE")
    for pattern, same in ((r"\d{4}-\d{4}-\d{4}", "NUMBER"), (r'value="[\w.-]{12,}"', 'value="TOKEN"'),
                          (r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}(:\d{2})?", "WHEN"), (r"\b[0-9a-f]{8}\b", "SHORT")):
        page = re.sub(pattern, same, page)
    return page


def test_guard_a_member_without_case_reads_the_same_plan_page_whether_or_not_a_later_revision_exists(
        client, users, tick, context, settings):
    """Guard (DOMAIN.md, Views): the school, seeing `school` but not `case`, reads the whole plan page and its
    case page — not only the heading — byte for byte alike, of the same length, whether or not a later revision
    without its rows was recorded."""
    from tests.integration.api.test_web_plan_heading_unseen_revision import HEALTH_ROW, _school_only_case
    revised = _school_only_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{revised}/plan/revisions", headers=users.social,
                   json={"main_goal": "Peter ska gå i skolan.", "rows": [HEALTH_ROW]}), 201)
    unrevised = _school_only_case(client, users, tick)
    school = web_as(context, settings, "skola")
    for path in ("/plan", ""):
        read = [school.get(f"/arenden/{case_id}{path}") for case_id in (revised, unrevised)]
        assert [r.status_code for r in read] == [200, 200]
        assert len(read[0].content) == len(read[1].content), path
        assert read[0].headers.get("etag") == read[1].headers.get("etag"), path
        assert _as_any_case(read[0].text, revised) == _as_any_case(read[1].text, unrevised), path


def test_guard_no_one_but_an_auditor_tells_an_erased_case_from_one_that_never_was(client, users, tick, app, context,
                                                                                   settings, postgres):
    """Guard: a caseworker (of the case's municipality or another), a member, the evaluator and a browser signed out
    get, on every audit page of an erased case and on the purpose form posted for it, the answer a case that never
    existed gets — the same status and the same words, nothing of "gallrat"."""
    from tests.integration.api.test_web_erased_case_walk import closed_and_erased
    erased = closed_and_erased(client, users, tick, app, settings, postgres)
    never = "00000000-0000-4000-8000-000000000001"
    pages = ("", "/loggutdrag", "/rapport", "/utlamnanden")
    for user in ("soc-0180", "soc-1480", "skola", "socialstyrelsen", None):
        web = web_as(context, settings, user or "soc-0180")
        if user is None:
            web.cookies.clear()
        for page in pages:
            answers = [web.get(f"/granskning/arenden/{case_id}{page}", follow_redirects=False)
                       for case_id in (erased, never)]
            assert answers[0].status_code == answers[1].status_code, (user, page)
            assert "gallra" not in answers[0].text.lower(), (user, page)
            assert answers[0].text.replace(erased, never) == answers[1].text.replace(erased, never) or \
                answers[0].status_code == 303, (user, page)
        if user is None:
            continue
        csrf = _csrf(web.get("/").text)
        posted = [web.post("/syfte", data={"csrf": csrf, "back": "/", "case": case_id, "purpose": "x"},
                           follow_redirects=False) for case_id in (erased, never)]
        assert posted[0].status_code == posted[1].status_code and "gallra" not in posted[0].text.lower(), user


def test_a_moment_box_refused_keeps_nothing_typed_that_could_be_a_personnummer_or_a_name(client, users, tick, context,
                                                                                         settings):
    """The replay's moment and the access log's dates are kept in their boxes as typed (today's change): a
    personnummer or a name typed there was said back in the page; a mistyped date still is, to be corrected."""
    case_id, _ = school_consented_case(client, users, tick)
    ivo = web_as(context, settings, "ivo")
    for typed in (PERSONNUMMER, "900101-1234", "Anna Svensson", *GROUPED):
        replay = ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "polis", "tid": typed})
        log = ivo.get("/granskning/atkomstlogg", params={"fran": typed, "till": typed})
        for page in (replay, log):
            assert page.status_code == 422 and typed not in page.text, typed
    mistyped = ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "polis", "tid": "2026-13-01 12:00"})
    assert 'value="2026-13-01 12:00"' in mistyped.text


def test_the_ledgers_refused_keys_keep_nothing_typed_that_could_be_a_personnummer_or_a_name(context, settings):
    """The keys typed are kept when one is refused (today's change), to be mended: a personnummer or a name pasted
    into the box by mistake was said back in the page with them. Only what is shaped like a key is kept."""
    web = web_as(context, settings, "ivo")
    csrf = _csrf(web.get("/granskning/liggaren").text)
    key_shaped = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"   # base64, but 24 bytes: no key
    answer = web.post("/granskning/liggaren",
                      data={"csrf": csrf, "nycklar": f"{key_shaped}\n{PERSONNUMMER}\nAnna Svensson\n199001011234"},
                      files={"fil": ("x.json", b"{}", "application/json")})
    assert answer.status_code == 422
    assert PERSONNUMMER not in answer.text and "199001011234" not in answer.text and "Svensson" not in answer.text
    assert re.search(r'<textarea id="f-nycklar"[^>]*>' + key_shaped + "</textarea>", answer.text), answer.text[-1500:]


def test_the_ledgers_refused_keys_keep_a_whole_key_with_digits_in_a_row_and_drop_a_hyphenated_name(context,
                                                                                                      settings):
    """Review (2026-12-07): a key as `--trust-key` takes one (base64 of 32 bytes, 44 characters) with six digits in
    a row — about one genuine key in 1,800 — was dropped from the box, and a hyphenated name of 16 characters or
    more was kept. A whole key is kept whatever its digits; a line of letters and hyphens never is."""
    web = web_as(context, settings, "ivo")
    csrf = _csrf(web.get("/granskning/liggaren").text)
    key = "A" * 20 + "123456" + "A" * 17 + "="   # 32 bytes: a key, by its shape
    names = ("Johansson-Karlsson", "Anna-Karin-Johansson", "Lindqvistssonberg")
    answer = web.post("/granskning/liggaren", data={"csrf": csrf, "nycklar": "\n".join([key, *names])},
                      files={"fil": ("x.json", b"{}", "application/json")})
    assert answer.status_code == 422
    assert not [n for n in names if n in answer.text]
    assert re.search(r'<textarea id="f-nycklar"[^>]*>' + re.escape(key) + "</textarea>", answer.text), \
        answer.text[-1500:]


def test_an_unknown_agency_is_said_back_only_when_it_is_an_agencys_id_mistyped(client, users, tick, context,
                                                                                settings):
    """Today's replay says an unknown agency back as the disclosure log does (*Ingen aktör heter ”xyz”*) when it is
    shaped like an id — lowercase letters, a hyphen: a name typed so (``peter-exempel``) was said back in three
    pages. Only an agency's id mistyped (an edit or two from one: ``skolan``, ``polsi``) is said back now."""
    case_id, _ = school_consented_case(client, users, tick)
    ivo = web_as(context, settings, "ivo")
    pages = (f"/granskning/arenden/{case_id}", f"/granskning/arenden/{case_id}/utlamnanden", "/granskning/atkomstlogg")
    for page in pages:
        for name in ("peter-exempel", "anna", "svensson"):
            said = ivo.get(page, params={"myndighet": name, "tid": "2026-03-03"})
            assert said.status_code == 422 and name not in said.text, (page, name)
            assert "Ingen aktör har det id som adressen anger" in said.text, (page, name)
        for typo in ("skolan", "polsi"):
            said = ivo.get(page, params={"myndighet": typo, "tid": "2026-03-03"})
            assert f"Ingen aktör heter ”{typo}”" in said.text, (page, typo)
