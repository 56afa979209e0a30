"""Renewing a production session with the provider's refresh token, and signing out cleanly when that fails.

The test provider issues an ID token that is already 90 % through its life
(``age``), so the first request after signing in is due for renewal.
"""

from __future__ import annotations

import base64
import time

import httpx

from services.web import renewal
from tests.e2e.test_oidc_sign_in import sign_in

OLD = 540  # seconds of the 600-second life already gone at sign-in: past the 80 % mark


def set_cookies(response: httpx.Response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}


def signed_in_due(production_server, provider) -> httpx.Client:
    provider.state.refresh_tokens, provider.state.age = True, OLD
    client, landed = sign_in(production_server)
    assert landed.status_code == 200 and "sigill_refresh" in client.cookies
    return client


def test_the_refresh_token_waits_sealed_in_an_httponly_strict_cookie(production_server, provider):
    provider.state.refresh_tokens = True
    client, landed = sign_in(production_server)
    header = set_cookies(landed)["sigill_refresh"]
    assert "HttpOnly" in header and "SameSite=strict" in header and "Path=/" in header
    value = client.cookies["sigill_refresh"]
    issued = next(iter(provider.state.refresh_tokens_issued))
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    assert issued not in value and issued.encode() not in raw
    key = renewal.refresh_key(production_server.settings.master_key_bytes())
    assert renewal.unseal(key, value) == issued
    assert client.get("/arenden").status_code == 200 and provider.state.refreshes == 0  # not due yet


def test_a_session_past_80_percent_is_renewed_on_the_next_request(production_server, provider):
    client = signed_in_due(production_server, provider)
    old_session, old_refresh = client.cookies["sigill_session"], client.cookies["sigill_refresh"]
    answer = client.get("/arenden")
    assert answer.status_code == 200 and "Maja Handläggare" in answer.text
    assert provider.state.refreshes == 1
    cookies = set_cookies(answer)
    assert "HttpOnly" in cookies["sigill_session"] and "SameSite=strict" in cookies["sigill_session"]
    assert client.cookies["sigill_session"] != old_session and client.cookies["sigill_refresh"] != old_refresh
    assert not renewal.due(client.cookies["sigill_session"])  # a fresh token: its own 600 seconds
    assert client.get("/arenden").status_code == 200 and provider.state.refreshes == 1  # once, not per request


def test_requests_together_share_one_renewal_of_a_rotating_refresh_token(production_server, provider):
    client = signed_in_due(production_server, provider)
    cookies = dict(client.cookies)
    # A second tab's request with the same (now spent) refresh token, as if it had been in flight together.
    with httpx.Client(base_url=production_server.url, follow_redirects=False, cookies=cookies) as tab:
        assert client.get("/arenden").status_code == 200
        assert tab.get("/arenden").status_code == 200
    assert provider.state.refreshes == 1


def test_a_refused_renewal_signs_out_cleanly_to_the_sign_in_page(production_server, provider):
    client = signed_in_due(production_server, provider)
    provider.state.refuse_refresh = True
    answer = client.get("/arenden?fas=active", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/logga-in?orsak=fornyelse&tillbaka=%2Farenden%3Ffas%3Dactive"
    cleared = set_cookies(answer)
    for name in ("sigill_session", "sigill_refresh", "sigill_csrf", "sigill_purpose"):
        assert cleared[name].startswith(f'{name}=""'), name  # nothing of the session kept
    assert not client.cookies.get("sigill_session") and not client.cookies.get("sigill_refresh")
    page = client.get(answer.headers["location"])
    assert page.status_code == 200 and "Din inloggning kunde inte förnyas" in page.text
    assert client.get("/arenden", follow_redirects=False).headers["location"] == "/logga-in?tillbaka=%2Farenden"


def test_a_renewed_id_token_that_does_not_verify_signs_out(production_server, provider):
    client = signed_in_due(production_server, provider)
    provider.state.tamper = "wrong_audience"  # the refreshed token is for another client
    answer = client.get("/arenden", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/logga-in?orsak=fornyelse")


def test_an_altered_refresh_cookie_signs_out_rather_than_renewing(production_server, provider):
    client = signed_in_due(production_server, provider)
    value = client.cookies["sigill_refresh"]
    client.cookies.set("sigill_refresh", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    answer = client.get("/arenden", follow_redirects=False)
    assert answer.headers["location"].startswith("/logga-in?orsak=fornyelse") and provider.state.refreshes == 0


def test_an_unreachable_provider_postpones_the_renewal_while_the_token_is_good(production_server, provider,
                                                                              monkeypatch):
    client = signed_in_due(production_server, provider)
    from gateways.oidc_client import OidcClient
    from services.identity_provider import SignInFailed

    def unreachable(self, **_):  # the token endpoint down for a moment
        raise SignInFailed("unreachable", "token endpoint unreachable")

    monkeypatch.setattr(OidcClient, "refresh", unreachable)
    assert client.get("/arenden").status_code == 200 and provider.state.refreshes == 0
    monkeypatch.undo()
    assert client.get("/arenden").status_code == 200 and provider.state.refreshes == 1


def test_without_a_refresh_token_the_session_ends_with_its_id_token(production_server, provider):
    provider.state.age = OLD
    client, _ = sign_in(production_server)
    assert "sigill_refresh" not in client.cookies
    assert client.get("/arenden").status_code == 200 and provider.state.refreshes == 0
    assert renewal.due(client.cookies["sigill_session"], now=time.time())
