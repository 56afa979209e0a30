"""What a browser is told and held to: security headers, CSRF bound to the user, host-only Secure cookies in
production, a purpose per case, search boxes that keep what is typed out of URLs (a red team's findings)."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from types import SimpleNamespace
from uuid import UUID

from fastapi.responses import Response
from fastapi.testclient import TestClient
from starlette.requests import Request

from services.api.app import create_api
from services.identity_provider import SignInFailed
from services.web import session
from services.web.app import mount_web
from tests.integration.api.flows import REFERRAL, ok, school_consented_case
from tests.integration.api.skew import signed_in, web_as

PNR = "201003142385"   # a valid personnummer: born 2010-03-14
OTHER = {**REFERRAL, "name": "Mnbvcx Lkjhgf", "personnummer": "200907224919"}


def csrf_of(client: TestClient, path: str = "/arenden") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def test_pages_cannot_be_framed_sniffed_or_run_anything_but_our_own(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    pages = [web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}"),
             web_as(context, settings, "skola").get(f"/arenden/{case_id}"),
             client.get(f"/api/v1/cases/{case_id}", headers=users.social)]
    for page in pages:
        assert page.status_code == 200 and "Peter Exempel" in page.text
        csp = page.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"
    style = web_as(context, settings, "skola").get("/static/sigill.css")
    assert style.status_code == 200 and "cache-control" not in style.headers   # no one's data: cacheable


def test_the_report_allows_its_one_inline_style_and_nothing_else(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    report = web_as(context, settings, "ivo").get(f"/granskning/arenden/{case_id}/rapport")
    assert report.status_code == 200
    style = re.search(r"<style>(.*?)</style>", report.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    csp = report.headers["content-security-policy"]
    assert f"style-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp and "script-src" not in csp


def test_every_audit_answer_is_kept_out_of_caches(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    for path in (f"/api/v1/audit/cases/{case_id}/facts", f"/api/v1/audit/cases/{case_id}/disclosures",
                 f"/api/v1/audit/cases/{case_id}/stored-log", f"/api/v1/audit/access-log?case_id={case_id}"):
        answer = client.get(path, headers=users.auditor)
        assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store", path


def test_a_csrf_cookie_planted_in_the_browser_does_not_make_a_forged_form_valid(client, users, tick, app, context,
                                                                                settings):
    """Another host of the same site can write a cookie into the browser (without ``__Host-``, over http): a
    token equal to it no longer passes; the form's token is the server's MAC of it and the user."""
    case_id, _ = school_consented_case(client, users, tick)
    before = len(list(app.history(UUID(case_id))))
    planted = web_as(context, settings, "soc-0180")
    planted.cookies.clear()   # the attacker's cookie, and the session (SameSite=Strict goes along from a sibling)
    planted.cookies.set(session.TOKEN_COOKIE, web_as(context, settings, "soc-0180").cookies[session.TOKEN_COOKIE])
    planted.cookies.set(session.CSRF_COOKIE, "planted-by-attacker")
    forged = planted.post(f"/arenden/{case_id}/avslut", follow_redirects=False,
                          data={"csrf": "planted-by-attacker", "reason": "other", "outcome": "Avslutat."})
    assert forged.status_code == 403
    # Nor a token the server made for the same browser cookie and another user (the attacker's own session).
    caseworker, attacker = web_as(context, settings, "soc-0180"), web_as(context, settings, "skola")
    browser_cookie = caseworker.cookies[session.CSRF_COOKIE]
    attacker.cookies.clear()
    attacker.cookies.set(session.TOKEN_COOKIE, web_as(context, settings, "skola").cookies[session.TOKEN_COOKIE])
    attacker.cookies.set(session.CSRF_COOKIE, browser_cookie)
    forged = caseworker.post(f"/arenden/{case_id}/avslut", follow_redirects=False,
                             data={"csrf": csrf_of(attacker), "reason": "other", "outcome": "Avslutat."})
    assert forged.status_code == 403
    assert len(list(app.history(UUID(case_id)))) == before
    # The page's own token still works.
    closed = caseworker.post(f"/arenden/{case_id}/avslut", follow_redirects=False,
                             data={"csrf": csrf_of(caseworker, f"/arenden/{case_id}/avslut"), "reason": "other",
                                   "outcome": "Avslutat.", "confirm": "on"})
    assert closed.status_code == 303


def _request(scheme: str, public_url: str | None) -> Request:
    settings = SimpleNamespace(public_url=public_url)
    app = SimpleNamespace(state=SimpleNamespace(web_settings=settings, refresh_key=b"k" * 32))
    return Request({"type": "http", "scheme": scheme, "method": "GET", "path": "/", "raw_path": b"/",
                    "query_string": b"", "headers": [], "server": ("10.0.0.7", 8000), "app": app})


def test_cookies_under_an_https_address_are_secure_and_host_only_even_when_the_proxy_hop_is_plain_http():
    for scheme, public in (("http", "https://sigill.kommun.example"), ("https", None)):
        response = Response()
        session.sign_in(_request(scheme, public), response, "a.session.token")
        set_cookies = [h for h in response.headers.getlist("set-cookie") if "Max-Age=0" not in h]
        assert len(set_cookies) == 2   # the session and its CSRF cookie
        for header in set_cookies:
            assert header.startswith("__Host-sigill_") and "Secure" in header and "Path=/" in header, header
    response = Response()   # development, over http: plain names (a browser refuses __Host- without Secure)
    session.sign_in(_request("http", None), response, "a.session.token")
    assert all(h.startswith("sigill_") and "Secure" not in h for h in response.headers.getlist("set-cookie"))


def test_a_purpose_stated_on_one_case_is_not_recorded_on_another_and_is_sealed(client, users, context, settings):
    """The purpose was a session-wide cookie in plaintext: said on case A ("about <name> <personnummer>"), it was
    recorded with every later read of any case — in B's access log and in B's register extract."""
    mine = ok(client.post("/api/v1/cases", json={**REFERRAL, "personnummer": PNR}, headers=users.social),
              201)["case_id"]
    other = ok(client.post("/api/v1/cases", json=OTHER, headers=users.social), 201)["case_id"]
    web = web_as(context, settings, "soc-0180")
    said = web.post("/syfte", follow_redirects=False, data={
        "csrf": csrf_of(web, f"/arenden/{mine}"), "purpose": f"Nätverksmöte om {PNR}", "back": f"/arenden/{mine}",
        "case": mine})
    assert said.status_code == 303 and PNR not in said.headers.get("set-cookie", "")
    assert f'value="Nätverksmöte om {PNR}"' in web.get(f"/arenden/{mine}").text   # kept for its case
    assert PNR not in web.get(f"/arenden/{other}").text
    reads = {other: ok(client.get(f"/api/v1/cases/{other}/extract", headers=users.social))["reads"],
             mine: ok(client.get(f"/api/v1/cases/{mine}/extract", headers=users.social))["reads"]}
    assert not any(PNR in r["purpose"] for r in reads[other]), reads[other]
    assert any(r["purpose"] == f"Nätverksmöte om {PNR}" for r in reads[mine])



def test_a_purpose_the_access_log_would_refuse_is_refused_by_the_web_form_too(client, users, context, settings):
    """The API and the command line refuse a purpose over 500 characters or with a control character; the web's
    form cut it at 500 and kept a new line (an extract would show it as two entries' text)."""
    mine = ok(client.post("/api/v1/cases", json=REFERRAL, headers=users.social), 201)["case_id"]
    web = web_as(context, settings, "soc-0180")
    for purpose, told in (("Peter " * 84, "Syftet är 503 tecken långt och får vara högst 500 tecken."),
                          ("Peter\nkl. 10", "Syftet innehåller ett styrtecken (U+000A, tecken 6 av 12) och ska vara"
                                            " en rad text."),
                          ("Peter\x1b[2J", "Syftet innehåller ett styrtecken (U+001B, tecken 6 av 9)"),
                          ("Peter \u202eretsip", "Syftet innehåller ett tecken som vänder skrivriktningen (U+202E,"
                                                 " tecken 7 av 13)")):
        said = web.post("/syfte", follow_redirects=False, data={
            "csrf": csrf_of(web, f"/arenden/{mine}"), "purpose": purpose, "back": f"/arenden/{mine}", "case": mine})
        assert said.status_code == 422, repr(purpose[:20])
        # Which rule, its length and where (since 2026-12-07: one sentence for all); none of its words in the
        # message — what was typed is given back only in the box of text not saved, as the user wrote it.
        alert = re.search(r'<p class="notice bad" role="alert">(.*?)</p>', said.text, re.S).group(1)
        assert told in alert and "Peter" not in alert and "retsip" not in alert, alert
        assert "set-cookie" not in said.headers or "sigill_purpose" not in said.headers["set-cookie"]
    fine = web.post("/syfte", follow_redirects=False, data={
        "csrf": csrf_of(web, f"/arenden/{mine}"), "purpose": "x" * 500, "back": f"/arenden/{mine}", "case": mine})
    assert fine.status_code == 303

def test_a_purpose_for_a_case_that_is_malformed_unknown_or_not_yours_is_no_such_case(client, users, tick,
                                                                                        context, settings):
    """/syfte answered an invalid ``case`` (the form's hidden field, edited by hand) with the purpose's rules ("Syftet
    får vara högst 500 tecken …"), or kept a purpose for a case the user may not see: it is no such case, as every
    page of a case says — the same 404 and words whether unknown or not the user's, the value never said back."""
    referred = ok(client.post("/api/v1/cases", json=REFERRAL, headers=users.social), 201)["case_id"]
    consented, _ = school_consented_case(client, users, tick)
    tries = (("soc-0180", PNR, consented), ("soc-0180", "", consented),
             ("soc-0180", "7f8c2a34-0000-4000-8000-00000000beef", consented),
             ("soc-1480", referred, None), ("skola", referred, consented),   # another municipality's; not in it
             ("ivo", "7f8c2a34-0000-4000-8000-00000000beef", consented), ("ivo", PNR, consented))
    for user, case, page in tries:
        web = web_as(context, settings, user)
        csrf = csrf_of(web, f"/arenden/{page}" if page and user != "ivo" else "/arenden")
        said = web.post("/syfte", follow_redirects=False, data={
            "csrf": csrf, "purpose": "Nätverksmöte", "back": "/arenden", "case": case})
        assert said.status_code == 404, (user, case, said.status_code)
        assert "Sidan eller ärendet finns inte (eller så har ni inte tillgång till det)." in said.text, (user, case)
        assert "Syftet" not in said.text and (not case or case not in said.text), (user, case)
        assert "sigill_purpose" not in said.headers.get("set-cookie", ""), (user, case)
    # The auditor states one for a case it audits, as before.
    auditor = web_as(context, settings, "ivo")
    assert auditor.post("/syfte", follow_redirects=False, data={
        "csrf": csrf_of(auditor, "/granskning"), "purpose": "Tillsyn", "back": "/granskning",
        "case": consented}).status_code == 303


def test_the_case_search_keeps_what_is_typed_out_of_the_url_and_the_page(context, settings):
    for user, page in (("soc-0180", "/arenden"), ("ivo", "/granskning")):
        web = web_as(context, settings, user)
        html = web.get(page).text
        form = re.search(r'<form method="(\w+)" action="' + page + r'"[^>]*>\s*<input type="hidden" name="csrf"'
                         r'[^>]*>\s*<label for="f-nummer"', html)
        assert form is not None and form.group(1) == "post", f"{page}: the number search is not a POST form"
        typed = web.post(page, data={"csrf": csrf_of(web, page), "nummer": f"{PNR[:8]}-{PNR[8:]}"},
                         follow_redirects=False)
        assert typed.status_code == 303 and PNR[8:] not in typed.headers["location"] + typed.text
        said = web.get(typed.headers["location"])   # the message only, by its code
        assert "Skriv ett ärendenummer" in said.text and PNR[8:] not in said.text
        linked = web.get(f"{page}?nummer={PNR}")   # an old link, a bookmark: neither said back
        assert linked.status_code == 422 and PNR not in linked.text


def test_a_form_over_the_body_limit_gets_a_swedish_page(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    caseworker = web_as(context, settings, "soc-0180")
    body = f"csrf={csrf_of(caseworker)}&main_goal=".encode() + b"%C3%A5" * 1_500_000
    answer = caseworker.post(f"/arenden/{case_id}/plan", content=body,
                             headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413 and answer.headers["content-type"].startswith("text/html")
    assert 'lang="sv"' in answer.text and "inget av det sparades" in answer.text
    api = client.post(f"/api/v1/cases/{case_id}/contributions", content=b"{" + b" " * 9_000_000 + b"}",
                      headers={**users.social, "content-type": "application/json"})
    assert api.status_code == 413 and api.json()["error"]["code"] == "body_too_large"   # the API keeps its JSON


def test_what_a_browser_or_a_provider_sends_cannot_write_a_log_line_of_its_own(caplog):
    forged = "x\n2026-12-04 09:00:00,000 sigill.web INFO web: signed in sub=ivo-granskare\r\x00"
    with caplog.at_level(logging.WARNING, logger="sigill.web"):
        logging.getLogger("sigill.web").warning("web: OIDC sign-in failed: %s", SignInFailed("denied", forged))
    line = caplog.records[-1].getMessage()
    assert "\n" not in line and "\r" not in line and "\x00" not in line and "\\x0a2026" in line


def test_the_web_consent_form_can_name_social_services(client, users, tick, context, settings):
    """The members' contributions reach social services only by consent (DOMAIN.md): the form offered every
    agency but social services, so the caseworker could never see the school's notes, nor her own minutes."""
    case_id, _ = school_consented_case(client, users, tick, others={"polis": ["case"], "socialtjanst": ["school"]})
    caseworker = web_as(context, settings, "soc-0180")
    assert 'name="scope" value="socialtjanst:school"' in caseworker.get(f"/arenden/{case_id}/samtycken").text
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                   json={"category": "school", "text": "Närvaron är 80 %."}), 201)
    assert "Närvaron är 80 %." in caseworker.get(f"/arenden/{case_id}").text   # by consent, as the rules say


def test_empty_required_fields_are_said_to_be_empty(context, settings):
    web = web_as(context, settings, "soc-0180")
    refused = web.post("/arenden/nytt", data={"csrf": csrf_of(web, "/arenden/nytt"), "personnummer": "",
                                              "name": "", "summary": ""})
    assert refused.status_code == 422
    assert refused.text.count("Fältet måste fyllas i.") >= 3 and "Ogiltigt värde." not in refused.text


def test_a_signed_in_form_posted_with_a_token_made_before_sign_in_is_refused(context, settings):
    """The token is bound to the user: one made for the sign-in page (no user) does not pass once signed in."""
    api = create_api(context)
    mount_web(api, context, settings)
    browser = TestClient(api, raise_server_exceptions=False)
    before = csrf_of(browser, "/logga-in")
    signed_in(browser, "soc-0180")
    assert browser.post("/syfte", data={"csrf": before, "purpose": "x", "back": "/"},
                        follow_redirects=False).status_code == 403


def test_signing_out_says_so_with_development_users_too(context, settings):
    """With the development users, signing out landed on the sign-in page with no word that it had worked (the
    identity provider's sign-out says "Du är utloggad.")."""
    api = create_api(context)
    mount_web(api, context, settings)
    caseworker = signed_in(TestClient(api, raise_server_exceptions=False), "soc-0180")
    out = caseworker.post("/logga-ut", data={"csrf": csrf_of(caseworker)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/utloggad"
    page = caseworker.get("/utloggad")
    assert "<h1>Du är utloggad.</h1>" in page.text and 'href="/logga-in"' in page.text
    assert caseworker.get("/", follow_redirects=False).headers["location"].startswith("/logga-in")


def test_a_session_cookie_copied_before_sign_out_is_no_session_after_it(client, users, tick, context, settings):
    """Signing out deleted the browser's cookie only: a copy taken before (a shared computer, a proxy's log) read
    the case until the token expired, eight hours later (a red team)."""
    case_id, _ = school_consented_case(client, users, tick)
    api = create_api(context)
    mount_web(api, context, settings)
    caseworker = signed_in(TestClient(api, raise_server_exceptions=False), "soc-0180")
    copied = caseworker.cookies[session.TOKEN_COOKIE]
    assert caseworker.post("/logga-ut", data={"csrf": csrf_of(caseworker)}, follow_redirects=False).status_code == 303
    thief = TestClient(api, raise_server_exceptions=False)
    thief.cookies.set(session.TOKEN_COOKIE, copied)
    page = thief.get(f"/arenden/{case_id}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/logga-in")
    again = signed_in(TestClient(api, raise_server_exceptions=False), "soc-0180")   # a new sign-in is a session
    assert again.get(f"/arenden/{case_id}").status_code == 200


def test_every_worker_refuses_a_session_another_signed_out(postgres):
    from datetime import datetime, timedelta, timezone

    from gateways.signed_out_store import PostgresSignedOut

    one, other = PostgresSignedOut(postgres.conninfo()), PostgresSignedOut(postgres.conninfo())
    try:
        now = datetime.now(timezone.utc)
        one.end(b"m" * 32, now + timedelta(hours=1))
        one.end(b"x" * 32, now - timedelta(seconds=1))   # its token has expired anyway: nothing to keep
        assert other.ended(b"m" * 32) and not other.ended(b"x" * 32) and not other.ended(b"n" * 32)
    finally:
        one.close()
        other.close()


def test_a_session_signed_out_before_a_master_key_rotation_stays_signed_out(client, users, tick, context, settings):
    """Signing out records a keyed hash of the token, keyed from the master key: a server started after a rotation
    hashed the copied token under the new key, found no record, and the copy read the case again until it expired.
    With the old key kept as SIGILL_PREVIOUS_MASTER_KEY (a day, longer than a token lives) it is still refused."""
    from services.settings import Settings
    from services.web.signed_out import ProcessSignedOut

    case_id, _ = school_consented_case(client, users, tick)
    records = ProcessSignedOut()   # the database's table, in production: it outlives the restart

    def web(with_settings: Settings) -> TestClient:
        api = create_api(context)
        mount_web(api, context, with_settings, signed_out=records)
        return TestClient(api, raise_server_exceptions=False)

    caseworker = signed_in(web(settings), "soc-0180")
    copied = caseworker.cookies[session.TOKEN_COOKIE]
    assert caseworker.post("/logga-ut", data={"csrf": csrf_of(caseworker)}, follow_redirects=False).status_code == 303
    new = base64.b64encode(bytes(32)).decode()
    thief = web(Settings(data_dir=settings.data_dir, master_key=new, previous_master_key=settings.master_key))
    thief.cookies.set(session.TOKEN_COOKIE, copied)
    page = thief.get(f"/arenden/{case_id}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/logga-in")



def _fails_saying(said: str):  # noqa: ANN202
    def fails(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError(said)
    return fails


def test_an_unexpected_failure_in_a_route_is_a_500_page_whose_log_line_names_its_class_alone(
        context, settings, monkeypatch, caplog):
    """``error_pages.guarded``'s last resort: the Swedish page, and one log line of the class, the method and the
    path — never the message, which could quote personal data."""
    said = f"Test Exempelsson {OTHER['personnummer']}"
    web = web_as(context, settings, "soc-0180")
    monkeypatch.setattr(context.cases, "case_page", _fails_saying(said))
    with caplog.at_level(logging.ERROR):
        answer = web.get("/arenden")
    assert answer.status_code == 500 and "Ett oväntat fel inträffade. Det är loggat." in answer.text
    assert said not in answer.text and "Traceback" not in answer.text
    assert [r.getMessage() for r in caplog.records] == ["web: unexpected RuntimeError on GET /arenden"]


def test_an_unexpected_failure_before_a_route_runs_is_the_web_page_too_and_the_api_keeps_its_json(
        users, context, settings, monkeypatch, caplog):
    """A posted form's reading (``pages.form_of``, a dependency: run before the route's guard) failing reached the
    API's last resort, which answered a browser with the API's JSON: the web's handler of it (``errors``) was never
    asked.  Now the web page and the web's log line; an ``/api/…`` path still the API's JSON."""
    from services.web import pages

    said = f"Test Exempelsson {OTHER['personnummer']}"

    class PostedFails(pages.Typed):   # a posted form's reading fails; a page's empty one (``render``'s) does not
        def __init__(self, *items) -> None:  # noqa: ANN002
            if items:
                _fails_saying(said)()
            super().__init__()

    web = web_as(context, settings, "soc-0180")
    monkeypatch.setattr(pages, "Typed", PostedFails)
    with caplog.at_level(logging.ERROR):
        answer = web.post("/arenden", data={"nummer": "1"})
    assert answer.status_code == 500 and answer.headers["content-type"].startswith("text/html")
    assert "Ett oväntat fel inträffade. Det är loggat." in answer.text and said not in answer.text
    assert [r.getMessage() for r in caplog.records] == ["web: unexpected RuntimeError on POST /arenden"]

    async def fails(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202 - the API's case list reads it
        _fails_saying(said)()
    monkeypatch.setattr(context.cases, "cases_async", fails)
    api = web.get("/api/v1/cases", headers=users.social)
    assert api.status_code == 500 and api.json()["error"]["code"] == "internal_error" and said not in api.text
