"""Renewing an OIDC session before its ID token expires, with the provider's refresh token, server-side.

The session lasts as long as the provider's ID token.  When the provider
gave a refresh token, it waits sealed (sealed_cookie.py) in an HttpOnly,
SameSite=Strict cookie that no script and no other site can read; on the
first request after 80 % of the token's life the server redeems it at the
token endpoint for a new ID token (and, with rotation, a new refresh token).
Requests of one browser that arrive together share one renewal — on every
worker, when the renewals are kept in the database (``SharedRenewals``): a
rotating provider would refuse the second use of the same refresh token and
sign that browser out.  What is shared is sealed under a key of its own and
found by a keyed hash of the spent token, never by the token itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from typing import Any, Callable, Protocol

from services.identity_provider import IdentityProvider, SignedIn, SignInFailed
from services.principals import AuthenticationFailed, IdentityProviderUnavailable
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


class RenewalStoreUnavailable(Exception):
    """The shared store of renewals cannot be reached (its database is down)."""


class SharedRenewals(Protocol):
    def once(self, token_mac: bytes, window: float, renew: Callable[[], bytes]) -> bytes:
        """The answer kept for ``token_mac`` if made within ``window`` seconds; else ``renew()``'s, kept.

        Callers with the same ``token_mac`` take turns: while one renews, the others wait for its answer.
        RenewalStoreUnavailable when the store cannot be reached (whatever ``renew`` itself raises passes)."""


class ProcessRenewals:
    """``SharedRenewals`` within one process, for an application run without a database of its own to share."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recent: dict[bytes, tuple[float, bytes]] = {}

    def once(self, token_mac: bytes, window: float, renew: Callable[[], bytes]) -> bytes:
        now = time.monotonic()
        with self._lock:  # one renewal at a time: rare (once per session life), and never twice per token
            self._recent = {k: v for k, v in self._recent.items() if now - v[0] < window}
            if token_mac not in self._recent:
                self._recent[token_mac] = (now, renew())
            return self._recent[token_mac][1]


class Renewals:
    """Renewals, each shared for a minute by the requests that carry the same refresh token."""

    def __init__(self, master_key: bytes, shared: SharedRenewals | None = None) -> None:
        self._seal_key = sealed_cookie.cookie_key(master_key, "shared-renewal")
        self._mac_key = sealed_cookie.cookie_key(master_key, "shared-renewal-token-mac")
        self._shared = shared or ProcessRenewals()

    def renew(self, identity: IdentityProvider, refresh_token: str, subject: str) -> SignedIn:
        """The new ID token (SignInFailed when the provider refuses or cannot be reached)."""
        token_mac = hmac.new(self._mac_key, refresh_token.encode(), hashlib.sha256).digest()
        ours: list[SignedIn] = []

        def ask_the_provider() -> bytes:
            signed_in = identity.refresh(refresh_token=refresh_token, subject=subject)
            ours.append(signed_in)
            return self._seal(token_mac, signed_in)

        try:
            sealed = self._shared.once(token_mac, SHARED_SECONDS, ask_the_provider)
        except RenewalStoreUnavailable:
            if ours:  # the provider answered and only sharing it failed: this request keeps the renewal
                return ours[0]
            # Nothing spent: the session stays while its ID token is good, and the next request tries again.
            raise SignInFailed("unreachable", "the shared renewals cannot be reached") from None
        return ours[0] if ours else self._opened(identity, token_mac, sealed, subject)

    def _seal(self, token_mac: bytes, signed_in: SignedIn) -> bytes:
        answer = {"id_token": signed_in.id_token, "expires_at": signed_in.expires_at,
                  "refresh_token": signed_in.refresh_token}
        # Bound to its token's MAC (associated data): an answer moved to another session's row does not open.
        return sealed_cookie.seal(self._seal_key, _bound_to(token_mac), json.dumps(answer).encode()).encode()

    def _opened(self, identity: IdentityProvider, token_mac: bytes, sealed: bytes, subject: str) -> SignedIn:
        """Another request's renewal of this token: its ID token verified here too, for the same subject."""
        plaintext = sealed_cookie.unseal(self._seal_key, _bound_to(token_mac), sealed.decode("ascii", "replace"))
        if plaintext is None:
            raise SignInFailed("token", "the shared renewal does not open (another master key?)")
        answer = json.loads(plaintext)
        try:
            principal = identity.session_principal(answer["id_token"])
        except AuthenticationFailed as failed:
            raise SignInFailed("token", f"the shared renewal's ID token does not verify: {failed}") from None
        except IdentityProviderUnavailable as away:   # postponed: the session's own token is still good
            raise SignInFailed("unreachable", str(away)) from None
        if principal.subject != subject:
            raise SignInFailed("token", "the shared renewal names another subject")
        return SignedIn(principal, answer["id_token"], answer["expires_at"], answer["refresh_token"])


def _bound_to(token_mac: bytes) -> str:
    return "shared-renewal:" + token_mac.hex()
