"""Production sign-in: this browser's pending OIDC flow (the provider's port is services/identity_provider.py).

The flow (state, nonce, PKCE verifier, the page to return to) waits in a
short-lived HttpOnly cookie scoped to the callback path, sealed with
AES-256-GCM under a key derived from the server's master key: a flow cookie
that was altered, forged, made under another server's key or is older than
ten minutes is no flow at all, and the verifier cannot be read from it.  It
is SameSite=Lax, not Strict: the provider sends the browser back to us
cross-site, and a Strict cookie would not come along.  The session made
afterwards is the Strict one the development sign-in makes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from services.identity_provider import IdentityProvider, SignedIn, SignInFailed
from services.web import sealed_cookie, session

__all__ = ["IdentityProvider", "SignedIn", "SignInFailed", "Flow", "remember", "pending", "forget", "redirect_uri",
           "flow_key", "seal", "unseal"]

FLOW_COOKIE = "sigill_oidc_flow"
FLOW_PATH = "/logga-in/oidc"
FLOW_SECONDS = 600
CALLBACK = "/logga-in/oidc/callback"
SIGNED_OUT = "/utloggad"


@dataclass(frozen=True)
class Flow:
    state: str
    nonce: str
    verifier: str
    back: str = ""  # the page to return to after signing in ("" = the user's home)

    @classmethod
    def new(cls, back: str = "") -> "Flow":
        return cls(secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64), back)

    @property
    def challenge(self) -> str:
        """The PKCE S256 challenge of the verifier (RFC 7636 §4.2)."""
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def matches(self, state: str) -> bool:
        return hmac.compare_digest(self.state.encode(), state.encode())


def flow_key(master_key: bytes) -> bytes:
    """The flow cookie's AES key, derived (HKDF-SHA256) from the server's master key."""
    return sealed_cookie.cookie_key(master_key, "oidc-flow-cookie")


def seal(key: bytes, flow: Flow, now: float | None = None) -> str:
    """The cookie value: the flow and when it started, encrypted and authenticated."""
    issued = int(time.time() if now is None else now)
    return sealed_cookie.seal(key, FLOW_COOKIE, json.dumps([flow.state, flow.nonce, flow.verifier, flow.back,
                                                            issued]).encode())


def unseal(key: bytes, value: str, now: float | None = None) -> Flow | None:
    """The flow in a cookie value, or None when it is altered, another key's, malformed or too old."""
    plaintext = sealed_cookie.unseal(key, FLOW_COOKIE, value)
    try:
        state, nonce, verifier, back, issued = json.loads(plaintext or b"")
    except (ValueError, TypeError):
        return None
    if not all(isinstance(v, str) and v for v in (state, nonce, verifier)) or not isinstance(back, str):
        return None
    age = (time.time() if now is None else now) - issued if isinstance(issued, int) else -1
    if not 0 <= age <= FLOW_SECONDS:  # the cookie's max-age is the browser's promise; this is ours
        return None
    return Flow(state, nonce, verifier, back)


def remember(request: Request, response: Response, flow: Flow) -> None:
    response.set_cookie(_name(request), seal(request.app.state.flow_key, flow), max_age=FLOW_SECONDS, httponly=True,
                        samesite="lax", secure=session.secure(request), path=FLOW_PATH)


def _name(request: Request) -> str:
    """``__Secure-`` when Secure: no other host of the site can set it (``__Host-`` needs path /; this one is the
    callback's path only)."""
    return f"__Secure-{FLOW_COOKIE}" if session.secure(request) else FLOW_COOKIE


def pending(request: Request) -> Flow | None:
    """This browser's flow, or None when it has none (expired, never started, altered or forged)."""
    value = request.cookies.get(_name(request), "")
    return unseal(request.app.state.flow_key, value) if value else None


def forget(request: Request, response: Response) -> None:
    response.delete_cookie(_name(request), path=FLOW_PATH, secure=session.secure(request))


def redirect_uri(request: Request, public_url: str | None) -> str:
    """The callback as the provider knows it: under SIGILL_PUBLIC_URL (the request's own origin in development)."""
    base = (public_url or str(request.base_url)).rstrip("/")
    return base + CALLBACK
