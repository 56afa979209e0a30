"""Idempotency keys: a retried POST with the same key records nothing twice and gets the first answer.

The key is reserved before the command runs and the answer stored after it;
a failed command releases its key (it recorded nothing, so a retry may run
it again).  Keys are per user: another user's key never collides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from domain.errors import DomainError


@dataclass(frozen=True)
class StoredAnswer:
    request_hash: bytes
    status: int | None          # None while the first request is still running
    body: Any = None


class IdempotencyStore(Protocol):
    def reserve(self, owner: str, key: str, request_hash: bytes) -> StoredAnswer | None:
        """None when the key was free and is now reserved; else what is stored under it."""

    def complete(self, owner: str, key: str, status: int, body: Any) -> None: ...

    def release(self, owner: str, key: str) -> None: ...


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"


class RequestInProgress(DomainError):
    code = "request_in_progress"


MAX_KEY_LENGTH = 200


def replay_or_reserve(store: IdempotencyStore, owner: str, key: str, request_hash: bytes) -> StoredAnswer | None:
    """The stored answer to repeat, or None when this request is the first with the key (now reserved)."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise IdempotencyKeyReused(f"an Idempotency-Key is 1–{MAX_KEY_LENGTH} printable characters",
                                   field="Idempotency-Key")
    stored = store.reserve(owner, key, request_hash)
    if stored is None:
        return None
    if stored.request_hash != request_hash:
        raise IdempotencyKeyReused("this Idempotency-Key was used for a different request; use a new key",
                                   field="Idempotency-Key")
    if stored.status is None:
        raise RequestInProgress("a request with this Idempotency-Key is still being processed (or was cut off):"
                                " read the case to see whether it took effect", field="Idempotency-Key")
    return stored
