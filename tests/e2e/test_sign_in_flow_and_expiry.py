"""Sign-in over real HTTP: the sealed flow cookie, an expired session's way back, and both sign-ins in development.

Sigill runs in production mode (and once in development mode with an issuer)
against the test OIDC provider (tests/oidc_provider.py); every step is a real request.
"""

from __future__ import annotations

import base64
import os
import re
import time
from urllib.parse import parse_qs, quote, urlsplit
from uuid import uuid4

import httpx
import jwt
import pytest

from gateways.embedded_postgres import create_database
from gateways.jwt_tokens import DevTokens
from services.settings import Settings
from services.web import oidc
from tests.e2e.conftest import OIDC_USER, _serve_sigill
from tests.e2e.test_oidc_sign_in import assert_refused, at_provider, session_cookie, start
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, KEY_ID

FLOW = "sigill_oidc_flow"
EXPIRED_TEXT = "Din inloggning har gått ut"


def server_flow_key(served) -> bytes:
    return oidc.flow_key(served.settings.master_key_bytes())


def with_flow(served, value: str) -> httpx.Client:
    client = httpx.Client(base_url=served.url, follow_redirects=False)
    client.cookies.set(FLOW, value, path=oidc.FLOW_PATH)
    return client


def state_of(callback: str) -> str:
    return parse_qs(urlsplit(callback).query)["state"][0]


def destination_of(landed: httpx.Response) -> str:
    assert landed.status_code == 200, landed.text
    return re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', landed.text).group(1).replace("&amp;", "&")


# --- the flow cookie ------------------------------------------------------------------------------------------

def test_the_flow_cookie_hides_the_verifier_and_is_httponly_lax_scoped_and_short_lived(production_server, provider):
    client = httpx.Client(base_url=production_server.url, follow_redirects=False)
    answer = client.get("/logga-in/oidc")
    header = next(h for h in answer.headers.get_list("set-cookie") if h.startswith(f"{FLOW}="))
    assert "HttpOnly" in header and "SameSite=lax" in header and "Path=/logga-in/oidc" in header
    assert "Max-Age=600" in header
    value, query = client.cookies[FLOW], parse_qs(urlsplit(answer.headers["location"]).query)
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    for sent in (query["state"][0], query["nonce"][0]):  # what the provider saw is not in the cookie either
        assert sent not in value and sent.encode() not in raw
    # Opened with the server's key, it is the flow whose challenge went to the provider.
    flow = oidc.unseal(server_flow_key(production_server), value)
    assert flow is not None and flow.challenge == query["code_challenge"][0] and flow.verifier.encode() not in raw


def test_a_tampered_flow_cookie_is_refused_like_a_bad_state(production_server, provider):
    client, authorize = start(production_server)
    value = client.cookies[FLOW]
    middle = len(value) // 2
    tampered = value[:middle] + ("A" if value[middle] != "A" else "B") + value[middle + 1:]
    assert_refused(with_flow(production_server, tampered).get(at_provider(authorize)), 400,
                   "hör inte till en inloggning")


def test_a_flow_cookie_forged_under_another_key_is_refused(production_server, provider):
    # The attacker knows everything in the flow (even the state the provider returns), but not the server's key.
    client, authorize = start(production_server)
    real = oidc.unseal(server_flow_key(production_server), client.cookies[FLOW])
    callback = at_provider(authorize)
    forged = oidc.seal(oidc.flow_key(os.urandom(32)), real)
    assert_refused(with_flow(production_server, forged).get(callback), 400, "hör inte till en inloggning")
    # The same flow sealed with the server's key is accepted: the key is what was refused, not the flow.
    assert session_cookie(with_flow(production_server, oidc.seal(server_flow_key(production_server), real))
                          .get(callback)) is not None


def test_a_flow_cookie_older_than_ten_minutes_is_refused(production_server, provider):
    client, authorize = start(production_server)
    key = server_flow_key(production_server)
    flow = oidc.unseal(key, client.cookies[FLOW])
    stale = oidc.seal(key, flow, now=time.time() - oidc.FLOW_SECONDS - 5)  # the browser kept it past max-age
    assert_refused(with_flow(production_server, stale).get(at_provider(authorize)), 400,
                   "hör inte till en inloggning")


# --- an expired session ---------------------------------------------------------------------------------------

def expired_id_token(provider) -> str:
    """A genuine ID token of the issuer for this client, whose life ended an hour ago."""
    now = int(time.time())
    claims = {**OIDC_USER, "iss": provider.issuer, "aud": CLIENT_ID, "iat": now - 7200, "exp": now - 3600}
    return jwt.encode(claims, provider.state.key, algorithm="RS256", headers={"kid": KEY_ID})


def test_an_expired_session_is_sent_to_sign_in_with_a_message_and_comes_back(production_server, provider):
    client = httpx.Client(base_url=production_server.url, follow_redirects=False)
    client.cookies.set("sigill_session", expired_id_token(provider))
    asked = "/arenden?fas=active"   # a filter the list offers (an unknown one is 422 since 2026-12-05)
    answer = client.get(asked)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/logga-in?orsak=utgangen&tillbaka={quote(asked, safe='')}"
    cleared = [h for h in answer.headers.get_list("set-cookie") if h.startswith("sigill_session=")]
    assert cleared and cleared[0].startswith('sigill_session=""')  # nothing of the old session kept
    page = client.get(answer.headers["location"])
    assert page.status_code == 200 and EXPIRED_TEXT in page.text and 'lang="sv"' in page.text
    link = re.search(r'href="(/logga-in/oidc[^"]*)"', page.text).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(link).query)["tillbaka"] == [asked]
    # Signing in again lands on the page the browser was on, signed in.
    started = client.get(link)
    landed = client.get(at_provider(started.headers["location"]))
    assert destination_of(landed) == asked and session_cookie(landed)
    assert client.get(asked).status_code == 200


def test_a_browser_that_was_never_signed_in_sees_no_expiry_message(production_server, provider):
    with httpx.Client(base_url=production_server.url, follow_redirects=False) as client:
        answer = client.get("/granskning")
        assert answer.headers["location"] == "/logga-in?tillbaka=%2Fgranskning"
        assert EXPIRED_TEXT not in client.get(answer.headers["location"]).text


@pytest.mark.parametrize("back", ["//evil.example/stjal", "https://evil.example/", "/\\evil.example",
                                  "/\t/evil.example", "javascript:alert(1)", "/logga-in/oidc"])
def test_the_return_path_never_leads_to_another_site(production_server, provider, back):
    client = httpx.Client(base_url=production_server.url, follow_redirects=False)
    page = client.get("/logga-in", params={"tillbaka": back, "orsak": "utgangen"}).text
    assert "evil" not in page and "javascript:" not in page and 'href="/logga-in/oidc"' in page
    started = client.get("/logga-in/oidc", params={"tillbaka": back})
    assert destination_of(client.get(at_provider(started.headers["location"]))) == "/arenden"


def test_the_development_sign_in_returns_to_the_page_and_refuses_other_sites(server):
    client = httpx.Client(base_url=server.url, follow_redirects=False)
    key = DevTokens(server.settings.data_dir)
    stale = key.issue(subject="dev-skola", name="Skola", agency="skola", roles=["member"], lifetime=-3600)
    client.cookies.set("sigill_session", stale)
    answer = client.get("/arenden")
    assert answer.headers["location"] == "/logga-in?orsak=utgangen&tillbaka=%2Farenden"
    page = client.get(answer.headers["location"]).text
    assert EXPIRED_TEXT in page and 'name="tillbaka" value="/arenden"' in page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    signed_in = client.post("/logga-in/utveckling", data={"csrf": csrf, "user": "skola", "tillbaka": "/arenden"})
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/arenden"
    for back in ("//evil.example", "https://evil.example", "/\\evil.example"):
        again = client.post("/logga-in/utveckling", data={"csrf": _form_token(client), "user": "skola",
                                                          "tillbaka": back})
        assert again.status_code == 303 and again.headers["location"] == "/arenden", back
    # A rejected form keeps the return path.
    rejected = client.post("/logga-in/utveckling", data={"csrf": _form_token(client), "tillbaka": "/granskning"})
    assert rejected.status_code == 422 and 'name="tillbaka" value="/granskning"' in rejected.text


def _form_token(client: httpx.Client) -> str:
    """The CSRF token the sign-in page's form carries now (bound to the browser's cookie and its user)."""
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/logga-in").text).group(1)


# --- development mode with an issuer: both sign-ins -----------------------------------------------------------

@pytest.fixture(scope="module")
def development_with_oidc(postgres_server, running_provider, tmp_path_factory):
    """Sigill in development mode, with the test provider configured as its issuer."""
    location = create_database(postgres_server, f"e2e_devoidc_{uuid4().hex[:10]}")
    settings = Settings(data_dir=tmp_path_factory.mktemp("devoidc"), master_key=base64.b64encode(os.urandom(32))
                        .decode(), oidc_issuer=running_provider.issuer, oidc_client_id=CLIENT_ID,
                        oidc_client_secret=CLIENT_SECRET)
    yield from _serve_sigill(settings, location)


def test_development_with_an_issuer_offers_both_sign_ins_and_both_work(development_with_oidc, provider):
    client = httpx.Client(base_url=development_with_oidc.url, follow_redirects=False)
    page = client.get("/logga-in").text
    assert 'href="/logga-in/oidc"' in page and "Logga in med organisationens inloggning" in page
    assert 'name="user"' in page and 'action="/logga-in/utveckling"' in page
    started = client.get("/logga-in/oidc")
    assert started.headers["location"].startswith(provider.issuer + "/authorize?")
    landed = client.get(at_provider(started.headers["location"]))
    assert destination_of(landed) == "/arenden" and "Maja Handläggare" in client.get("/arenden").text
    dev = httpx.Client(base_url=development_with_oidc.url, follow_redirects=False)
    csrf = re.search(r'name="csrf" value="([^"]+)"', dev.get("/logga-in").text).group(1)
    assert dev.post("/logga-in/utveckling", data={"csrf": csrf, "user": "skola"}).status_code == 303
    assert dev.get("/arenden").status_code == 200


def test_production_offers_only_the_issuers_sign_in(production_server, provider):
    with httpx.Client(base_url=production_server.url, follow_redirects=False) as client:
        page = client.get("/logga-in").text
        assert 'href="/logga-in/oidc"' in page and "Logga in med organisationens inloggning" in page
        assert 'name="user"' not in page and "/logga-in/utveckling" not in page and "Utvecklingsläge" not in page
