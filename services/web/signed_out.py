"""Sessions signed out before their token expired: refused from then on, in every worker.

A session is its token, held in the browser's cookie; deleting the cookie at sign-out left any copy of it (taken
from a shared computer, a proxy's log, a stolen device) good until the token expired — eight hours for a
development token, the ID token's life in production (a red team read a case with one after signing out).
Signing out records a keyed hash of the token until it expires, and every request's session is checked against it.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Protocol


class SignedOutSessions(Protocol):
    def end(self, token_mac: bytes, until: datetime) -> None:
        """Refuse the session whose token has this MAC until ``until`` (its expiry; forgotten after)."""

    def ended(self, token_mac: bytes) -> bool:
        """Whether the session was signed out."""


class ProcessSignedOut:
    """``SignedOutSessions`` within one process (an application without a database of its own to share)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until: dict[bytes, float] = {}

    def end(self, token_mac: bytes, until: datetime) -> None:
        now = time.time()
        with self._lock:
            self._until = {k: v for k, v in self._until.items() if v > now}
            self._until[token_mac] = until.timestamp()

    def ended(self, token_mac: bytes) -> bool:
        with self._lock:
            return self._until.get(token_mac, 0) > time.time()


def expiry_of(claims: dict, *, default_hours: float = 24) -> datetime:
    """When a token expires by its claim (not verified here: the session was verified to reach sign-out); a day
    when it names none."""
    exp = claims.get("exp")
    if isinstance(exp, (int, float)) and not isinstance(exp, bool):
        return datetime.fromtimestamp(exp, timezone.utc)
    return datetime.fromtimestamp(time.time() + default_hours * 3600, timezone.utc)
