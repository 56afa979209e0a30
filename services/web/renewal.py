"""Renewing an OIDC session before its ID token expires, with the provider's refresh token, server-side.

The session lasts as long as the provider's ID token.  When the provider
gave a refresh token, it waits sealed (sealed_cookie.py) in an HttpOnly,
SameSite=Strict cookie that no script and no other site can read; on the
first request after 80 % of the token's life the server redeems it at the
token endpoint for a new ID token (and, with rotation, a new refresh token).
Requests of one browser that arrive together share one renewal: a rotating
provider would refuse the second use of the same refresh token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from typing import Any

from services.identity_provider import IdentityProvider, SignedIn
from services.web import sealed_cookie

REFRESH_COOKIE = "sigill_refresh"
RENEW_AT = 0.8          # of the ID token's life
SHARED_SECONDS = 60     # how long a renewal answers for its refresh token (requests in flight together)


def refresh_key(master_key: bytes) -> bytes:
    return sealed_cookie.cookie_key(master_key, "refresh-token-cookie")


def seal(key: bytes, refresh_token: str) -> str:
    return sealed_cookie.seal(key, REFRESH_COOKIE, refresh_token.encode())


def unseal(key: bytes, value: str) -> str | None:
    plaintext = sealed_cookie.unseal(key, REFRESH_COOKIE, value)
    return plaintext.decode() if plaintext else None


def due(id_token: str, now: float | None = None) -> bool:
    """Whether a (verified) ID token is past 80 % of its life, from its own iat and exp."""
    try:
        payload = id_token.split(".")[1]
        claims: Any = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        issued, expires = int(claims["iat"]), int(claims["exp"])
    except (IndexError, KeyError, TypeError, ValueError):
        return False
    return (time.time() if now is None else now) >= issued + RENEW_AT * (expires - issued)


class Renewals:
    """The renewals of this process, each shared for a minute by the requests that carry the same refresh token."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recent: dict[bytes, tuple[float, SignedIn]] = {}

    def renew(self, identity: IdentityProvider, refresh_token: str, subject: str) -> SignedIn:
        """The new ID token (SignInFailed when the provider refuses or cannot be reached)."""
        digest, now = hashlib.sha256(refresh_token.encode()).digest(), time.monotonic()
        with self._lock:  # one renewal at a time: rare (once per session life), and never twice per token
            self._recent = {k: v for k, v in self._recent.items() if now - v[0] < SHARED_SECONDS}
            if digest in self._recent:
                return self._recent[digest][1]
            signed_in = identity.refresh(refresh_token=refresh_token, subject=subject)
            self._recent[digest] = (now, signed_in)
            return signed_in
