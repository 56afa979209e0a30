"""The access log: every read of case content, append-only and hash-chained like the event ledger.

A read is logged *before* its answer leaves the server; if the log cannot be
written the read fails.  Concurrent reads share one transaction (group
commit): the first waiting request writes every entry queued so far.

The chain: each entry's link is SHA-256 over the previous link and the
entry's stored fields (the sealed reader's name and purpose included), and
each written batch ends with a checkpoint signed by the ledger key — so an
altered, removed, reordered or cut-off entry is found by ``verify``.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import sha256
from typing import Callable, Iterable, Protocol
from uuid import UUID

GENESIS = bytes(32)


@dataclass(frozen=True)
class AccessEntry:
    at: datetime
    case_id: UUID
    subject: str            # the reader's opaque user id
    agency: str
    roles: str
    what: str               # which answer was read: "timeline", "plan", "audit.replay"…
    reader_name: str = ""   # sealed at rest: a person's name
    purpose: str = ""       # sealed at rest: free text


@dataclass(frozen=True)
class AccessRecord:
    seq: int
    entry: AccessEntry


@dataclass(frozen=True)
class AccessQuery:
    case_id: UUID | None = None
    subject: str | None = None
    agency: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: int = 0
    limit: int = 100


@dataclass(frozen=True)
class ChainVerdict:
    checked: int
    checkpoints: int
    divergence: str | None   # where and how the log was changed; None when intact

    @property
    def intact(self) -> bool:
        return self.divergence is None


Signer = Callable[[bytes], tuple[bytes, bytes]]  # message -> (public key, signature)


class AccessLogStore(Protocol):
    def append(self, entries: list[AccessEntry], sign: Signer) -> None:
        """Append in order, chained to the stored head, and sign a checkpoint at the end: one transaction."""

    def search(self, query: AccessQuery) -> list[AccessRecord]: ...

    def verify(self, signature_ok: Callable[[bytes, bytes, bytes], bool], trusted: set[bytes]) -> ChainVerdict: ...


def entry_link(previous: bytes, seq: int, entry: AccessEntry, sealed_details: bytes) -> bytes:
    """The chain over what is stored: plain columns, and the sealed details as stored bytes."""
    parts = (str(seq), entry.at.isoformat(), str(entry.case_id), entry.subject, entry.agency, entry.roles, entry.what)
    encoded = b"".join(len(p.encode()).to_bytes(4, "big") + p.encode() for p in parts)
    return sha256(previous + encoded + len(sealed_details).to_bytes(4, "big") + sealed_details).digest()


def checkpoint_message(seq: int, link: bytes) -> bytes:
    return b"sigill-access-log-checkpoint:v1:" + seq.to_bytes(8, "big") + link


@dataclass
class _Batch:
    entries: list[AccessEntry] = field(default_factory=list)
    written: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class AccessLog:
    """Group commit: one writer thread per process writes every entry queued while the previous batch committed.

    A reader waits only for its own batch; under load the batches grow, so one transaction (one fsync, one
    signed checkpoint) answers many reads.  The writer is started on the first read.
    """

    def __init__(self, store: AccessLogStore, sign: Signer) -> None:
        self.store, self._sign = store, sign
        self._queued = threading.Condition()
        self._current = _Batch()
        self._writer: threading.Thread | None = None
        self.batch_sizes: deque[int] = deque(maxlen=1000)   # the latest batches written, for tests

    def record(self, entry: AccessEntry) -> None:
        """Log one read durably; returns once it is committed (raises when it could not be)."""
        with self._queued:
            batch = self._current
            batch.entries.append(entry)
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_forever, name="sigill-access-log", daemon=True)
                self._writer.start()
            self._queued.notify()
        batch.written.wait()
        if batch.error is not None:
            raise AccessLogUnavailable("the access log cannot be written; the read was refused") from batch.error

    def _write_forever(self) -> None:
        while True:
            with self._queued:
                while not self._current.entries:
                    self._queued.wait()
                batch, self._current = self._current, _Batch()
            try:
                self.store.append(batch.entries, self._sign)
            except BaseException as error:  # every reader in the batch is refused
                batch.error = error
            finally:
                self.batch_sizes.append(len(batch.entries))
                batch.written.set()

    def search(self, query: AccessQuery) -> list[AccessRecord]:
        return self.store.search(query)

    def extract(self, case_id: UUID) -> list[AccessRecord]:
        """Every read of the case, oldest first: the young person's registerutdrag."""
        records, after = [], 0
        while page := self.store.search(AccessQuery(case_id=case_id, after=after, limit=1000)):
            records.extend(page)
            after = page[-1].seq
        return records

    def verify(self, signature_ok: Callable[[bytes, bytes, bytes], bool], trusted: Iterable[bytes]) -> ChainVerdict:
        return self.store.verify(signature_ok, set(trusted))


class AccessLogUnavailable(Exception):
    """A read could not be logged, so it is not answered."""
