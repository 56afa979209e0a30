"""Verified bearer tokens, remembered by their hash until they expire: a signature is checked once, not per request.

Only tokens that verified are kept, each until its own expiry (never past
``MAX_SECONDS``, so a key the issuer withdraws stops working here soon too).
The cache holds hashes, never tokens.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from hashlib import sha256

import jwt

from services.principals import Principal, TokenVerifier

MAX_SECONDS = 300.0
SIZE = 10_000


class VerifiedTokens:
    def __init__(self, verifier: TokenVerifier, *, size: int = SIZE, max_seconds: float = MAX_SECONDS,
                 clock=time.time) -> None:
        self.verifier, self._size, self._max_seconds, self._clock = verifier, size, max_seconds, clock
        self._kept: OrderedDict[bytes, tuple[float, Principal]] = OrderedDict()
        self._lock = threading.Lock()

    def known(self, token: str) -> Principal | None:
        """The principal of a token verified before and not yet expired; None otherwise."""
        digest = sha256(token.encode()).digest()
        with self._lock:
            kept = self._kept.get(digest)
            if kept is None:
                return None
            if kept[0] <= self._clock():
                del self._kept[digest]
                return None
            self._kept.move_to_end(digest)
            return kept[1]

    def verify(self, token: str) -> Principal:
        """The token's principal: from the cache, or verified now (AuthenticationFailed when it is not valid,
        IdentityProviderUnavailable when its keys cannot be fetched: nothing is kept then)."""
        principal = self.known(token)
        if principal is not None:
            return principal
        principal = self.verifier.verify(token)
        # The claims were verified just now: reading exp without checking the signature again is safe.
        expires = jwt.decode(token, options={"verify_signature": False}).get("exp")
        if isinstance(expires, (int, float)):
            until = min(float(expires), self._clock() + self._max_seconds)
            with self._lock:
                self._kept[sha256(token.encode()).digest()] = (until, principal)
                while len(self._kept) > self._size:
                    self._kept.popitem(last=False)
        return principal
