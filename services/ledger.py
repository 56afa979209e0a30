"""The audit ledger: a hash chain over every stored event, in notification order, with signed checkpoints.

Each link is SHA-256 over the previous link and the event's stored bytes —
ciphertext included — so destroying a case's key later (culling) does not
break verification.  Checkpoints sign (notification id, link) with Ed25519;
exported, they let JO or IVO later prove nothing before them was changed.

Verification recomputes the chain from the events alone and compares it, row
by row, with the ledger; the first divergence is reported exactly.
"""

from __future__ import annotations

from hashlib import sha256
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
    return _link(previous, row.notification_id, row.originator_id.bytes, row.originator_version, row.topic, row.state)


def _link(previous: bytes, notification_id: int, originator_id: bytes, version: int, topic: str,
          state: bytes) -> bytes:
    # One join and one hash call per event: this runs a million times in a verification.
    encoded = _TOPICS.get(topic) or _TOPICS.setdefault(topic, len(topic.encode()).to_bytes(4, "big") + topic.encode())
    return sha256(b"".join((previous, notification_id.to_bytes(8, "big"), originator_id, version.to_bytes(8, "big"),
                            encoded, len(state).to_bytes(4, "big"), state))).digest()


_TOPICS: dict[str, bytes] = {}


def checkpoint_message(notification_id: int, chain_link: bytes) -> bytes:
    return b"sigill-ledger-checkpoint:v1:" + notification_id.to_bytes(8, "big") + chain_link


def chain(rows: Iterable[StoredRow], previous: bytes) -> Iterator[LedgerEntry]:
    for row in rows:
        previous = link(previous, row)
        yield LedgerEntry(row.notification_id, row.originator_id, row.originator_version, previous)


class Verifier(Protocol):
    def __call__(self, public_key: bytes, signature: bytes, message: bytes) -> bool: ...


# One row of the events table joined with the ledger on notification id (either side may be missing):
# (id, originator id bytes, version, topic, state, ledger id, ledger originator id bytes, ledger version, link)
Pair = tuple


def verify(pairs: Iterable[Pair], checkpoints: Iterable[Checkpoint], signature_ok: Verifier,
           trusted_keys: set[bytes], progress: Callable[[int], None] = lambda n: None,
           stored_now: Callable[[], Iterable[Checkpoint]] = lambda: ()) -> Verification:
    """Walk stored events and ledger entries side by side, in notification order.

    ``stored_now``: the stored checkpoints read again at the end — the walk can reach entries a seal committed
    (with their checkpoint) after ``checkpoints`` were read, and the last of them must not look uncovered."""
    wanted: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        wanted.setdefault(checkpoint.notification_id, []).append(checkpoint)
    signed, last_sealed = set(wanted), None
    previous, checked, unsealed, confirmed = GENESIS, 0, 0, 0
    first_unsealed: Pair | None = None
    for pair in pairs:
        nid, oid, version, topic, state, entry_id, entry_oid, entry_version, entry_link = pair
        if entry_id is None:
            unsealed += 1
            first_unsealed = first_unsealed or pair
            continue
        if first_unsealed is not None:  # an unsealed event *before* a sealed one was slipped in afterwards
            return Verification(checked, 0, confirmed, _divergence("inserted", first_unsealed))
        if nid is None:
            return Verification(checked, 0, confirmed, _divergence("removed", pair))
        if oid != entry_oid or version != entry_version:
            return Verification(checked, 0, confirmed, _divergence("reordered", pair))
        if _link(previous, nid, oid, version, topic, state) != entry_link:
            return Verification(checked, 0, confirmed, _divergence("altered", pair))
        previous, last_sealed = entry_link, nid
        checked += 1
        if nid in wanted:
            for checkpoint in wanted.pop(nid):
                problem = _check_checkpoint(checkpoint, previous, signature_ok, trusted_keys)
                if problem is not None:
                    return Verification(checked, 0, confirmed, problem)
                confirmed += 1
        if checked % 100_000 == 0:
            progress(checked)
    if wanted:
        return Verification(checked, unsealed, confirmed, Divergence(
            "checkpoint", min(wanted), None, None, UNREACHED))
    if last_sealed is not None and last_sealed not in signed:
        # Every seal signs its batch's last entry in the same transaction: a head no checkpoint covers was
        # written without the ledger key, or its checkpoints were removed (which needs the triggers disabled).
        late = [c for c in stored_now() if c.notification_id == last_sealed]
        if not late:
            return Verification(checked, unsealed, confirmed, Divergence("checkpoint", last_sealed, None, None,
                                                                         UNCOVERED))
        problem = _check_checkpoint(late[0], previous, signature_ok, trusted_keys)
        if problem is not None:
            return Verification(checked, unsealed, confirmed, problem)
        confirmed += 1
    return Verification(checked, unsealed, confirmed, None)


def verify_case(pairs: Iterable[tuple[Pair, bytes | None]], sealed_to: int) -> Divergence | None:
    """One case's stored events against its ledger entries, each beside the link of the ledger entry before it
    (any case's; None for the first): the same checks as ``verify``, on the case's events only — what an
    auditor's replay of the case needs before it says anything.  ``sealed_to``: the ledger's last notification
    id; a case's event after it is not sealed yet, one before it without an entry was slipped in later."""
    for pair, previous in pairs:
        nid, oid, version, topic, state, entry_id, entry_oid, entry_version, entry_link = pair
        if entry_id is None:
            if nid <= sealed_to:
                return _divergence("inserted", pair)
            continue
        if nid is None:
            return _divergence("removed", pair)
        if oid != entry_oid or version != entry_version:
            return _divergence("reordered", pair)
        if _link(previous or GENESIS, nid, oid, version, topic, state) != entry_link:
            return _divergence("altered", pair)
    return None


def as_pair(row: StoredRow | None, entry: LedgerEntry | None) -> Pair:
    """The joined form of an event and its ledger entry (for callers holding objects)."""
    return ((None,) * 5 if row is None else
            (row.notification_id, row.originator_id.bytes, row.originator_version, row.topic, row.state)) + (
        (None,) * 4 if entry is None else
        (entry.notification_id, entry.originator_id.bytes, entry.originator_version, entry.link))


_DETAILS = {
    "inserted": "this event is not in the ledger but stands before sealed ones: it was added afterwards",
    "removed": "the ledger records an event that is no longer stored",
    "reordered": "another event stands where the ledger sealed this one",
    "altered": "the stored bytes differ from those the ledger sealed",
}


# What a Swedish reader (the report, `sigill audit verify`) is told; the API keeps the English detail.
_SWEDISH = {
    _DETAILS["inserted"]: "händelsen finns inte i liggaren men står före förseglade händelser: den lades till"
                          " i efterhand",
    _DETAILS["removed"]: "liggaren förseglade en händelse som inte längre finns lagrad",
    _DETAILS["reordered"]: "en annan händelse står där liggaren förseglade denna",
    _DETAILS["altered"]: "de lagrade byten skiljer sig från dem liggaren förseglade",
}
UNTRUSTED_KEY = ("the checkpoint is signed by a key not trusted here (give the installation's keys with"
                 " --trust-key, or SIGILL_LEDGER_TRUSTED_KEYS)")
BAD_SIGNATURE = "the checkpoint's signature does not verify"
LINK_MISMATCH = "the chain recomputed from the events does not reach the checkpoint's hash"
UNREACHED = "a checkpoint names an event the ledger no longer reaches"
UNCOVERED = ("no signed checkpoint covers the ledger's last entry: its checkpoints were removed, or entries were"
             " added without the ledger key")
_SWEDISH.update({
    UNTRUSTED_KEY: "kontrollpunkten är signerad med en nyckel som inte är betrodd här (ange installationens"
                   " nycklar med --trust-key eller SIGILL_LEDGER_TRUSTED_KEYS)",
    BAD_SIGNATURE: "kontrollpunktens signatur stämmer inte",
    LINK_MISMATCH: "kedjan räknad ur händelserna når inte kontrollpunktens hash",
    UNREACHED: "en kontrollpunkt pekar på en händelse som liggaren inte längre når",
    UNCOVERED: "ingen signerad kontrollpunkt täcker liggarens sista post: kontrollpunkter har tagits bort, eller"
               " poster lagts till utan liggarens nyckel",
})


def swedish_detail(divergence: Divergence) -> str:
    return _SWEDISH.get(divergence.detail, divergence.detail)


def where_diverged(d: Divergence) -> str:
    """Where the events and the ledger first disagree, in Swedish: the position in the whole event log (what the
    ledger counts), and for a case's event its case and its number in the case's history — the report's and the
    timeline's "händelse" — so that the two are not taken for one another."""
    where = f"position {d.notification_id} i händelseloggen"
    return where + (f" (ärende {d.case_id}, händelse {d.version} i ärendets historik)" if d.case_id else "")


def describe_divergence(d: Divergence) -> str:
    """The whole finding, in Swedish: where, and what."""
    return f"ÄNDRAD vid {where_diverged(d)}: {swedish_detail(d)}"


def _divergence(kind: str, pair: Pair) -> Divergence:
    nid, oid, version = (pair[5], pair[6], pair[7]) if kind == "removed" else (pair[0], pair[1], pair[2])
    return Divergence(kind, nid, UUID(bytes=bytes(oid)), version, _DETAILS[kind])


def _check_checkpoint(checkpoint: Checkpoint, recomputed: bytes, signature_ok: Verifier,
                      trusted_keys: set[bytes]) -> Divergence | None:
    def problem(detail: str) -> Divergence:
        return Divergence("checkpoint", checkpoint.notification_id, None, None, detail)

    if checkpoint.public_key not in trusted_keys:
        return problem(UNTRUSTED_KEY)
    if not signature_ok(checkpoint.public_key, checkpoint.signature, checkpoint.message()):
        return problem(BAD_SIGNATURE)
    if checkpoint.link != recomputed:
        return problem(LINK_MISMATCH)
    return None
