"""The audit ledger: a hash chain over every stored event, in notification order, with signed checkpoints.

Each link is SHA-256 over the previous link and the event's stored bytes —
ciphertext included — so destroying a case's key later (culling) does not
break verification.  Checkpoints sign (notification id, link) with Ed25519;
exported, they let JO or IVO later prove nothing before them was changed.

Verification recomputes the chain from the events alone and compares it, row
by row, with the ledger; the first divergence is reported exactly.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable, Iterator, Protocol
from uuid import UUID

GENESIS = bytes(32)


@dataclass(frozen=True)
class StoredRow:
    notification_id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


@dataclass(frozen=True)
class LedgerEntry:
    notification_id: int
    originator_id: UUID
    originator_version: int
    link: bytes


@dataclass(frozen=True)
class Checkpoint:
    notification_id: int
    link: bytes
    signed_at: datetime
    public_key: bytes
    signature: bytes

    def message(self) -> bytes:
        return checkpoint_message(self.notification_id, self.link)


@dataclass(frozen=True)
class Divergence:
    """The first place where the stored events and the ledger disagree."""

    kind: str                  # "altered" | "removed" | "reordered" | "inserted" | "checkpoint"
    notification_id: int
    case_id: UUID | None
    version: int | None
    detail: str


@dataclass(frozen=True)
class Verification:
    checked: int               # events verified against the ledger
    unsealed: int              # events stored after the ledger's last entry (not yet covered)
    checkpoints: int           # checkpoints whose signature and link were confirmed
    divergence: Divergence | None

    @property
    def intact(self) -> bool:
        return self.divergence is None


def link(previous: bytes, row: StoredRow) -> bytes:
    topic = row.topic.encode()
    digest = hashlib.sha256(previous)
    digest.update(row.notification_id.to_bytes(8, "big"))
    digest.update(row.originator_id.bytes)
    digest.update(row.originator_version.to_bytes(8, "big"))
    digest.update(len(topic).to_bytes(4, "big") + topic)
    digest.update(len(row.state).to_bytes(4, "big"))
    digest.update(row.state)
    return digest.digest()


def checkpoint_message(notification_id: int, chain_link: bytes) -> bytes:
    return b"sigill-ledger-checkpoint:v1:" + notification_id.to_bytes(8, "big") + chain_link


def chain(rows: Iterable[StoredRow], previous: bytes) -> Iterator[LedgerEntry]:
    for row in rows:
        previous = link(previous, row)
        yield LedgerEntry(row.notification_id, row.originator_id, row.originator_version, previous)


class Verifier(Protocol):
    def __call__(self, public_key: bytes, signature: bytes, message: bytes) -> bool: ...


def verify(pairs: Iterable[tuple[StoredRow | None, LedgerEntry | None]], checkpoints: Iterable[Checkpoint],
           signature_ok: Verifier, trusted_keys: set[bytes],
           progress: Callable[[int], None] = lambda n: None) -> Verification:
    """Walk stored events and ledger entries side by side (joined on notification id, in order)."""
    wanted: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        wanted.setdefault(checkpoint.notification_id, []).append(checkpoint)
    previous, checked, unsealed, confirmed = GENESIS, 0, 0, 0
    first_unsealed: StoredRow | None = None
    for row, entry in pairs:
        if entry is None:
            unsealed += 1
            first_unsealed = first_unsealed or row
            continue
        if first_unsealed is not None:  # an unsealed event *before* a sealed one was slipped in afterwards
            return Verification(checked, 0, confirmed, _inserted(first_unsealed))
        divergence = _compare(row, entry, previous)
        if divergence is not None:
            return Verification(checked, 0, confirmed, divergence)
        previous = entry.link
        checked += 1
        for checkpoint in wanted.pop(entry.notification_id, ()):
            problem = _check_checkpoint(checkpoint, previous, signature_ok, trusted_keys)
            if problem is not None:
                return Verification(checked, 0, confirmed, problem)
            confirmed += 1
        if checked % 100_000 == 0:
            progress(checked)
    if wanted:
        first = min(wanted)
        return Verification(checked, unsealed, confirmed, Divergence(
            "checkpoint", first, None, None, "a checkpoint names an event the ledger no longer reaches"))
    return Verification(checked, unsealed, confirmed, None)


def _compare(row: StoredRow | None, entry: LedgerEntry, previous: bytes) -> Divergence | None:
    if row is None:
        return Divergence("removed", entry.notification_id, entry.originator_id, entry.originator_version,
                          "the ledger records an event that is no longer stored")
    if (row.originator_id, row.originator_version) != (entry.originator_id, entry.originator_version):
        return Divergence("reordered", row.notification_id, row.originator_id, row.originator_version,
                          f"the ledger has version {entry.originator_version} of case {entry.originator_id} here")
    if link(previous, row) != entry.link:
        return Divergence("altered", row.notification_id, row.originator_id, row.originator_version,
                          "the stored bytes differ from those the ledger sealed")
    return None


def _inserted(row: StoredRow) -> Divergence:
    return Divergence("inserted", row.notification_id, row.originator_id, row.originator_version,
                      "this event is not in the ledger but stands before sealed ones: it was added afterwards")


def _check_checkpoint(checkpoint: Checkpoint, recomputed: bytes, signature_ok: Verifier,
                      trusted_keys: set[bytes]) -> Divergence | None:
    def problem(detail: str) -> Divergence:
        return Divergence("checkpoint", checkpoint.notification_id, None, None, detail)

    if checkpoint.public_key not in trusted_keys:
        return problem("the checkpoint is signed by a key this installation does not trust")
    if not signature_ok(checkpoint.public_key, checkpoint.signature, checkpoint.message()):
        return problem("the checkpoint's signature does not verify")
    if checkpoint.link != recomputed:
        return problem("the chain recomputed from the events does not reach the checkpoint's hash")
    return None
