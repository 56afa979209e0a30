"""Production sign-in over real HTTP: Sigill in production mode against the test OIDC provider (tests/oidc_provider.py).

Every step is a real request: Sigill → the provider's authorize endpoint → the
callback → the provider's token endpoint and JWKS.  Each way a sign-in can go
wrong ends on a Swedish page with a clear message and no session — never a 500.
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from tests.e2e.conftest import OIDC_USER
from tests.oidc_provider import CLIENT_ID, KEY_ID
from tests.servers import free_port

SESSION = "sigill_session"


def start(server) -> tuple[httpx.Client, str]:
    """A browser-like client that has asked Sigill to sign in; the provider URL it was sent to."""
    client = httpx.Client(base_url=server.url, follow_redirects=False)
    answer = client.get("/logga-in/oidc")
    assert answer.status_code == 303, answer.text
    return client, answer.headers["location"]


def at_provider(authorize_url: str) -> str:
    """The provider's answer: where it sends the browser back (the callback, with code or error and state)."""
    answer = httpx.get(authorize_url, follow_redirects=False)
    assert answer.status_code in (302, 303, 307), answer.text
    return answer.headers["location"]


def sign_in(server) -> tuple[httpx.Client, httpx.Response]:
    client, authorize = start(server)
    return client, client.get(at_provider(authorize))


def session_cookie(response: httpx.Response) -> str | None:
    return next((h for h in response.headers.get_list("set-cookie") if h.startswith(f"{SESSION}=")), None)


def assert_refused(response: httpx.Response, status: int, text: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert text in response.text and 'lang="sv"' in response.text
    assert 'href="/logga-in"' in response.text  # a way to try again
    assert session_cookie(response) is None


def test_a_good_sign_in_makes_the_strict_session_and_lands_on_the_case_list(production_server, provider):
    client, authorize = start(production_server)
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(provider.issuer + "/authorize?")
    assert query["code_challenge_method"] == ["S256"] and query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [production_server.url + "/logga-in/oidc/callback"]
    assert query["state"][0] and query["nonce"][0] and query["state"] != query["nonce"]

    landed = client.get(at_provider(authorize))
    assert landed.status_code == 200 and 'http-equiv="refresh" content="0; url=/arenden"' in landed.text
    cookie = session_cookie(landed)
    assert cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    cases = client.get("/arenden")
    assert cases.status_code == 200 and "Maja Handläggare" in cases.text and "Kommunens ärenden" in cases.text


def test_the_discovery_document_is_cached_not_fetched_per_sign_in(production_server, provider):
    sign_in(production_server)                      # warm: the document may be fetched once
    before = provider.state.discovery_fetches
    for _ in range(3):
        client, landed = sign_in(production_server)
        assert landed.status_code == 200 and client.get("/arenden").status_code == 200
    assert provider.state.discovery_fetches == before


def test_an_answer_with_another_state_is_refused(production_server, provider):
    client, authorize = start(production_server)
    callback = at_provider(authorize)
    state = parse_qs(urlsplit(callback).query)["state"][0]
    assert_refused(client.get(callback.replace(state, "forged-state")), 400, "hör inte till en inloggning")


def test_an_answer_in_a_browser_that_started_no_sign_in_is_refused(production_server, provider):
    _, authorize = start(production_server)
    with httpx.Client(base_url=production_server.url) as stranger:
        assert_refused(stranger.get(at_provider(authorize)), 400, "hör inte till en inloggning")


def test_a_replayed_code_is_refused_by_the_provider_and_signs_no_one_in(production_server, provider):
    client, authorize = start(production_server)
    flow = client.cookies.get("sigill_oidc_flow")
    callback = at_provider(authorize)
    assert client.get(callback).status_code == 200
    # An attacker with the first answer and the (stolen) flow cookie tries the code again.
    with httpx.Client(base_url=production_server.url) as replay:
        replay.cookies.set("sigill_oidc_flow", flow, path="/logga-in/oidc")
        assert_refused(replay.get(callback), 400, "koden kan redan ha använts")


def test_a_denied_sign_in_is_a_page_that_says_so(production_server, provider):
    provider.state.deny = True
    client, authorize = start(production_server)
    assert_refused(client.get(at_provider(authorize)), 403, "avbröts eller nekades")


@pytest.mark.parametrize("tamper", ["wrong_nonce", "expired", "altered", "wrong_key", "wrong_audience",
                                    "wrong_issuer"])
def test_an_id_token_that_does_not_verify_signs_no_one_in(production_server, provider, tamper):
    provider.state.tamper = tamper
    client, response = sign_in(production_server)
    assert_refused(response, 400, "kunde inte verifieras")
    assert client.get("/arenden").status_code == 303


def test_an_account_without_an_agency_claim_is_told_why(production_server, provider):
    provider.state.user = {k: v for k, v in OIDC_USER.items() if k != "agency"}
    _, response = sign_in(production_server)
    assert_refused(response, 403, "saknar uppgift om aktör")


def test_sign_out_ends_the_session_here_and_at_the_provider(production_server, provider):
    client, landed = sign_in(production_server)
    page = client.get("/arenden").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    out = client.post("/logga-ut", data={"csrf": csrf})
    assert out.status_code == 303 and out.headers["location"].startswith(provider.issuer + "/logout?")
    assert any(h.startswith(f'{SESSION}=""') for h in out.headers.get_list("set-cookie"))
    back = httpx.get(out.headers["location"], follow_redirects=False).headers["location"]
    assert provider.state.logouts[-1]["post_logout_redirect_uri"] == production_server.url + "/utloggad"
    assert provider.state.logouts[-1]["id_token_hint"].count(".") == 2
    assert "Du är utloggad" in client.get(back).text
    assert client.get("/arenden").status_code == 303


def test_production_has_no_development_sign_in(production_server, provider, server):
    with httpx.Client(base_url=production_server.url, follow_redirects=False) as client:
        for method in ("GET", "POST"):
            missing = client.request(method, "/logga-in/utveckling")
            assert missing.status_code == 404 and "Sidan finns inte" in missing.text
        landing = client.get("/logga-in").text
        assert 'href="/logga-in/oidc"' in landing and 'name="user"' not in landing
        # A development token (from the embedded server's key) is no session here.
        dev = httpx.Client(base_url=server.url)
        csrf = re.search(r'name="csrf" value="([^"]+)"', dev.get("/logga-in").text).group(1)
        dev.post("/logga-in/utveckling", data={"csrf": csrf, "user": "soc-0180"})
        client.cookies.set(SESSION, dev.cookies[SESSION])
        assert client.get("/arenden").headers["location"] == "/logga-in?orsak=utgangen&tillbaka=%2Farenden"


def test_the_api_takes_the_issuers_tokens_with_keys_from_discovery(production_server, provider):
    now = int(time.time())
    claims = {"iss": provider.issuer, "aud": "sigill", "sub": "hsa-1", "name": "Kim", "agency": "socialtjanst",
              "municipality": "0180", "roles": ["caseworker"], "iat": now, "exp": now + 300}
    good = jwt.encode(claims, provider.state.key, algorithm="RS256", headers={"kid": KEY_ID})
    id_token_for_the_web = jwt.encode({**claims, "aud": CLIENT_ID}, provider.state.key, algorithm="RS256",
                                      headers={"kid": KEY_ID})
    with httpx.Client(base_url=production_server.url) as api:
        assert api.get("/api/v1/cases", headers={"Authorization": f"Bearer {good}"}).status_code == 200
        refused = api.get("/api/v1/cases", headers={"Authorization": f"Bearer {id_token_for_the_web}"})
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthenticated"


def test_a_provider_that_is_down_gives_a_page_not_a_500(postgres_server, tmp_path_factory):
    from tests.e2e.conftest import production_sigill
    from tests.oidc_provider import RunningProvider

    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens here
    with production_sigill(postgres_server, tmp_path_factory, nobody) as dead:
        client = httpx.Client(base_url=dead.url, follow_redirects=False)
        assert_refused(client.get("/logga-in/oidc"), 503, "svarar inte just nu")
    provider = RunningProvider(dict(OIDC_USER))
    with production_sigill(postgres_server, tmp_path_factory, provider.issuer) as sigill:
        client, authorize = start(sigill)
        callback = at_provider(authorize)
        provider.stop()  # gone between the authorize step and the token exchange
        assert_refused(client.get(callback), 503, "svarar inte just nu")


def test_an_evaluator_signs_in_to_the_statistics_and_its_api_token_reads_them_and_nothing_else(
        production_server, provider):
    """The provider's `roles` claim `evaluator` (Socialstyrelsen, a researcher given access), mapped as every role
    is: the web session lands on Statistik, with the municipality to choose; the API's token reads the statistics of
    any municipality and is refused the case list."""
    provider.state.user = {"sub": "sos-utv-1", "name": "Eva Utvärderare", "agency": "socialstyrelsen",
                           "roles": ["evaluator"]}
    client, landed = sign_in(production_server)
    assert landed.status_code == 200 and 'http-equiv="refresh" content="0; url=/statistik"' in landed.text
    page = client.get("/statistik")
    assert page.status_code == 200 and 'name="kommun"' in page.text and "Eva Utvärderare" in page.text
    assert client.get("/arenden").status_code == 403
    now = int(time.time())
    claims = {"iss": provider.issuer, "aud": "sigill", **provider.state.user, "iat": now, "exp": now + 300}
    token = {"Authorization": "Bearer " + jwt.encode(claims, provider.state.key, algorithm="RS256",
                                                       headers={"kid": KEY_ID})}
    with httpx.Client(base_url=production_server.url) as api:
        found = api.get("/api/v1/statistics", params={"municipality": "1480", "from": "2025-01-01",
                                                      "to": "2025-12-31"}, headers=token)   # a year that has ended
        assert found.status_code == 200 and found.json()["municipality"] == "1480"
        assert api.get("/api/v1/cases", headers=token).status_code == 403


def test_the_providers_keys_away_keep_the_session_and_answer_a_503_page_not_a_sign_out(postgres_server,
                                                                                      tmp_path_factory, monkeypatch):
    """An integration engineer's walk (2026-12-05): the provider's keys unfetchable was "the token is not valid" to
    the session's check, and the caseworker was signed out (every cookie deleted, to the sign-in page, *Din
    inloggning har gått ut*) — against the README's own rule that a provider that cannot be reached only postpones.
    A key fetched before still verifies; a server with none kept (started during the outage) answers a Swedish 503
    page that says to try again shortly, and keeps the session. A sign-in whose ID token cannot be checked for the
    same reason is the provider unreachable (503), not an ID token that "could not be verified" (400)."""
    from gateways import jwt_tokens
    from tests.e2e.conftest import production_sigill
    from tests.oidc_provider import RunningProvider

    monkeypatch.setattr(jwt_tokens, "RETRY_FETCH_AFTER_SECONDS", 1.0)   # the keys asked for again after a second
    provider = RunningProvider(dict(OIDC_USER))
    try:
        with production_sigill(postgres_server, tmp_path_factory, provider.issuer) as sigill:
            client, landed = sign_in(sigill)
            assert landed.status_code == 200, landed.text
            provider.state.keys_away = True
            assert client.get("/arenden").status_code == 200   # the key fetched at sign-in is kept
            token = client.cookies[SESSION]
        with production_sigill(postgres_server, tmp_path_factory, provider.issuer) as fresh:   # no key kept
            browser = httpx.Client(base_url=fresh.url, follow_redirects=False, cookies={SESSION: token})
            page = browser.get("/arenden")
            assert page.status_code == 503 and page.headers["Retry-After"] == "30", page.text
            assert "Inloggningstjänsten (identitetsleverantören) kan inte nås just nu" in page.text
            assert "Du är fortfarande inloggad" in page.text and 'lang="sv"' in page.text
            assert session_cookie(page) is None   # the session's cookie neither deleted nor replaced
            client, authorize = start(fresh)
            assert_refused(client.get(at_provider(authorize)), 503, "svarar inte just nu")
            provider.state.keys_away = False   # back: the same session is answered again, never having ended
            time.sleep(1.0)                    # once the keys are asked for again (not within a second of failing)
            assert browser.get("/arenden").status_code == 200
    finally:
        provider.stop()
