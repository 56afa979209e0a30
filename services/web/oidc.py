"""Production sign-in: this browser's pending OIDC flow (the provider's port is services/identity_provider.py).

The flow (state, nonce, PKCE verifier) waits in a short-lived HttpOnly cookie
scoped to the callback path.  It is SameSite=Lax, not Strict: the provider
sends the browser back to us cross-site, and a Strict cookie would not come
along.  The session made afterwards is the Strict one the development sign-in makes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from services.identity_provider import IdentityProvider, SignedIn, SignInFailed

__all__ = ["IdentityProvider", "SignedIn", "SignInFailed", "Flow", "remember", "pending", "forget", "redirect_uri"]

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

    @classmethod
    def new(cls) -> "Flow":
        return cls(secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64))

    @property
    def challenge(self) -> str:
        """The PKCE S256 challenge of the verifier (RFC 7636 §4.2)."""
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def matches(self, state: str) -> bool:
        return hmac.compare_digest(self.state.encode(), state.encode())


def remember(request: Request, response: Response, flow: Flow) -> None:
    value = base64.urlsafe_b64encode(json.dumps([flow.state, flow.nonce, flow.verifier]).encode()).decode()
    response.set_cookie(FLOW_COOKIE, value, max_age=FLOW_SECONDS, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path=FLOW_PATH)


def pending(request: Request) -> Flow | None:
    """This browser's flow, or None when it has none (expired, never started, or malformed)."""
    try:
        state, nonce, verifier = json.loads(base64.urlsafe_b64decode(request.cookies.get(FLOW_COOKIE, "")))
    except (ValueError, TypeError):
        return None
    if not all(isinstance(v, str) and v for v in (state, nonce, verifier)):
        return None
    return Flow(state, nonce, verifier)


def forget(response: Response) -> None:
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)


def redirect_uri(request: Request, public_url: str | None) -> str:
    """The callback as the provider knows it: under SIGILL_PUBLIC_URL (the request's own origin in development)."""
    base = (public_url or str(request.base_url)).rstrip("/")
    return base + CALLBACK
