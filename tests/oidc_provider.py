"""A small OpenID Connect provider for the tests — a real protocol peer over HTTP on loopback, never production.

Discovery, authorize (consents at once for the configured user, shows a
consent page with a button first, or denies),
token (authorization code + PKCE S256, client_secret_basic, one use per code;
and, when ``refresh_tokens`` is on, the refresh-token grant with rotation),
JWKS and end-session, signing ID tokens with a test RSA key.  ``tamper``
makes it answer with a bad ID token on purpose, so the tests can check that
Sigill refuses each kind.  Production points Sigill at the region's or
municipality's own identity provider.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from html import escape
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from tests.servers import free_port, serve_in_thread

CLIENT_ID, CLIENT_SECRET = "sigill-web", "test-secret-not-for-production"
KEY_ID = "test-provider-key-1"


def new_key() -> rsa.RSAPrivateKey:
    """A provider's signing key: 0.02-0.3 s to make here, its primes drawn at random (longer on a busy machine)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    nonce: str
    challenge: str
    claims: dict[str, Any]


@dataclass
class TestProvider:
    """The provider's state, which tests steer: who signs in, whether to deny, how to tamper."""

    issuer: str = ""
    user: dict[str, Any] = field(default_factory=dict)
    deny: bool = False
    tamper: str | None = None   # wrong_nonce, expired, wrong_audience, altered, wrong_key, wrong_issuer
    consent_form: bool = False  # show a page with a button instead of answering at once
    refresh_tokens: bool = False  # give a refresh token with each ID token (rotated on every use)
    refuse_refresh: bool = False  # answer every refresh with invalid_grant (as after a revocation)
    keys_away: bool = False       # the JWKS answers 503 (an outage of the keys alone; sign-in and tokens still work)
    discovery_away: bool = False  # the discovery document answers 503
    jwks_uri: str | None = None   # where the discovery document says the keys are, when not at the provider's /jwks
    token_endpoint: str | None = None   # and the token endpoint, when not at the provider's /token
    age: int = 0                  # how old a sign-in's ID token already is when issued (its life stays 600 s)
    refresh_tokens_issued: dict[str, dict[str, Any]] = field(default_factory=dict)  # token -> the grant's claims
    refreshes: int = 0
    grants: dict[str, Grant] = field(default_factory=dict)
    used_codes: set[str] = field(default_factory=set)
    logouts: list[dict[str, str]] = field(default_factory=list)
    discovery_fetches: int = 0
    jwks_fetches: int = 0
    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    kid: str = KEY_ID             # the key's id: a rotation is a new ``key`` under a new ``kid``, the old one dropped
    jwks_answer: dict[str, Any] | None = None   # what the JWKS answers instead of the key (a broken set)

    def rotate(self, to: rsa.RSAPrivateKey | None = None) -> rsa.RSAPrivateKey:
        """A new signing key (``to``, made beforehand by a test that times a window), the only one in the JWKS from
        now on: the old one (returned) is dropped from it."""
        old, self.key = self.key, to or new_key()
        self.kid = f"test-provider-key-{int(self.kid.rsplit('-', 1)[1]) + 1}"
        return old

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def id_token(self, grant: Grant, age: int = 0) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": grant.client_id, "sub": grant.claims.get("sub", "test-user"),
                  "iat": now - age, "exp": now - age + 600, "auth_time": now - age, **grant.claims}
        if grant.nonce:  # a refreshed ID token carries none
            claims["nonce"] = grant.nonce
        key = self.key
        if self.tamper == "wrong_nonce":
            claims["nonce"] = "not-the-nonce-sigill-sent"
        elif self.tamper == "expired":
            claims.update(iat=now - 7200, exp=now - 3600)
        elif self.tamper == "wrong_audience":
            claims["aud"] = "another-client"
        elif self.tamper == "wrong_issuer":
            claims["iss"] = "https://impostor.example"
        elif self.tamper == "wrong_key":
            key = new_key()
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})
        if self.tamper == "altered":  # another payload under the original signature
            header, _, signature = token.split(".")
            forged = base64.urlsafe_b64encode(json.dumps({**claims, "agency": "polis"}).encode()).rstrip(b"=")
            token = f"{header}.{forged.decode()}.{signature}"
        return token


def create_provider_app(provider: TestProvider) -> FastAPI:
    app = FastAPI()

    @app.get("/.well-known/openid-configuration")
    def discovery() -> Response:
        provider.discovery_fetches += 1
        if provider.discovery_away:
            return JSONResponse({"error": "temporarily_unavailable"}, 503)
        base = provider.issuer
        return JSONResponse({
            "issuer": base, "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": provider.token_endpoint or f"{base}/token",
            "jwks_uri": provider.jwks_uri or f"{base}/jwks", "end_session_endpoint": f"{base}/logout",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"]})

    @app.get("/jwks")
    def jwks() -> Response:
        provider.jwks_fetches += 1
        if provider.keys_away:
            return JSONResponse({"error": "temporarily_unavailable"}, 503)
        return JSONResponse(provider.jwks() if provider.jwks_answer is None else provider.jwks_answer)

    @app.get("/authorize")
    def authorize(request: Request) -> Response:
        q = dict(request.query_params)
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code" or "openid" not in q.get("scope", ""):
            return JSONResponse({"error": "invalid_request"}, 400)
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return JSONResponse({"error": "invalid_request", "error_description": "PKCE S256 required"}, 400)
        if provider.consent_form:  # a page of the provider's own, as a real sign-in is
            hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in q.items())
            return HTMLResponse(f'<!doctype html><html lang="sv"><title>Testleverantör</title><form method="post">'
                                f'{hidden}<button type="submit">Godkänn inloggning</button></form></html>')
        return _answer(q)

    @app.post("/authorize")
    async def consented(request: Request) -> Response:
        return _answer({k: v for k, v in (await request.form()).items() if isinstance(v, str)})

    def _answer(q: dict[str, str]) -> Response:
        back = q["redirect_uri"]
        if provider.deny:
            return RedirectResponse(f"{back}?{urlencode({'error': 'access_denied', 'state': q.get('state', '')})}",
                                    303)
        code = secrets.token_urlsafe(24)
        provider.grants[code] = Grant(q["client_id"], back, q.get("nonce", ""), q["code_challenge"],
                                      dict(provider.user))
        return RedirectResponse(f"{back}?{urlencode({'code': code, 'state': q.get('state', '')})}", 303)

    def tokens(grant: Grant, age: int) -> JSONResponse:
        answer = {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": 600,
                  "id_token": provider.id_token(grant, age)}
        if provider.refresh_tokens:
            answer["refresh_token"] = secrets.token_urlsafe(32)
            provider.refresh_tokens_issued[answer["refresh_token"]] = dict(grant.claims)
        return JSONResponse(answer)

    @app.post("/token")
    def token(grant_type: str = Form(), code: str = Form(""), redirect_uri: str = Form(""),
              code_verifier: str = Form(""), refresh_token: str = Form(""),
              authorization: str = Header("")) -> Response:
        if authorization != "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode():
            return JSONResponse({"error": "invalid_client"}, 401)
        if grant_type == "refresh_token":
            claims = provider.refresh_tokens_issued.pop(refresh_token, None)  # rotation: one use each
            if claims is None or provider.refuse_refresh:
                return JSONResponse({"error": "invalid_grant"}, 400)
            provider.refreshes += 1
            return tokens(Grant(CLIENT_ID, "", "", "", claims), 0)
        if grant_type != "authorization_code" or code in provider.used_codes or code not in provider.grants:
            return JSONResponse({"error": "invalid_grant"}, 400)
        provider.used_codes.add(code)  # one use only, even when the rest fails
        grant = provider.grants.pop(code)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()
        if grant.redirect_uri != redirect_uri or challenge != grant.challenge:
            return JSONResponse({"error": "invalid_grant"}, 400)
        return tokens(grant, provider.age)

    @app.get("/logout")
    def logout(request: Request) -> Response:
        provider.logouts.append(dict(request.query_params))
        back = request.query_params.get("post_logout_redirect_uri")
        return RedirectResponse(back) if back else Response("signed out")

    return app


class RunningProvider:
    """The test provider served by uvicorn in a thread on a free loopback port."""

    def __init__(self, user: dict[str, Any], host: str = "127.0.0.1") -> None:
        port = free_port()
        self.state = TestProvider(issuer=f"http://{host}:{port}", user=user)
        self.issuer = self.state.issuer
        self._server, self._thread = serve_in_thread(create_provider_app(self.state), port, "test-oidc-provider")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)

