"""Idempotency keys: a retried POST with the same key records nothing twice and gets the first answer.

The answer is stored *in the same transaction as the command's events*: a
request cut off anywhere leaves either nothing (the retry runs the command)
or the events and their answer together (the retry gets that answer).  There
is no "in progress" state to get stuck in.

How it goes: the API looks the key up first (a stored answer is replayed
without running anything); otherwise it runs the command with a ``Pending``
answer in the context.  The service tells it how to count the writer's
version, the application builds the answer from the decided, not yet saved,
events and hands it to the event store with them.  If a concurrent duplicate
committed the key first, the store refuses the whole save (``AnswerAlreadyStored``)
and the API replays the winner's answer.  Keys are per sign-in (``signed_in_as``):
the same key from another sign-in — another user, or the same user for another
agency, role or municipality — is a request of its own, run as any other.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from contextvars import ContextVar
from hashlib import blake2b
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol, Sequence
from uuid import UUID

from domain.errors import DomainError
from domain.seen_version import SeenVersion
from services.principals import Principal


def fingerprint_key(master_key: bytes) -> bytes:
    """The key of request fingerprints, derived from the master key: kept outside the database, as it must be."""
    return blake2b(b"idempotency request fingerprints", key=master_key, person=b"sigill.idem.1").digest()


def request_fingerprint(key: bytes, *parts: str) -> bytes:
    """What a stored answer is matched against: a keyed hash of the request.  A plain hash was stored in the
    clear beside the answer, which names the case: for a guardians command the names were the only unknown,
    and anyone reading the table could test a list of names against it (a red team's finding)."""
    return blake2b("\n".join(parts).encode(), key=key, digest_size=32).digest()


def stored_key(secret: bytes, key: str) -> str:
    """An Idempotency-Key as it is stored: a keyed hash.  A client may well name the young person in it
    ("referral-<personnummer>"), and the table keeps a key for a day, beside the case's id — past its erasure."""
    return "h1:" + blake2b(key.encode(), key=secret, person=b"sigill.idem.key", digest_size=24).hexdigest()


def signed_in_as(secret: bytes, user: Principal) -> str:
    """Whose answers a key finds (the row's owner): the sign-in as the token gives it — subject, agency, roles and
    municipality — as a keyed hash.  The subject alone let one person's two sign-ins share answers: a command sent
    for the school, with a key the same person had used for social services, was answered with social services'
    answer and not carried out.  The name and the token's expiry are not part of it: a renewed token is the same
    sign-in, and its retry is still answered.  Hashed, as the key is: the table names no one."""
    who = json.dumps([user.subject, user.agency, sorted(r.value for r in user.roles), user.municipality or None])
    return "s1:" + blake2b(who.encode(), key=secret, person=b"sigill.idem.own", digest_size=24).hexdigest()


@dataclass(frozen=True)
class StoredAnswer:
    request_hash: bytes
    status: int
    body: Any = None


@dataclass(frozen=True)
class AnswerRow:
    """The row the event store writes with a command's events."""

    owner: str
    key: str
    request_hash: bytes
    status: int
    body: dict[str, Any]


class IdempotencyStore(Protocol):
    def find(self, owner: str, key: str) -> StoredAnswer | None:
        """The answer the sign-in ``owner`` stored under the key (kept for a day), or None."""


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"


class AnswerAlreadyStored(Exception):
    """A concurrent request with the same key committed first: this save recorded nothing."""


MAX_KEY_LENGTH = 200
WriterVersion = Callable[[Sequence[Any]], SeenVersion | int]   # the case's new events -> the writer's version after
# A stored answer's ETag (``SeenVersion.tag``): kept in the stored body, taken out of it before it is sent
# (``services.api.writing.respond``).  An answer stored before it has none: its ETag is the count alone.
ETAG = "_etag"
Warnings = Callable[[Sequence[Any]], list[dict[str, Any]] | None]   # the new events -> the answer's warnings
# How many facts the write recorded in another agency's name that the writer's agency cannot see
# (``Written.attributed_unseen``): kept in the stored body so that a web form's copy says what its first said (the
# saved notice); never sent by the API (``services.api.writing.respond``), whose answer does not say it.
ATTRIBUTED_UNSEEN = "_attributed_unseen"
Attributed = Callable[[Sequence[Any]], int]   # the new events -> how many facts


@dataclass
class Pending:
    """The answer a write will commit with its events, once the service and the application fill it in."""

    owner: str
    key: str
    request_hash: bytes
    status: int
    writer_version: WriterVersion | None = None
    warnings: Warnings | None = None
    attributed: Attributed | None = None
    row: AnswerRow | None = field(default=None, init=False)   # set once built; committed if the save succeeds

    def build(self, case_id: UUID, new_events: Sequence[Any], created: Any) -> AnswerRow:
        if self.writer_version is None:
            raise AssertionError("the service did not say how to count the writer's version")
        version = self.writer_version(new_events)
        seen = version if isinstance(version, SeenVersion) else SeenVersion(version)
        body = {"case_id": str(case_id), "version": seen.count, "created": created, ETAG: seen.tag}
        warnings = None if self.warnings is None else self.warnings(new_events)
        if warnings is not None:   # a plan revision's (``services.plan_warnings``): a retry is told them too
            body["warnings"] = warnings
        attributed = 0 if self.attributed is None else self.attributed(new_events)
        if attributed:
            body[ATTRIBUTED_UNSEEN] = attributed
        self.row = AnswerRow(self.owner, self.key, self.request_hash, self.status, body)
        return self.row


_pending: ContextVar[Pending | None] = ContextVar("sigill_pending_answer", default=None)


@contextmanager
def answering(pending: Pending) -> Iterator[Pending]:
    """While the block runs, the write's events are saved together with ``pending``'s answer."""
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)


def count_writer_version(writer_version: WriterVersion, warnings: Warnings | None = None,
                         attributed: Attributed | None = None) -> None:
    """The service's part: how the writer's version, any warnings and the facts recorded in another agency's name
    unseen follow from the new events (only under ``answering``)."""
    pending = _pending.get()
    if pending is not None:
        pending.writer_version, pending.warnings, pending.attributed = writer_version, warnings, attributed


def riders(case_id: UUID, new_events: Sequence[Any], created: Any) -> dict[str, Any]:
    """The application's part: keyword arguments for ``save`` — the answer row, when a key is pending."""
    pending = _pending.get()
    if pending is None:
        return {}
    return {"answer": pending.build(case_id, list(new_events), created)}


def check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise IdempotencyKeyReused(f"an Idempotency-Key is 1–{MAX_KEY_LENGTH} printable characters",
                                   field="Idempotency-Key")


def replay_of(store: IdempotencyStore, owner: str, key: str, request_hash: bytes) -> StoredAnswer | None:
    """The stored answer to repeat, or None when no request of this sign-in with this key (stored so) took effect."""
    return replay_of_any(store, [(owner, key, request_hash)])


def replay_of_any(store: IdempotencyStore, stored_as: Sequence[tuple[str, str, bytes]]) -> StoredAnswer | None:
    """``replay_of`` for a key that may be stored in more than one way — (owner, stored key, request fingerprint)
    under each master key (the one in use, the one a rotation replaced): an answer whose fingerprint matches its way
    is repeated; one stored for another request is refused, as ever."""
    reused = False
    for owner, key, request_hash in stored_as:
        stored = store.find(owner, key)
        if stored is not None and stored.request_hash == request_hash:
            return stored
        reused = reused or stored is not None
    if reused:
        raise IdempotencyKeyReused("this Idempotency-Key was used for a different request; use a new key",
                                   field="Idempotency-Key")
    return None
