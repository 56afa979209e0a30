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

from services.audit_text import CLI_TRUST

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
                              _MISSING.format(version=expected, earlier=last or 0, later=nid),
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
            detail = (_CUT_AFTER if next_oid is None else _BROKEN_AFTER).format(earlier=previous_id, later=next_id)
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
                      _BROKEN_BEFORE.format(earlier=previous_id, later=nid), (previous_id, nid), aggregate_of(pair[3]))


def as_pair(row: StoredRow | None, entry: LedgerEntry | None) -> Pair:
    """The joined form of an event and its ledger entry (for callers holding objects)."""
    return ((None,) * 5 if row is None else
            (row.notification_id, row.originator_id.bytes, row.originator_version, row.topic, row.state)) + (
        (None,) * 4 if entry is None else
        (entry.notification_id, entry.originator_id.bytes, entry.originator_version, entry.link))


_DETAILS = {
    "inserted": "the ledger has no entry for this event, which stands before sealed ones: it was added afterwards,"
                " or its ledger entry was removed",
    "removed": "the ledger records an event that is no longer stored",
    "reordered": "this event stands where the ledger sealed another one",
    "altered": "the stored bytes differ from those the ledger sealed",
}


# What a Swedish reader (the report, `sigill audit verify`) is told; the API keeps the English detail.
_SWEDISH = {
    _DETAILS["inserted"]: "liggaren saknar post för händelsen, som står före förseglade händelser: den lades till"
                          " i efterhand, eller dess post i liggaren togs bort",
    _DETAILS["removed"]: "liggaren förseglade en händelse som inte längre finns lagrad",
    _DETAILS["reordered"]: "händelsen står där liggaren förseglade en annan",
    _DETAILS["altered"]: "de lagrade byten skiljer sig från dem liggaren förseglade",
}


UNTRUSTED_KEY = f"the checkpoint is signed by a key not trusted here ({CLI_TRUST.english})"
BAD_SIGNATURE = "the checkpoint's signature does not verify"
LINK_MISMATCH = "the chain recomputed from the events does not reach the checkpoint's hash"
UNREACHED = "a checkpoint names an event the ledger no longer reaches"
UNREACHED_EXPORTED = ("the exported checkpoint (from the file) names an event the ledger no longer reaches: the ledger"
                      " was cut short, or rewritten, since the file was written")
LINK_MISMATCH_EXPORTED = ("the chain recomputed from the events does not reach the exported checkpoint's hash (from"
                          " the file): the ledger no longer matches what was exported")
_REORDERED = "this event stands where the ledger sealed another one: version {version} of {whose}"
_BROKEN_BEFORE = ("this event, or one removed just before it (between positions {earlier} and {later}), differs from"
                  " what the ledger sealed: the chain does not follow on from the entry before")
_BROKEN_AFTER = ("the ledger's chain breaks after this, the case's last sealed event: the entry at position {later}"
                 " does not follow from the one at {earlier} — an event between them (perhaps this case's next) was"
                 " removed with its ledger entry, or the event at position {later} was changed")
_CUT_AFTER = ("the ledger ends at position {earlier}, but a signed checkpoint covers position {later}: the ledger's"
              " entries after {earlier} were removed, perhaps with this case's next events")
_MISSING = ("version {version} of the case is stored nowhere, nor is its ledger entry: it was removed with its entry,"
            " between positions {earlier} and {later}")
_SWEDISH_BETWEEN = {
    "altered_or_removed_before": "den här händelsen, eller en som tagits bort strax före den (mellan position {earlier}"
                                 " och {later}), skiljer sig från det liggaren förseglade: kedjan följer inte på"
                                 " posten före",
    "altered_or_removed_after": "liggarens kedja bryts efter ärendets sista förseglade händelse: posten vid position"
                                " {later} följer inte på den vid {earlier} – en händelse mellan dem (kanske ärendets"
                                " nästa) har tagits bort tillsammans med sin post i liggaren, eller händelsen vid"
                                " position {later} har ändrats",
    "removed": "en händelse i ärendet finns varken lagrad eller i liggaren: den togs bort tillsammans med sin post,"
               " mellan position {earlier} och {later}",
}
_SWEDISH_CUT_AFTER = ("liggaren slutar vid position {earlier}, men en signerad kontrollpunkt täcker position {later}:"
                      " liggarens poster efter {earlier} har tagits bort, kanske med ärendets nästa händelser")
UNSEALED_MISSING = ("this event of the case, not yet sealed, is stored nowhere, though a later one is: it was removed"
                    " (the ledger has no entry to tell what it held)")
UNSEALED_OUT_OF_SEQUENCE = ("this event, not yet sealed, does not follow on from the case's events before it (its"
                            " version is taken, or out of order): it was added afterwards")
UNCOVERED = ("no signed checkpoint covers the ledger's last entry: its checkpoints were removed, or entries were"
             " added without the ledger key")
_SWEDISH.update({
    UNSEALED_MISSING: "händelsen i ärendet, som ännu inte förseglats, finns inte lagrad, men en senare gör det: den har"
                      " tagits bort (liggaren har ingen post som visar vad den innehöll)",
    UNSEALED_OUT_OF_SEQUENCE: "händelsen, som ännu inte förseglats, följer inte på ärendets händelser före den (dess"
                              " nummer är redan använt, eller i fel ordning): den lades till i efterhand",
    UNTRUSTED_KEY: f"kontrollpunkten är signerad med en nyckel som inte är betrodd här ({CLI_TRUST.swedish})",
    BAD_SIGNATURE: "kontrollpunktens signatur stämmer inte",
    LINK_MISMATCH: "kedjan räknad ur händelserna når inte kontrollpunktens hash",
    UNREACHED: "en kontrollpunkt pekar på en händelse som liggaren inte längre når",
    UNREACHED_EXPORTED: "den exporterade kontrollpunkten (ur filen) pekar på en händelse som liggaren inte längre"
                        " når: liggaren har kortats, eller skrivits om, sedan filen skrevs",
    LINK_MISMATCH_EXPORTED: "kedjan räknad ur händelserna når inte den exporterade kontrollpunktens hash (ur filen):"
                            " liggaren stämmer inte längre med det som exporterades",
    UNCOVERED: "ingen signerad kontrollpunkt täcker liggarens sista post: kontrollpunkter har tagits bort, eller"
               " poster lagts till utan liggarens nyckel",
})


def swedish_detail(divergence: Divergence) -> str:
    if divergence.kind == "reordered" and divergence.sealed is not None:
        sealed_id, sealed_version = divergence.sealed
        history = ({"case": "samma ärendes", "case_number_series": "samma ärendenummerseries"}.get(
            divergence.aggregate or "", "samma") + " historik" if sealed_id == divergence.case_id else
            f"historiken för {sealed_id}")
        return f"händelsen står där liggaren förseglade en annan: händelse {sealed_version} i {history}"
    if divergence.between is not None and divergence.kind in _SWEDISH_BETWEEN:
        earlier, later = divergence.between
        said = _SWEDISH_CUT_AFTER if divergence.detail == _CUT_AFTER.format(earlier=earlier, later=later) else \
            _SWEDISH_BETWEEN[divergence.kind]
        return said.format(earlier=earlier, later=later)
    return _SWEDISH.get(divergence.detail, divergence.detail)


def where_diverged(d: Divergence) -> str:
    """Where the events and the ledger first disagree, in Swedish: the position in the whole event log (what the
    ledger counts), and for a case's event its case and its number in the case's history — the report's and the
    timeline's "händelse" — so that the two are not taken for one another.  An event of a case-number series is
    named as one (it is no case); a removed event's aggregate is not known (only its id is left)."""
    where = f"position {d.notification_id} i händelseloggen"
    if not d.case_id:
        return where
    if d.aggregate == "case_number_series":
        return where + (f" (ärendenummerserie {d.case_id}, inte ett ärende; händelse {d.version} i seriens"
                        " historik)")
    if d.aggregate is None:
        return where + f" (ärende eller ärendenummerserie {d.case_id}, händelse {d.version} i dess historik)"
    return where + f" (ärende {d.case_id}, händelse {d.version} i ärendets historik)"


def describe_divergence(d: Divergence) -> str:
    """The whole finding, in Swedish: where, and what."""
    return f"ÄNDRAD vid {where_diverged(d)}: {swedish_detail(d)}"


def _divergence(kind: str, pair: Pair) -> Divergence:
    nid, oid, version = (pair[5], pair[6], pair[7]) if kind == "removed" else (pair[0], pair[1], pair[2])
    if kind == "reordered":   # the event stored here is named; say which one the ledger sealed here instead
        sealed = (UUID(bytes=bytes(pair[6])), pair[7])
        whose = "the same aggregate" if bytes(pair[6]) == bytes(oid) else f"aggregate {sealed[0]}"
        return Divergence(kind, nid, UUID(bytes=bytes(oid)), version, _REORDERED.format(version=sealed[1], whose=whose),
                          None, aggregate_of(pair[3]), sealed)
    return Divergence(kind, nid, UUID(bytes=bytes(oid)), version, _DETAILS[kind], None, aggregate_of(pair[3]))


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
