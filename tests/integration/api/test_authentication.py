"""Sign-in: only a valid token from the configured issuer, for this audience, unexpired and unaltered, gets in."""

from __future__ import annotations

import base64
import json
import os
import time

import pytest

from gateways.jwt_tokens import DEV_KEY_ID, DevTokens
from tests.oidc_provider import KEY_ID
from tests.integration.api.flows import REFERRAL
from services.bootstrap.sign_in import build_token_verifier
from services.settings import ConfigurationError, Settings


def status(client, token: str) -> tuple[int, str]:
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json().get("error", {}).get("message", "")


def issue(users, **overrides) -> str:
    claims = dict(subject="u1", name="Kim", agency="skola", roles=["member"])
    return users.tokens.issue(**{**claims, **overrides})


def test_a_valid_token_names_the_user(client, users):
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {issue(users)}"})
    assert response.json() == {"subject": "u1", "name": "Kim", "agency": "skola", "roles": ["member"],
                               "municipality": None}


def test_no_token_is_401_with_a_bearer_challenge(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "bearer"])
def test_an_authorization_header_without_a_bearer_token_is_401(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401 and response.json()["error"]["message"].startswith("sign in")


def test_the_scheme_name_is_case_insensitive(client, users):
    response = client.get("/api/v1/me", headers={"Authorization": f"bearer {issue(users)}"})
    assert response.status_code == 200 and response.json()["subject"] == "u1"


@pytest.mark.parametrize("problem, token_of, message", [
    ("expired", lambda u: issue(u, now=time.time() - 10 * 3600, lifetime=3600), "expired"),
    ("wrong issuer", lambda u: issue(u, issuer="https://evil.example"), "another issuer"),
    ("wrong audience", lambda u: issue(u, audience="another-app"), "another audience"),
    ("altered claims", lambda u: _altered(issue(u)), "not valid"),
    ("another key", lambda u: _other_key(u), "not valid"),
    ("not a JWT", lambda u: "hello", "not a JWT"),
])
def test_a_bad_token_is_refused_with_401(client, users, tmp_path, problem, token_of, message):
    code, text = status(client, token_of(users))
    assert code == 401 and message in text


def _altered(token: str) -> str:
    import base64
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["agency"] = "socialtjanst"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


def _other_key(users) -> str:
    import tempfile
    from pathlib import Path
    return DevTokens(Path(tempfile.mkdtemp())).issue(subject="u1", name="Kim", agency="skola", roles=["member"])


def test_production_refuses_development_sign_in(tmp_path, master_key):
    settings = Settings(environment="production", data_dir=tmp_path, master_key=master_key,
                        database_url="postgresql://x@localhost/x",
                        ledger_key=base64.b64encode(os.urandom(32)).decode())   # a key of its own (settings.check)
    with pytest.raises(ConfigurationError, match="SIGILL_OIDC"):
        settings.check()
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(DevTokens(tmp_path).jwks()))
    configured = settings.model_copy(update={"oidc_issuer": "https://idp.example", "oidc_jwks": str(jwks)})
    with pytest.raises(ConfigurationError, match="development key"):
        build_token_verifier(configured)
    assert DEV_KEY_ID in jwks.read_text()


def test_production_verifies_tokens_of_the_configured_issuer(tmp_path, master_key):
    from cryptography.hazmat.primitives.asymmetric import ec
    import jwt

    key = ec.generate_private_key(ec.SECP256R1())
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [{**public, "kid": "idp-1"}]}))
    settings = Settings(environment="production", data_dir=tmp_path, master_key=master_key,
                        oidc_issuer="https://idp.example", oidc_audience="sigill", oidc_jwks=str(tmp_path / "jwks.json"))
    verifier = build_token_verifier(settings)
    token = jwt.encode({"iss": "https://idp.example", "aud": "sigill", "sub": "hsa-123", "name": "Kim",
                        "agency": "polis", "roles": ["member"], "exp": int(time.time()) + 60}, key,
                       algorithm="ES256", headers={"kid": "idp-1"})
    assert verifier.verify(token).agency == "polis"


def test_a_sign_in_naming_an_unknown_municipality_or_agency_is_told_which_claim(client, users):
    """The claims are the identity provider's, not the request's: a 403 naming the claim, not a 422 on a field
    the client never sent, nor a pointer to a feed that does not exist."""
    unknown_place = users.headers("skola", "member", "9999")
    for path in ("/api/v1/cases", "/api/v1/feeds/skola"):
        response = client.get(path, headers=unknown_place)
        assert response.status_code == 403 and "municipality claim" in response.text, (path, response.text)
    response = client.get("/api/v1/feeds/skola", headers=users.headers("zzz", "member", "0180"))
    assert response.status_code == 403 and "agency claim" in response.text and "/feeds/zzz" not in response.text


@pytest.mark.parametrize("claim,value,said", [
    ("agency", "skola\x00", "agency claim holds a control character"),
    ("subject", "u1\x00", "sub claim holds a control character"),
    ("name", "Kim\nAdmin", "name claim holds a control character"),
    ("municipality", "0180\x00", "municipality claim holds a control character"),
    ("subject", "u" * 300, "sub claim is longer than 256"),
    # A lone surrogate: a 500, and a 503 for every reader whose access-log entry shared its batch (a red team).
    ("subject", "u1\ud800", "sub claim is not valid Unicode text"),
    ("name", "Kim\udfff", "name claim is not valid Unicode text"),
    ("agency", "skol\ud800", "agency claim is not valid Unicode text"),
    ("municipality", "01\ud80080", "municipality claim is not valid Unicode text"),
])
def test_a_claim_that_is_not_a_line_of_text_is_401_naming_it(client, users, claim, value, said):
    """A NUL in a claim reached PostgreSQL, which refuses it in text: the request was told the database or the
    access log is away (503), and so was every reader whose access-log entry shared the batch (a review)."""
    code, message = status(client, issue(users, **{claim: value}))
    assert code == 401 and said in message
    cases = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {issue(users, **{claim: value})}"})
    assert cases.status_code == 401


def test_a_refused_bearer_token_is_told_as_invalid_token_and_an_expired_one_is_told_what_to_do(client, users):
    """RFC 6750 §3.1, from an integration engineer's walk (2026-12-05): a token sent and refused is `error=
    "invalid_token"` in the challenge — what an OAuth client library reads to fetch a new token — where every 401 was
    the bare `Bearer realm="sigill"`, as if no token had been sent; a request without one keeps the bare challenge.
    And "the token has expired" now says what to do next."""
    expired = users.headers("polis", "feed_reader", now=time.time() - 7200, lifetime=3600)
    for path in ("/api/v1/feeds/polis", "/api/v1/me", "/api/v1/cases"):
        refused = client.get(path, headers=expired)
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="sigill", error="invalid_token"'
        assert refused.json()["error"]["message"] == "the token has expired: ask the identity provider for a new one"
        forged = client.get(path, headers={"Authorization": "Bearer not-a-jwt"})
        assert forged.headers["WWW-Authenticate"] == 'Bearer realm="sigill", error="invalid_token"'
        for unsigned in ({}, {"Authorization": "Basic dXNlcjpwdw=="}, {"Authorization": "Bearer "}):
            bare = client.get(path, headers=unsigned)
            assert bare.status_code == 401 and bare.headers["WWW-Authenticate"] == 'Bearer realm="sigill"', unsigned


# --- The identity provider away: its keys cannot be fetched ----------------------------------------------------------

def provider_token(issuer: str, key, subject: str = "hsa-1", kid: str = KEY_ID) -> str:
    import jwt

    return jwt.encode({"iss": issuer, "aud": "sigill", "sub": subject, "name": "Kim", "agency": "socialtjanst",
                       "municipality": "0180", "roles": ["caseworker"], "exp": int(time.time()) + 600}, key,
                      algorithm="RS256", headers={"kid": kid})


def assert_provider_away(response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "30"
    assert "www-authenticate" not in response.headers   # no challenge: nothing says the token is bad
    assert response.json() == {"error": {
        "code": "identity_provider_unavailable", "field": None,
        "message": "the identity provider's keys cannot be fetched just now, so the token cannot be verified; send"
                   " the same token again later (a new one would not help)"}}


@pytest.mark.parametrize("keys_from", ["discovery", "jwks_url"])
def test_an_identity_provider_whose_keys_cannot_be_fetched_is_a_503_to_retry_not_a_401(client, context, keys_from):
    """An integration engineer's walk (2026-12-05): with the provider's discovery document or JWKS unreachable every
    request was 401 "the issuer's keys cannot be fetched" — which the README tells clients means "get a new token",
    so an outage sent every integrated system to the provider that was away, in a storm. It is the provider's
    outage, not the client's token: 503 with Retry-After, no challenge. A token that is no JWT at all is still 401,
    provider or not; and the readiness probe, which signs no one in, is not taken out of service by it."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from gateways.jwt_tokens import Discovery, JwtVerifier
    from services.api.token_cache import VerifiedTokens
    from tests.servers import free_port

    nobody = f"http://127.0.0.1:{free_port()}"   # nothing listens here
    verifier = (JwtVerifier(nobody, "sigill", discovery=Discovery(nobody)) if keys_from == "discovery"
                else JwtVerifier(nobody, "sigill", jwks_url=nobody + "/jwks"))
    context.tokens = VerifiedTokens(verifier)
    bearer = {"Authorization": f"Bearer {provider_token(nobody, rsa.generate_private_key(65537, 2048))}"}
    assert_provider_away(client.get("/api/v1/me", headers=bearer))
    assert_provider_away(client.get("/api/v1/cases", headers=bearer))
    assert_provider_away(client.post("/api/v1/cases", headers=bearer, json={}))   # signed in before the body
    garbage = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-jwt"})
    assert garbage.status_code == 401 and garbage.json()["error"]["message"] == "the token is not a JWT"
    assert garbage.headers["WWW-Authenticate"] == 'Bearer realm="sigill", error="invalid_token"'
    ready = client.get("/api/v1/ready", headers=bearer)
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


@pytest.mark.parametrize("keys_from", ["discovery", "jwks_url"])
def test_a_provider_that_hangs_is_asked_once_and_the_next_requests_are_answered_503_at_once(client, context,
                                                                                           monkeypatch, keys_from):
    """A provider that accepts and never answers held every request for the fetch's timeout (5 s; 30 s for a
    configured JWKS URL), one after another, each asking the provider again: after a failed fetch the next requests
    are the 503 at once, without asking, until RETRY_FETCH_AFTER_SECONDS have passed."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from gateways import jwt_tokens
    from gateways.jwt_tokens import Discovery, JwtVerifier
    from services.api.token_cache import VerifiedTokens
    from tests.servers import SilentServer

    monkeypatch.setattr(jwt_tokens, "HTTP_TIMEOUT_SECONDS", 0.3)
    hanging = SilentServer()
    try:
        issuer = hanging.url
        context.tokens = VerifiedTokens(JwtVerifier(issuer, "sigill", discovery=Discovery(issuer))
                                        if keys_from == "discovery"
                                        else JwtVerifier(issuer, "sigill", jwks_url=issuer + "/jwks"))
        bearer = {"Authorization": f"Bearer {provider_token(issuer, rsa.generate_private_key(65537, 2048))}"}
        assert_provider_away(client.get("/api/v1/me", headers=bearer))
        assert hanging.connections == 1
        for _ in range(3):
            assert_provider_away(client.get("/api/v1/cases", headers=bearer))
        assert hanging.connections == 1
    finally:
        hanging.close()


def test_a_key_kept_from_before_the_outage_still_verifies_and_a_worker_with_none_kept_answers_503(client, context):
    """Discovery and JWKS are kept ("a short outage does not sign everybody out"): a token never seen before, signed
    with a key fetched before the provider went away, is answered; a worker started during the outage has no key
    kept, and its answer is the 503 to retry — not a 401 that sends the client for a new token."""
    from gateways.jwt_tokens import Discovery, JwtVerifier
    from services.api.token_cache import VerifiedTokens
    from tests.oidc_provider import RunningProvider

    provider = RunningProvider({"sub": "x", "agency": "socialtjanst"})
    try:
        context.tokens = VerifiedTokens(JwtVerifier(provider.issuer, "sigill", discovery=Discovery(provider.issuer)))
        first = provider_token(provider.issuer, provider.state.key, "hsa-1")
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"}).status_code == 200
    finally:
        provider.stop()
    another = {"Authorization": f"Bearer {provider_token(provider.issuer, provider.state.key, 'hsa-2')}"}
    answered = client.get("/api/v1/me", headers=another)
    assert answered.status_code == 200 and answered.json()["subject"] == "hsa-2"
    context.tokens = VerifiedTokens(JwtVerifier(provider.issuer, "sigill", discovery=Discovery(provider.issuer)))
    assert_provider_away(client.get("/api/v1/me", headers=another))


def test_a_key_the_provider_rotated_out_is_a_401_once_its_set_is_fetched_again(client, context, monkeypatch):
    """A compromised key rotated out of the provider's JWKS was trusted until the worker restarted: a token signed
    with it is answered until the key set's lifespan (CACHE_SECONDS, short here) has passed — the set is not fetched
    for every request — and then refused, told as a token to replace (401, invalid_token)."""
    from gateways import jwt_tokens
    from gateways.jwt_tokens import Discovery, JwtVerifier
    from services.api.token_cache import VerifiedTokens
    from tests.oidc_provider import RunningProvider, new_key

    monkeypatch.setattr(jwt_tokens, "CACHE_SECONDS", 1.0)
    provider = RunningProvider({"sub": "x", "agency": "socialtjanst"})
    try:
        replacement = new_key()   # made before the set is fetched: not within its lifespan, which the 2nd read needs
        context.tokens = VerifiedTokens(JwtVerifier(provider.issuer, "sigill", discovery=Discovery(provider.issuer)))
        state, dropped, dropped_kid = provider.state, provider.state.key, provider.state.kid

        def signed_with_the_dropped_key(subject: str) -> dict[str, str]:   # each a token not verified before
            return {"Authorization": f"Bearer {provider_token(provider.issuer, dropped, subject, dropped_kid)}"}

        assert client.get("/api/v1/me", headers=signed_with_the_dropped_key("hsa-1")).status_code == 200
        state.rotate(replacement)
        assert client.get("/api/v1/me", headers=signed_with_the_dropped_key("hsa-4")).status_code == 200
        time.sleep(1.1)
        refused = client.get("/api/v1/me", headers=signed_with_the_dropped_key("hsa-2"))
        assert refused.status_code == 401 and state.jwks_fetches == 2
        assert refused.json()["error"]["message"] == "the token's signing key is unknown to the issuer"
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="sigill", error="invalid_token"'
        current = {"Authorization": f"Bearer {provider_token(provider.issuer, state.key, 'hsa-3', state.kid)}"}
        assert client.get("/api/v1/me", headers=current).status_code == 200
    finally:
        provider.stop()


def test_a_refused_tokens_answer_says_back_nothing_it_carried(client, users):
    """The challenge and the body of a 401 are fixed words (a red team, 2026-12-05): a token refused — its signature
    tampered with, or a personnummer as its subject — is not said back, nor any claim in it (a name, a
    personnummer), in a header or the body, whichever way it was refused."""
    named = issue(users, subject="200907224919", name="Peter Exempel")
    header, payload, signature = issue(users, name="Peter Exempel").split(".")
    tampered = ".".join([header, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")])
    for token in (named, tampered):
        for path in ("/api/v1/me", "/api/v1/cases", "/api/v1/feeds/skola"):
            refused = client.get(path, headers={"Authorization": f"Bearer {token}"})
            assert refused.status_code == 401, (path, refused.text)
            assert refused.headers["WWW-Authenticate"] == 'Bearer realm="sigill", error="invalid_token"'
            said = refused.text + "".join(f"{k}: {v}" for k, v in refused.headers.items())
            for carried in ("Peter", "200907224919", "20090722", signature[:12], payload[:12]):
                assert carried not in said, (path, carried)


UNKNOWN_PLACE, UNKNOWN_AGENCY = "kommun-7731", "aktor-5512"   # what an identity provider put in the claims
SOCIAL_SERVICES_ONLY = {("GET", "/api/v1/retention/due"), ("POST", "/api/v1/cases")}   # a member: 403 for its role


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/v1/cases"), ("GET", "/api/v1/feeds/skola"), ("GET", "/api/v1/retention/due"),
    ("GET", "/api/v1/cases/by-number/0180-2026-0001"),
    ("POST", "/api/v1/cases"),   # a referral without municipality: the sign-in's
])
def test_a_sign_in_naming_an_unknown_municipality_is_403_without_saying_the_claim_back(client, users, method, path):
    """A claim is whatever the identity provider put there: the refusal names the claim, not its value."""
    body = {key: value for key, value in REFERRAL.items() if key != "municipality"} if method == "POST" else None
    for role in ("caseworker",) if (method, path) in SOCIAL_SERVICES_ONLY else ("caseworker", "member"):
        agency = "socialtjanst" if role == "caseworker" else "skola"
        response = client.request(method, path, json=body, headers=users.headers(agency, role, UNKNOWN_PLACE))
        assert response.status_code == 403, (path, role, response.text)
        assert "municipality claim" in response.text and UNKNOWN_PLACE not in response.text, (path, response.text)


def test_a_sign_in_naming_an_unknown_agency_is_403_without_saying_the_claim_back(client, users):
    response = client.get("/api/v1/feeds/skola", headers=users.headers(UNKNOWN_AGENCY, "member", "0180"))
    assert response.status_code == 403, response.text
    assert "agency claim" in response.text and UNKNOWN_AGENCY not in response.text
