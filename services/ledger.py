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
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Callable, Iterable, Iterator, Protocol
from uuid import UUID

from services.ledger_texts import (BAD_SIGNATURE, BROKEN_AFTER, BROKEN_BEFORE, CUT_AFTER, DETAILS, LINK_MISMATCH,
                                   LINK_MISMATCH_EXPORTED, MISSING, REORDERED, UNCOVERED, UNREACHED, UNREACHED_EXPORTED,
                                   UNSEALED_MISSING, UNSEALED_OUT_OF_SEQUENCE, UNTRUSTED_KEY)

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
    #                            | "altered_or_removed_before" | "altered_or_removed_after" (see ``between``)
    notification_id: int
    case_id: UUID | None       # the aggregate whose event it is (a case's, or another aggregate's: ``aggregate``)
    version: int | None
    detail: str
    # A link that does not follow from the entry before it, with positions between the two: the event, or one
    # removed just before it (its ledger entry with it), cannot be told apart.  (earlier position, later position)
    between: tuple[int, int] | None = None
    aggregate: str | None = "case"   # "case", "case_number_series", or None: not known (the event is gone)
    # "reordered": the event the ledger sealed at this position (its aggregate's id, its version), which is not the
    # one stored there now.
    sealed: tuple[UUID, int] | None = None


@dataclass(frozen=True)
class Verification:
    checked: int               # events verified against the ledger
    unsealed: int              # events stored after the ledger's last entry (not yet covered)
    checkpoints: int           # checkpoints whose signature and link were confirmed
    divergence: Divergence | None
    exported: int = 0          # of ``checkpoints``, those confirmed from an exported file (not stored here)

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
           stored_now: Callable[[], Iterable[Checkpoint]] = lambda: (),
           from_file: Iterable[Checkpoint] = ()) -> Verification:
    """Walk stored events and ledger entries side by side, in notification order.

    ``stored_now``: the stored checkpoints read again at the end — the walk can reach entries a seal committed
    (with their checkpoint) after ``checkpoints`` were read, and the last of them must not look uncovered.
    ``from_file``: those of ``checkpoints`` that only an exported file holds (not stored here): one the ledger
    does not reach, or does not match, is told as the exported checkpoint the ledger no longer matches."""
    from_file = set(from_file)
    wanted: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        wanted.setdefault(checkpoint.notification_id, []).append(checkpoint)
    signed, last_sealed = set(wanted), None
    previous, checked, unsealed, confirmed, exported = GENESIS, 0, 0, 0, 0
    first_unsealed: Pair | None = None
    for pair in pairs:
        nid, oid, version, topic, state, entry_id, entry_oid, entry_version, entry_link = pair
        if entry_id is None:
            unsealed += 1
            first_unsealed = first_unsealed or pair
            continue
        if first_unsealed is not None:  # an unsealed event *before* a sealed one was slipped in afterwards
            return Verification(checked, 0, confirmed, _divergence("inserted", first_unsealed), exported)
        if nid is None:
            return Verification(checked, 0, confirmed, _divergence("removed", pair), exported)
        if oid != entry_oid or version != entry_version:
            return Verification(checked, 0, confirmed, _divergence("reordered", pair), exported)
        if _link(previous, nid, oid, version, topic, state) != entry_link:
            return Verification(checked, 0, confirmed, _link_broken(pair, last_sealed or 0), exported)
        previous, last_sealed = entry_link, nid
        checked += 1
        if nid in wanted:
            for checkpoint in wanted.pop(nid):
                problem = _check_checkpoint(checkpoint, previous, signature_ok, trusted_keys, checkpoint in from_file)
                if problem is not None:
                    return Verification(checked, 0, confirmed, problem, exported)
                confirmed += 1
                exported += checkpoint in from_file
        if checked % 100_000 == 0:
            progress(checked)
    if wanted:
        first = min(wanted)
        unreached = UNREACHED_EXPORTED if all(c in from_file for c in wanted[first]) else UNREACHED
        return Verification(checked, unsealed, confirmed, Divergence("checkpoint", first, None, None, unreached),
                            exported)
    if last_sealed is not None and last_sealed not in signed:
        # Every seal signs its batch's last entry in the same transaction: a head no checkpoint covers was
        # written without the ledger key, or its checkpoints were removed (which needs the triggers disabled).
        late = [c for c in stored_now() if c.notification_id == last_sealed]
        if not late:
            return Verification(checked, unsealed, confirmed, Divergence("checkpoint", last_sealed, None, None,
                                                                         UNCOVERED), exported)
        problem = _check_checkpoint(late[0], previous, signature_ok, trusted_keys)
        if problem is not None:
            return Verification(checked, unsealed, confirmed, problem, exported)
        confirmed += 1
    return Verification(checked, unsealed, confirmed, None, exported)


# One of a case's rows for ``verify_case``: its pair, and the ledger entry before it (position, link; None for the
# ledger's first).  A gap after the case's last entry: the pair at the entry after the gap, and the entry before.
CaseRow = tuple


def verify_case(rows: Iterable[CaseRow], sealed_to: int, gaps_after: Iterable[CaseRow] = ()) -> Divergence | None:
    """One case's stored events against its ledger entries: the same checks as ``verify``, on the case's events
    only — what an auditor's replay of the case needs before it says anything.  ``sealed_to``: the ledger's last
    notification id; a case's event after it is not sealed yet, one before it without an entry was slipped in
    later.

    An event removed *together with its ledger entry* leaves the case's other entries whole.  Removed before the
    case's last entry, it leaves a version missing among the case's entries (versions run 1, 2, 3 …).  Removed
    after it — the case's last events, a withdrawal — it breaks the chain at the ledger's next entry, whatever
    case that is: so every link after the case's last entry whose position does not follow on from the entry
    before (``gaps_after``: the only places anything can be missing) is recomputed, and one that does not follow
    refuses the case.  At consecutive positions nothing can be missing, and a change there is the event's own
    case's concern."""
    expected, last = 1, None
    for pair, before in rows:
        nid, oid, version, topic, state, entry_id, entry_oid, entry_version, entry_link = pair
        if entry_id is None:
            if nid <= sealed_to:
                return _divergence("inserted", pair)
            if version != expected:   # not sealed, yet out of the case's sequence (after the sealed, in order)
                return _out_of_sequence(pair, expected)
            expected = version + 1
            continue
        if nid is None:   # the case's (it is the case's entry): not an aggregate only its id is left of
            return replace(_divergence("removed", pair), aggregate="case")
        if oid != entry_oid or version != entry_version:
            return _divergence("reordered", pair)
        previous_id, previous_link = before or (0, GENESIS)
        if version != expected:
            return Divergence("removed", nid, UUID(bytes=bytes(oid)), expected,
                              MISSING.format(version=expected, earlier=last or 0, later=nid),
                              (last or 0, nid), "case")
        if _link(previous_link, nid, oid, version, topic, state) != entry_link:
            return _link_broken(pair, previous_id)
        expected, last, last_pair = version + 1, nid, pair
    for pair, (previous_id, previous_link) in gaps_after:
        n_nid, n_oid, n_version, n_topic, n_state, next_id, next_oid, next_version, next_link = pair
        if (n_nid is None or (n_oid, n_version) != (next_oid, next_version)
                or _link(previous_link, n_nid, n_oid, n_version, n_topic, n_state) != next_link):
            # A checkpoint signed beyond the ledger's end stands in for the entry after it (no entry of an aggregate):
            # the end was cut, and no entry "between" the two is left to have been removed.
            detail = (CUT_AFTER if next_oid is None else BROKEN_AFTER).format(earlier=previous_id, later=next_id)
            return Divergence("altered_or_removed_after", last, UUID(bytes=bytes(last_pair[1])), last_pair[2],
                              detail, (previous_id, next_id), "case")
    return None


def _out_of_sequence(pair: Pair, expected: int) -> Divergence:
    """An event stored after the ledger's last seal whose version does not follow on from the case's events before
    it: the ledger has no entry to hold it to, but the case's versions run 1, 2, 3 … in the order they were stored —
    one missing before it was removed, one taken or lower was slipped in.  (The last events after the seal, removed,
    leave nothing to see.)"""
    nid, oid, version = pair[0], pair[1], pair[2]
    if version > expected:
        return Divergence("removed", nid, UUID(bytes=bytes(oid)), expected, UNSEALED_MISSING, None, "case")
    return Divergence("inserted", nid, UUID(bytes=bytes(oid)), version, UNSEALED_OUT_OF_SEQUENCE, None,
                      aggregate_of(pair[3]))


def _link_broken(pair: Pair, previous_id: int) -> Divergence:
    """A sealed event whose link does not follow from the ledger's entry before it.  Right after that entry its
    stored bytes (or its entry) were altered; with positions between the two, an event removed there together
    with its ledger entry breaks the link just the same, and which of the two happened cannot be told."""
    nid = pair[0]
    if nid == previous_id + 1:
        return _divergence("altered", pair)
    return Divergence("altered_or_removed_before", nid, UUID(bytes=bytes(pair[1])), pair[2],
                      BROKEN_BEFORE.format(earlier=previous_id, later=nid), (previous_id, nid), aggregate_of(pair[3]))


def as_pair(row: StoredRow | None, entry: LedgerEntry | None) -> Pair:
    """The joined form of an event and its ledger entry (for callers holding objects)."""
    return ((None,) * 5 if row is None else
            (row.notification_id, row.originator_id.bytes, row.originator_version, row.topic, row.state)) + (
        (None,) * 4 if entry is None else
        (entry.notification_id, entry.originator_id.bytes, entry.originator_version, entry.link))


def _divergence(kind: str, pair: Pair) -> Divergence:
    nid, oid, version = (pair[5], pair[6], pair[7]) if kind == "removed" else (pair[0], pair[1], pair[2])
    if kind == "reordered":   # the event stored here is named; say which one the ledger sealed here instead
        sealed = (UUID(bytes=bytes(pair[6])), pair[7])
        whose = "the same aggregate" if bytes(pair[6]) == bytes(oid) else f"aggregate {sealed[0]}"
        return Divergence(kind, nid, UUID(bytes=bytes(oid)), version, REORDERED.format(version=sealed[1], whose=whose),
                          None, aggregate_of(pair[3]), sealed)
    return Divergence(kind, nid, UUID(bytes=bytes(oid)), version, DETAILS[kind], None, aggregate_of(pair[3]))


SERIES_TOPICS = "domain.case_numbers:"   # the case-number series' events (every other aggregate's is a case's)


def aggregate_of(topic: str | None) -> str | None:
    """What kind of aggregate a stored event's topic says it belongs to; None: no event to tell (removed)."""
    if topic is None:
        return None
    return "case_number_series" if topic.startswith(SERIES_TOPICS) else "case"


def _check_checkpoint(checkpoint: Checkpoint, recomputed: bytes, signature_ok: Verifier,
                      trusted_keys: set[bytes], from_file: bool = False) -> Divergence | None:
    def problem(detail: str) -> Divergence:
        return Divergence("checkpoint", checkpoint.notification_id, None, None, detail)

    if checkpoint.public_key not in trusted_keys:
        return problem(UNTRUSTED_KEY)
    if not signature_ok(checkpoint.public_key, checkpoint.signature, checkpoint.message()):
        return problem(BAD_SIGNATURE)
    if checkpoint.link != recomputed:
        return problem(LINK_MISMATCH_EXPORTED if from_file else LINK_MISMATCH)
    return None
