"""Auditing: sealing the ledger, verifying it, exporting checkpoints; replay and disclosures per case."""

from __future__ import annotations

import base64
import binascii
import json
from contextlib import closing
from dataclasses import replace
from datetime import date, datetime
from typing import Callable, Generator, Iterable, Iterator, Protocol, Sequence
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from eventsourcing.persistence import StoredEvent

from services.access_chain import AccessCheckpoint
from services.audit_text import CLI_TRUST
from services.ledger import (GENESIS, Checkpoint, Divergence, LedgerEntry, StoredRow, Verification, aggregate_of,
                             chain, checkpoint_message, verify, verify_case)
from services.ports import Clock

EXPORT_FORMAT = "sigill-ledger-checkpoints/1"


class LedgerStore(Protocol):
    def head(self) -> LedgerEntry | None: ...
    def events_after(self, notification_id: int) -> Iterator[list[StoredRow]]: ...
    def append(self, entries: list[LedgerEntry], checkpoint: Checkpoint | None) -> None: ...
    def checkpoints(self) -> list[Checkpoint]: ...
    def pairs(self) -> Generator[tuple, None, None]: ...
    def case_pairs(self, case_id: UUID) -> tuple[list[tuple], int, list[tuple]]: ...
    def topic_of(self, originator_id: UUID) -> str | None: ...


class CaseHistoryAltered(Exception):
    """A case's stored events are not those the ledger sealed: nothing may be replayed or reported from them."""

    def __init__(self, divergence: Divergence, stored: Sequence[StoredEvent] = ()) -> None:
        self.divergence = divergence
        # The case's stored events the check read (``Ledger.checked_events``): whether the case has any, for a report
        # that tells of the change, without a second read.
        self.stored = stored
        super().__init__(f"the stored history of case {divergence.case_id} is not what the audit ledger sealed"
                         f" (version {divergence.version}: {divergence.kind}); nothing is replayed from it —"
                         " `sigill audit verify` names the first change")


class InvalidCheckpointFile(ValueError):
    """An exported checkpoint file that cannot be read; ``field``: where in the file, dotted (``checkpoints.0.link``,
    the API's place for it), when one value is at fault."""

    def __init__(self, message: str, field: str | None = None, why: str = "unreadable") -> None:
        super().__init__(message)
        self.field, self.why = field, why   # why: "unreadable", "untrusted" (its key) or "forged" (its signature)


class Ledger:
    def __init__(self, store: LedgerStore, signing_key: Ed25519PrivateKey | None, clock: Clock,
                 trusted_keys: Iterable[bytes] = ()) -> None:
        """``signing_key`` None: a verifier's ledger (an outside party's), which trusts ``trusted_keys`` only."""
        self.store, self._signing_key, self.clock = store, signing_key, clock
        self.public_key = None if signing_key is None else raw_public_key(signing_key)
        self.trusted_keys = {*trusted_keys} | ({self.public_key} if self.public_key else set())

    def seal(self, progress: Callable[[int], None] = lambda n: None) -> int:
        """Chain every event stored since the last seal, and sign a checkpoint at the end of each batch."""
        head = self.store.head()
        previous = head.link if head else GENESIS
        after = head.notification_id if head else 0
        sealed = 0
        for batch in self.store.events_after(after):
            entries = list(chain(batch, previous))
            previous = entries[-1].link
            self.store.append(entries, self._sign(entries[-1]))
            sealed += len(entries)
            progress(sealed)
        return sealed

    def verify(self, exported: Iterable[Checkpoint] = (), progress: Callable[[int], None] = lambda n: None
               ) -> Verification:
        """Recompute the chain from the stored events; check it against the ledger and every checkpoint (one
        that is both stored and in the exported file is checked, and counted, once)."""
        stored = self.store.checkpoints()
        exported = list(exported)
        self.check_file(exported, stored)
        known = set(stored)
        from_file = [c for c in exported if c not in known]
        checkpoints = list(dict.fromkeys([*stored, *exported]))
        # Closed when done, found or not: its cursors may be on a connection the caller reads on next (verify's one
        # snapshot).
        with closing(self.store.pairs()) as pairs:
            result = verify(pairs, checkpoints, signature_ok, self.trusted_keys, progress,
                            stored_now=self.store.checkpoints, from_file=from_file)
        return self._named(result)

    def check_file(self, exported: Iterable[Checkpoint], stored: Iterable[Checkpoint] | None = None) -> None:
        """An exported file's own checkpoints, before any walk: one signed by a key not trusted here, or whose
        signature does not verify, is a bad file (``InvalidCheckpointFile``, exit 3), not a changed ledger; only a
        good one the ledger no longer reaches or matches is a change, told as the exported checkpoint's.  Those
        also stored here are the installation's own, checked in the walk."""
        known = set(self.store.checkpoints() if stored is None else stored)
        for n, checkpoint in enumerate(exported, start=1):
            if checkpoint not in known:
                _check_signed(checkpoint, n, self.trusted_keys, "checkpoints", "checkpoint", "the ledger")

    def trusting(self, keys: Iterable[bytes]) -> "Ledger":
        """The same ledger as a verifier that trusts ``keys`` besides these (an auditor's, as `verify --trust-key`);
        it signs nothing."""
        return Ledger(self.store, None, self.clock, self.trusted_keys | set(keys))

    def _named(self, result: Verification) -> Verification:
        """A removed event leaves only its aggregate's id; the aggregate's other events, if any are left, say
        whether it was a case's or a case-number series' (so that the finding names a case as a case)."""
        found = result.divergence
        if found is None or found.aggregate is not None or found.case_id is None:
            return result
        topic = self.store.topic_of(found.case_id)
        return replace(result, divergence=replace(found, aggregate=aggregate_of(topic)))

    def case_divergence(self, case_id: UUID) -> Divergence | None:
        """The first place where the case's stored events differ from what the ledger sealed (None: none).
        Events removed from a case's end leave a history that still reads; only the ledger knows it is short (and,
        removed with their ledger entries, only the chain after the case's last entry)."""
        pairs, sealed_to, gaps_after = self.store.case_pairs(case_id)
        return verify_case(pairs, sealed_to, gaps_after)

    def checked_events(self, case_id: UUID) -> list[StoredEvent]:
        """The case's stored events, in order, checked against what the ledger sealed (those stored after the
        ledger's last seal too, as every read of the case has them); ``CaseHistoryAltered`` (carrying the rows read)
        unless they are the ones it sealed. An auditor's answer is made of these very rows, not of a second read of
        the case that an event changed between the two reads would make differ from what was checked — and the case
        is read once, not twice."""
        pairs, sealed_to, gaps_after = self.store.case_pairs(case_id)
        stored = [pair for pair, _ in pairs if pair[0] is not None]   # an entry without its event: no row
        events = [StoredEvent(UUID(bytes=bytes(oid)), version, topic, bytes(state))
                  for _, oid, version, topic, state, *_ in sorted(stored, key=lambda pair: pair[2])]
        divergence = verify_case(pairs, sealed_to, gaps_after)
        if divergence is not None:
            raise CaseHistoryAltered(divergence, events)
        return events

    def export(self, access_log: AccessCheckpoint | None = None) -> str:
        """The checkpoints as a JSON document an outside party keeps; with the access log's last signed checkpoint
        (``access_log``), which anchors who read what as the ledger's anchor the events (a file without one, as
        written before 2026-12-06, still reads)."""
        document = {
            "format": EXPORT_FORMAT,
            "checkpoints": [{"notification_id": c.notification_id, "link": c.link.hex(),
                             "signed_at": c.signed_at.isoformat(), "public_key": _b64(c.public_key),
                             "signature": _b64(c.signature)} for c in self.store.checkpoints()],
        }
        if access_log is not None:
            document["access_log"] = [{"seq": access_log.seq, "link": access_log.link.hex(),
                                       "signed_at": access_log.signed_at.isoformat(),
                                       "public_key": _b64(access_log.public_key),
                                       "signature": _b64(access_log.signature)}]
        return json.dumps(document, indent=2)

    def _sign(self, entry: LedgerEntry) -> Checkpoint:
        if self._signing_key is None:
            raise RuntimeError("a verifier's ledger signs nothing: build it with the ledger key to seal")
        message = checkpoint_message(entry.notification_id, entry.link)
        return Checkpoint(entry.notification_id, entry.link, self.clock.now(), self.public_key,
                          self._signing_key.sign(message))


def checkpoint_file_name(day: date) -> str:
    """What a downloaded checkpoint file is called: the day it was exported (Swedish time), nothing of any case."""
    return f"sigill-kontrollpunkter-{day.isoformat()}.json"


CHECKPOINT_FIELDS = ("notification_id", "link", "signed_at", "public_key", "signature")


def read_exported(text: str) -> list[Checkpoint]:
    """The checkpoints of a file ``sigill audit export`` wrote; anything else is ``InvalidCheckpointFile`` saying
    where, in a sentence (a broken file must not read as tampering: verify's exit 1)."""
    try:
        document = json.loads(text)
    except RecursionError:   # 100,000 brackets: Python's parser gives up, with a traceback
        raise InvalidCheckpointFile("the checkpoint file is not one `sigill audit export` wrote (nested too deep"
                                    " to read)") from None
    except ValueError as error:
        raise InvalidCheckpointFile(f"the checkpoint file is not JSON: {error}") from None
    return checkpoints_of(document)


def checkpoints_of(document: object) -> list[Checkpoint]:
    """The checkpoints of an exported file's parsed JSON (the API's body is parsed already)."""
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise InvalidCheckpointFile(f"not a {EXPORT_FORMAT} file (as `sigill audit export` writes)", "format")
    entries = document.get("checkpoints")
    if not isinstance(entries, list):
        raise InvalidCheckpointFile("the checkpoint file holds no list of checkpoints", "checkpoints")
    # One checkpoint listed twice (two exports joined) is one: counted twice, verify said "1 … bekräftad (däribland
    # alla 2 i den exporterade filen)".  Two different ones at a position stay two, and a forged one is found.
    return list(dict.fromkeys(_checkpoint(n, entry) for n, entry in enumerate(entries, start=1)))


def _checkpoint(n: int, entry: object) -> Checkpoint:
    return Checkpoint(**_fields(n, entry, "checkpoints", "checkpoint", CHECKPOINT_FIELDS))  # type: ignore[arg-type]


ACCESS_CHECKPOINT_FIELDS = ("seq", "link", "signed_at", "public_key", "signature")


def read_exported_access_log(text: str) -> list[AccessCheckpoint]:
    """The access log's checkpoints of a file ``sigill audit export`` wrote (none in one written before
    2026-12-06); call ``read_exported`` first, which refuses what is no such file."""
    return access_log_of(json.loads(text))


def access_log_of(document: dict) -> list[AccessCheckpoint]:
    """The access log's checkpoints of an exported file's parsed JSON (the API's body is parsed already), read as
    ``checkpoints_of`` reads the ledger's — after it, which refuses what is no such file."""
    entries = document.get("access_log", [])
    if not isinstance(entries, list):
        raise InvalidCheckpointFile("the checkpoint file's access_log is not a list of checkpoints", "access_log")
    return [AccessCheckpoint(**_fields(n, entry, "access_log", "the access log's checkpoint",  # type: ignore[arg-type]
                                       ACCESS_CHECKPOINT_FIELDS)) for n, entry in enumerate(entries, start=1)]


def check_access_log_file(exported: Iterable[AccessCheckpoint], trusted: set[bytes]) -> None:
    """As ``Ledger.check_file``: an access-log checkpoint of the file signed by a key not trusted here, or whose
    signature does not verify, is a bad file (exit 3), not a changed log."""
    for n, checkpoint in enumerate(exported, start=1):
        _check_signed(checkpoint, n, trusted, "access_log", "the access log's checkpoint", "the access log")


def _check_signed(checkpoint: Checkpoint | AccessCheckpoint, n: int, trusted: set[bytes], where: str, called: str,
                  what: str) -> None:
    """One checkpoint of an exported file (the ``n``th of its part ``where``) signed by a trusted key, its signature
    verifying: otherwise the file is bad (exit 3, a 422 naming the field), and ``what`` it checks not found changed.
    One key signs the ledger and the access log, so the same keys are trusted for both."""
    if checkpoint.public_key not in trusted:
        raise InvalidCheckpointFile(f"{called} {n} of the file is signed by a key not trusted here"
                                    f" ({CLI_TRUST.english}): the file is not verified, {what} not found changed",
                                    f"{where}.{n - 1}.public_key", "untrusted")
    if not signature_ok(checkpoint.public_key, checkpoint.signature, checkpoint.message()):
        raise InvalidCheckpointFile(f"{called} {n} of the file has a signature that does not verify: the file is not"
                                    f" as `sigill audit export` wrote it ({what} is not found changed by it)",
                                    f"{where}.{n - 1}.signature", "forged")


def _fields(n: int, entry: object, where: str, called: str, fields: tuple[str, ...]) -> dict[str, object]:
    """One checkpoint of an exported file, each of ``fields`` read strictly (the position under either name)."""
    where = f"{where}.{n - 1}"   # the place counts from 0, as the API's fields do; the sentence from 1
    if not isinstance(entry, dict):
        raise InvalidCheckpointFile(f"{called} {n} of the file is not an object with {', '.join(fields)}", where)
    missing = [name for name in fields if name not in entry]
    if missing:
        raise InvalidCheckpointFile(f"{called} {n} of the file lacks {', '.join(missing)}", f"{where}.{missing[0]}")
    readers: dict[str, Callable[[object], object]] = {
        "notification_id": _position, "seq": lambda v: _position(v, "seq"),
        "link": lambda v: _sized("link", bytes.fromhex(v), 32),  # type: ignore[arg-type]
        "signed_at": datetime.fromisoformat,  # type: ignore[dict-item]
        "public_key": lambda v: _sized("public_key", _base64(v), 32),
        "signature": lambda v: _sized("signature", _base64(v), 64)}
    read = {}
    for name in fields:
        try:
            read[name] = readers[name](entry[name])
        except (ValueError, TypeError, AttributeError) as error:
            raise InvalidCheckpointFile(f"{called} {n} of the file cannot be read: {error}", f"{where}.{name}"
                                        ) from None
    return read


def _base64(value: object) -> bytes:
    """Strict: b64decode without ``validate`` drops what is not base64 ("!!!" read as no key at all)."""
    if not isinstance(value, str):
        raise ValueError(f"{_short(value)} is not base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ValueError(f"{_short(value)} is not base64") from None


def _sized(name: str, value: bytes, size: int) -> bytes:
    if len(value) != size:
        raise ValueError(f"{name} is {len(value)} bytes, not {size}")
    return value


def _short(value: object) -> str:
    return repr(value)[:40]


# The highest position PostgreSQL's bigint holds; one beyond what the signed message's 8 bytes hold was a traceback.
LAST_POSITION = 2**63 - 1


def _position(value: object, name: str = "notification_id") -> int:
    if type(value) is not int or not 1 <= value <= LAST_POSITION:   # bool is an int; [1] or "x" read as tampering
        raise ValueError(f"{name} {_short(value)} is not a position (a whole number from 1 to {LAST_POSITION})")
    return value


def public_key_of(text: str) -> bytes:
    """A ledger public key as an auditor gives it to trust (base64 of its 32 bytes); ValueError saying why not."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ValueError(f"'{text[:60]}' is not a base64 Ed25519 public key (32 bytes)")
    return key


def raw_public_key(signing_key: Ed25519PrivateKey) -> bytes:
    """The signing key's public key, raw (32 bytes): what checkpoints carry and an outside party trusts."""
    return signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def signature_ok(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
