"""The issuer's discovery document over real HTTP (the test provider): fetched, checked, cached, kept through an outage."""

from __future__ import annotations

import time

import pytest

from gateways.jwt_tokens import Discovery, ProviderUnreachable
from tests.oidc_provider import KEY_ID, RunningProvider, new_key
from tests.servers import free_port


def test_the_document_is_fetched_once_and_kept_when_the_provider_goes_away():
    provider = RunningProvider({"sub": "x", "agency": "skola"})
    discovery = Discovery(provider.issuer, lifespan=0)   # always stale: every call tries to refresh
    assert discovery.endpoint("token_endpoint") == provider.issuer + "/token"
    assert discovery.jwks_client().uri == provider.issuer + "/jwks"
    provider.stop()
    assert discovery.endpoint("authorization_endpoint") == provider.issuer + "/authorize"   # the last good one


def test_a_cached_document_is_not_fetched_again_within_its_lifespan():
    provider = RunningProvider({"sub": "x", "agency": "skola"})
    try:
        discovery = Discovery(provider.issuer)
        for _ in range(5):
            discovery.endpoint("jwks_uri")
        assert provider.state.discovery_fetches == 1
    finally:
        provider.stop()


def test_a_provider_that_never_answered_is_unreachable():
    with pytest.raises(ProviderUnreachable):
        Discovery(f"http://127.0.0.1:{free_port()}").document()


def test_a_document_naming_another_issuer_is_refused():
    provider = RunningProvider({"sub": "x", "agency": "skola"})
    try:
        with pytest.raises(ProviderUnreachable, match="another issuer"):
            Discovery(provider.issuer + "/").document()    # the document says the issuer without the slash
    finally:
        provider.stop()


def _token(issuer: str, key, kid: str = KEY_ID, audience: str = "sigill") -> str:
    import time

    import jwt

    return jwt.encode({"iss": issuer, "aud": audience, "sub": "hsa-1", "agency": "skola", "exp": int(time.time()) + 60},
                      key, algorithm="RS256", headers={"kid": kid})


def test_keys_that_cannot_be_fetched_are_the_provider_unavailable_not_a_token_refused():
    """The discovery document kept, the JWKS never fetched before the provider went away: whether a token is valid
    cannot be told (IdentityProviderUnavailable: the API's 503), where it was AuthenticationFailed (a 401, "get a new
    token", from the provider that is away). A token that is no JWT at all is refused whatever the provider does."""
    from gateways.jwt_tokens import JwtVerifier
    from services.principals import AuthenticationFailed, IdentityProviderUnavailable

    provider = RunningProvider({"sub": "x", "agency": "skola"})
    discovery = Discovery(provider.issuer)
    discovery.document()
    provider.stop()
    verifier = JwtVerifier(provider.issuer, "sigill", discovery=discovery)
    with pytest.raises(IdentityProviderUnavailable, match="/jwks"):
        verifier.verify(_token(provider.issuer, provider.state.key))
    with pytest.raises(AuthenticationFailed, match="not a JWT"):
        verifier.verify("not-a-jwt")


def test_a_jwks_address_answering_something_not_json_is_the_provider_unavailable_not_a_500():
    """A proxy's maintenance page in the JWKS's place (200, HTML): PyJWT's client let the JSON error through, and
    every request was a 500."""
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse
    from cryptography.hazmat.primitives.asymmetric import rsa

    from gateways.jwt_tokens import JwtVerifier
    from services.principals import IdentityProviderUnavailable
    from tests.servers import serve_in_thread

    maintenance = FastAPI()
    maintenance.get("/jwks")(lambda: HTMLResponse("<html>Underhåll pågår</html>"))
    port = free_port()
    server, thread = serve_in_thread(maintenance, port, "maintenance-page")
    try:
        issuer = f"http://127.0.0.1:{port}"
        verifier = JwtVerifier(issuer, "sigill", jwks_url=issuer + "/jwks")
        with pytest.raises(IdentityProviderUnavailable, match="JSONDecodeError"):
            verifier.verify(_token(issuer, rsa.generate_private_key(65537, 2048)))
    finally:
        server.should_exit = True
        thread.join(10)


def test_a_renewal_whose_id_token_cannot_be_checked_for_the_keys_is_postponed_not_refused():
    """The web's renewal: the provider answers the refresh, but its keys cannot be fetched to check the new ID
    token. That was SignInFailed("token") — a renewal refused, the caseworker signed out — where the README says a
    provider that cannot be reached only postpones the renewal: it is "unreachable" now."""
    from gateways.oidc_client import OidcClient
    from services.identity_provider import SignInFailed
    from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET

    provider = RunningProvider({"sub": "x", "agency": "skola"})
    try:
        provider.state.refresh_tokens_issued["a-refresh-token"] = {"sub": "x", "agency": "skola"}
        provider.state.keys_away = True
        with pytest.raises(SignInFailed) as failed:
            OidcClient(provider.issuer, CLIENT_ID, CLIENT_SECRET).refresh(refresh_token="a-refresh-token",
                                                                          subject="x")
        assert failed.value.reason == "unreachable" and provider.state.refreshes == 1
    finally:
        provider.stop()


@pytest.fixture
def short_waits(monkeypatch):
    """The fetch's timeout and the no-retry window made short, so that a test waits them out in a second."""
    from gateways import jwt_tokens

    monkeypatch.setattr(jwt_tokens, "HTTP_TIMEOUT_SECONDS", 0.3)
    monkeypatch.setattr(jwt_tokens, "RETRY_FETCH_AFTER_SECONDS", 1.0)
    return 1.0


def test_a_provider_that_hangs_is_asked_once_and_then_answered_unavailable_at_once_until_the_window_passes(
        short_waits):
    """A provider that hangs rather than refuses held every request for the fetch's whole timeout, one after another
    behind the discovery's lock, and was asked again by each: after a failed fetch, none is tried for a few seconds
    and the caller is told at once; then one is tried again."""
    import time

    from tests.servers import SilentServer

    hanging = SilentServer()
    try:
        discovery = Discovery(hanging.url)
        with pytest.raises(ProviderUnreachable, match="TimeoutError"):
            discovery.document()
        assert hanging.connections == 1
        started = time.monotonic()
        for _ in range(5):
            with pytest.raises(ProviderUnreachable, match="not tried again yet"):
                discovery.document()
        assert hanging.connections == 1 and time.monotonic() - started < 0.3
        time.sleep(short_waits)
        with pytest.raises(ProviderUnreachable, match="TimeoutError"):
            discovery.document()
        assert hanging.connections == 2
    finally:
        hanging.close()


def test_a_document_that_could_not_be_fetched_is_fetched_again_after_the_window_and_serves(short_waits):
    import time

    provider = RunningProvider({"sub": "x", "agency": "skola"})
    try:
        provider.state.discovery_away = True
        discovery = Discovery(provider.issuer)
        with pytest.raises(ProviderUnreachable, match="answered 503"):
            discovery.document()
        provider.state.discovery_away = False
        with pytest.raises(ProviderUnreachable, match="not tried again yet"):   # back, but not asked yet
            discovery.document()
        assert provider.state.discovery_fetches == 1
        time.sleep(short_waits)
        assert discovery.endpoint("token_endpoint") == provider.issuer + "/token"
        assert provider.state.discovery_fetches == 2
    finally:
        provider.stop()


def test_a_stale_document_is_served_without_asking_again_within_the_window_after_a_failed_refresh(short_waits):
    provider = RunningProvider({"sub": "x", "agency": "skola"})
    try:
        discovery = Discovery(provider.issuer, lifespan=0)   # always stale: every call may refresh
        discovery.document()
        provider.state.discovery_away = True
        for _ in range(3):
            assert discovery.endpoint("token_endpoint") == provider.issuer + "/token"   # the last good one
        assert provider.state.discovery_fetches == 2   # the first, and one failed refresh
    finally:
        provider.stop()


@pytest.mark.parametrize("keys_from", ["discovery", "jwks_url"])
def test_keys_from_a_provider_that_hangs_are_asked_for_once_within_the_window(short_waits, keys_from):
    """The JWKS the same: PyJWKClient fetched again for every request (behind its lock), and a configured JWKS URL
    waited PyJWKClient's default 30 s for an answer, not HTTP_TIMEOUT_SECONDS as the discovery's keys did."""
    import time

    from cryptography.hazmat.primitives.asymmetric import rsa

    from gateways.jwt_tokens import JwtVerifier
    from services.principals import IdentityProviderUnavailable
    from tests.servers import SilentServer

    hanging = SilentServer()
    provider = RunningProvider({"sub": "x", "agency": "skola"}) if keys_from == "discovery" else None
    try:
        if provider is not None:   # a document naming the hanging JWKS address
            provider.state.jwks_uri = hanging.url + "/jwks"
            verifier = JwtVerifier(provider.issuer, "sigill", discovery=Discovery(provider.issuer))
            issuer = provider.issuer
        else:
            issuer = hanging.url
            verifier = JwtVerifier(issuer, "sigill", jwks_url=hanging.url + "/jwks")
        token = _token(issuer, rsa.generate_private_key(65537, 2048))
        started = time.monotonic()
        with pytest.raises(IdentityProviderUnavailable, match="/jwks"):
            verifier.verify(token)
        assert time.monotonic() - started < 3   # HTTP_TIMEOUT_SECONDS (0.3 here), not 30 s
        assert hanging.connections == 1
        for _ in range(5):
            with pytest.raises(IdentityProviderUnavailable, match="not tried again yet"):
                verifier.verify(token)
        assert hanging.connections == 1
        time.sleep(short_waits)
        with pytest.raises(IdentityProviderUnavailable, match="/jwks"):
            verifier.verify(token)
        assert hanging.connections == 2
    finally:
        hanging.close()
        if provider is not None:
            provider.stop()


def test_keys_that_could_not_be_fetched_are_fetched_again_after_the_window_and_then_kept(short_waits):
    import time

    from gateways.jwt_tokens import JwtVerifier
    from services.principals import IdentityProviderUnavailable

    provider = RunningProvider({"sub": "x", "agency": "skola"})
    try:
        verifier = JwtVerifier(provider.issuer, "sigill", discovery=Discovery(provider.issuer))
        token = _token(provider.issuer, provider.state.key)
        provider.state.keys_away = True
        with pytest.raises(IdentityProviderUnavailable):
            verifier.verify(token)
        provider.state.keys_away = False
        with pytest.raises(IdentityProviderUnavailable, match="not tried again yet"):
            verifier.verify(token)
        assert provider.state.jwks_fetches == 1
        time.sleep(short_waits)
        assert verifier.verify(token).subject == "hsa-1"
        assert provider.state.jwks_fetches == 2
        provider.state.keys_away = True   # away again: the key found is kept, no fetch
        assert verifier.verify(token).subject == "hsa-1" and provider.state.jwks_fetches == 2
    finally:
        provider.stop()


def test_a_jwks_address_that_resets_the_connection_is_the_provider_unavailable_not_a_500():
    """PyJWKClient lets a connection reset before the answer through as it is (ConnectionResetError): a 500."""
    import socket
    import struct
    import threading

    from cryptography.hazmat.primitives.asymmetric import rsa

    from gateways.jwt_tokens import JwtVerifier
    from services.principals import IdentityProviderUnavailable

    listener = socket.create_server(("127.0.0.1", 0))

    def reset():
        connection, _ = listener.accept()
        connection.recv(65536)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))   # RST, not FIN
        connection.close()

    threading.Thread(target=reset, daemon=True).start()
    issuer = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        verifier = JwtVerifier(issuer, "sigill", jwks_url=issuer + "/jwks")
        with pytest.raises(IdentityProviderUnavailable, match="ConnectionResetError"):
            verifier.verify(_token(issuer, rsa.generate_private_key(65537, 2048)))
    finally:
        listener.close()


def test_a_token_endpoint_that_hangs_postpones_the_next_renewals_at_once_until_the_window_passes(short_waits):
    """A session due for renewal asks on every request, and one that cannot reach the token endpoint is postponed:
    a token endpoint that hangs held each of those requests for the fetch's timeout (with the shared renewal's lock
    and database connection) and was asked again by each. A sign-in's code, asked for once, is always tried."""
    import time

    from gateways.oidc_client import OidcClient
    from services.identity_provider import SignInFailed
    from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET
    from tests.servers import SilentServer

    hanging = SilentServer()
    provider = RunningProvider({"sub": "x", "agency": "skola"})
    try:
        provider.state.token_endpoint = hanging.url + "/token"
        client = OidcClient(provider.issuer, CLIENT_ID, CLIENT_SECRET)

        def renewal_postponed() -> str:
            with pytest.raises(SignInFailed) as failed:
                client.refresh(refresh_token="a-refresh-token", subject="x")
            assert failed.value.reason == "unreachable"
            return str(failed.value)

        renewal_postponed()
        assert hanging.connections == 1
        for _ in range(5):
            assert "not tried again yet" in renewal_postponed()
        assert hanging.connections == 1
        with pytest.raises(SignInFailed) as sign_in:
            client.redeem(code="a-code", code_verifier="v", redirect_uri="http://127.0.0.1/cb", nonce="n")
        assert sign_in.value.reason == "unreachable" and hanging.connections == 2
        time.sleep(short_waits)
        renewal_postponed()
        assert hanging.connections == 3
    finally:
        hanging.close()
        provider.stop()


# --- A key the provider drops from its JWKS (rotated out, as after a compromise) --------------------------------------

@pytest.fixture
def short_lifespan(monkeypatch):
    """The key set's lifespan and the no-retry window made short, so that a test waits them out in a second."""
    from gateways import jwt_tokens

    monkeypatch.setattr(jwt_tokens, "CACHE_SECONDS", 1.0)
    monkeypatch.setattr(jwt_tokens, "RETRY_FETCH_AFTER_SECONDS", 1.0)
    return 1.1


def _verify_with_keys_from(provider: RunningProvider, keys_from: str):
    """verify(token signed with key under kid) -> the principal, by the API's verifier with its keys from the
    discovery document or a configured JWKS URL, or by the web's session check (an ID token, for the client id)."""
    from gateways.jwt_tokens import JwtVerifier
    from gateways.oidc_client import OidcClient
    from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET

    issuer = provider.issuer
    if keys_from == "web_session":
        client = OidcClient(issuer, CLIENT_ID, CLIENT_SECRET)
        return lambda key, kid: client.session_principal(_token(issuer, key, kid, audience=CLIENT_ID))
    verifier = (JwtVerifier(issuer, "sigill", discovery=Discovery(issuer)) if keys_from == "discovery"
                else JwtVerifier(issuer, "sigill", jwks_url=issuer + "/jwks"))
    return lambda key, kid: verifier.verify(_token(issuer, key, kid))


@pytest.mark.parametrize("keys_from", ["discovery", "jwks_url", "web_session"])
def test_a_key_the_provider_drops_is_refused_once_the_set_is_fetched_again(short_lifespan, keys_from):
    """An operator who rotates a compromised key out of the provider's JWKS expects it refused within minutes: a key
    once fetched was kept, and trusted, until the worker restarted. Within the set's lifespan (CACHE_SECONDS) the
    dropped key still verifies — the set is not fetched for every request, which is what keeps the provider's load
    and an outage away from each request; once the lifespan has passed the set is fetched again, and the key not in
    it is refused as unknown to the issuer (the API's 401), while the key that replaced it came with that fetch."""
    from services.principals import AuthenticationFailed

    provider = RunningProvider({"sub": "x", "agency": "skola"})
    try:
        verify, state = _verify_with_keys_from(provider, keys_from), provider.state
        replacement = new_key()   # made before the set is fetched: not within its lifespan, which the next check needs
        assert verify(state.key, state.kid).subject == "hsa-1"
        dropped_kid = state.kid
        dropped = state.rotate(replacement)
        assert verify(dropped, dropped_kid).subject == "hsa-1" and state.jwks_fetches == 1   # not asked yet
        time.sleep(short_lifespan)
        with pytest.raises(AuthenticationFailed, match="^the token's signing key is unknown to the issuer$"):
            verify(dropped, dropped_kid)
        assert state.jwks_fetches == 2
        assert verify(state.key, state.kid).subject == "hsa-1"
        with pytest.raises(AuthenticationFailed, match="unknown to the issuer"):   # not asked again for it at once
            verify(dropped, dropped_kid)
        assert state.jwks_fetches == 2
    finally:
        provider.stop()


@pytest.mark.parametrize("keys_from", ["discovery", "jwks_url", "web_session"])
def test_a_failed_refresh_keeps_the_last_good_set_until_one_succeeds(short_lifespan, keys_from):
    """The provider away when the set is due: the keys of the last good fetch keep verifying ("a short outage does
    not sign everybody out"), the set asked for again only after RETRY_FETCH_AFTER_SECONDS; the first successful
    fetch after it drops the key the provider rotated out meanwhile."""
    from services.principals import AuthenticationFailed

    provider = RunningProvider({"sub": "x", "agency": "skola"})
    try:
        verify, state = _verify_with_keys_from(provider, keys_from), provider.state
        dropped_kid = state.kid
        assert verify(state.key, dropped_kid).subject == "hsa-1"
        dropped = state.rotate()
        state.keys_away = True
        time.sleep(short_lifespan)
        assert verify(dropped, dropped_kid).subject == "hsa-1"   # the refresh failed: the last good set answers
        assert state.jwks_fetches == 2
        assert verify(dropped, dropped_kid).subject == "hsa-1" and state.jwks_fetches == 2   # within the window
        state.keys_away = False
        time.sleep(short_lifespan)
        with pytest.raises(AuthenticationFailed, match="unknown to the issuer"):
            verify(dropped, dropped_kid)
        assert state.jwks_fetches == 3
    finally:
        provider.stop()


@pytest.mark.parametrize("answer", [{"keys": []}, {}, [], {"keys": [{"kty": "RSA", "kid": "broken"}]}])
def test_a_jwks_answer_with_no_signing_key_is_a_failed_refresh_not_a_rotation(short_lifespan, answer):
    """A JWKS address answering a set without a usable signing key (a misconfigured proxy, a provider mid-restart)
    is the provider's fault: the kept set answers through it, and with none kept it is the provider unavailable
    (the API's 503, send the same token again) — it was a 401, "get a new token", which does not help."""
    from services.principals import IdentityProviderUnavailable

    provider = RunningProvider({"sub": "x", "agency": "skola"})
    try:
        verify, state = _verify_with_keys_from(provider, "discovery"), provider.state
        assert verify(state.key, state.kid).subject == "hsa-1"
        state.jwks_answer = answer
        time.sleep(short_lifespan)
        assert verify(state.key, state.kid).subject == "hsa-1" and state.jwks_fetches == 2
        with pytest.raises(IdentityProviderUnavailable, match="holds no signing key"):
            _verify_with_keys_from(provider, "jwks_url")(state.key, state.kid)
    finally:
        provider.stop()
