"""The access log's chain: how an entry is linked to the one before, how a checkpoint is signed, what
verification finds.

Each entry's link is SHA-256 over the previous link and the entry's stored
fields (the sealed reader's name and purpose included).  The database
computes the links as it inserts, under the table's lock, so the lock is
held for that one statement and the disk's flush.  Each batch's last link is
then signed by the ledger key (a checkpoint), stored with the next batch or,
when none follows at once, on its own — so an altered, removed, reordered or
cut-off entry is found by ``verify``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from hashlib import sha256
from typing import Callable

from services.access_entry import AccessEntry

GENESIS = bytes(32)
Signer = Callable[[bytes], tuple[bytes, bytes]]  # message -> (public key, signature)


def entry_link(previous: bytes, seq: int, entry: AccessEntry, sealed_details: bytes) -> bytes:
    """The chain over what is stored: plain columns, and the sealed details as stored bytes."""
    # The time in UTC: the writer sends its clock's UTC text, and a verifier reads the stored time back in its own
    # session's zone (PGTZ, a role's or database's setting) — the same instant, other text (a review's finding).
    parts = (str(seq), utc_text(entry.at), str(entry.case_id), entry.subject, entry.agency, entry.roles, entry.what)
    encoded = b"".join(len(p.encode()).to_bytes(4, "big") + p.encode() for p in parts)
    return sha256(previous + encoded + len(sealed_details).to_bytes(4, "big") + sealed_details).digest()


def utc_text(at: datetime) -> str:
    """An entry's time as the chain covers it: ISO 8601 in UTC (what a UTC clock's ``isoformat`` gives)."""
    return at.astimezone(timezone.utc).isoformat()


def checkpoint_message(seq: int, link: bytes) -> bytes:
    return b"sigill-access-log-checkpoint:v1:" + seq.to_bytes(8, "big") + link


@dataclass(frozen=True)
class AccessCheckpoint:
    """A signed checkpoint of the access log as an exported file carries it (`sigill audit export`): the log's own
    checkpoints prove nothing against whoever may rewrite the log from one of them on and delete those after (the
    chain needs no key), a kept one does — its link commits to every entry up to it."""

    seq: int
    link: bytes
    signed_at: datetime
    public_key: bytes
    signature: bytes

    def message(self) -> bytes:
        return checkpoint_message(self.seq, self.link)


# What verification finds, in English (the API) and in Swedish (the web client, the command line), by entry.
FINDINGS = {
    "missing": ("entry {seq} is missing", "läsning {seq} saknas"),
    "altered": ("entry {seq} was altered", "läsning {seq} har ändrats"),
    "checkpoint": ("the checkpoint at entry {seq} does not match or is not signed by a trusted key",
                   "kontrollpunkten vid läsning {seq} stämmer inte eller är inte signerad med en betrodd nyckel"),
    "gone": ("entries up to {seq} were signed for but are gone",
             "läsningar till och med {seq} signerades men finns inte längre"),
    "table_gone": ("one of the access log's two tables is gone", "en av åtkomstloggens två tabeller saknas"),
    "tables_gone": ("the access log's tables are gone, though they were made here (sigill_schema_stamps records"
                    " them): they were removed",
                    "åtkomstloggens tabeller saknas, fast de har skapats här (sigill_schema_stamps visar det): de har"
                    " tagits bort"),
    "exported": ("the exported checkpoint (from the file) at entry {seq} does not match the log: it was rewritten"
                 " since the file was written",
                 "den exporterade kontrollpunkten (ur filen) vid läsning {seq} stämmer inte med loggen: den har"
                 " skrivits om sedan filen skrevs"),
    "exported_gone": ("entries up to {seq} were signed for in the exported file but are gone: the log was cut short,"
                      " or rewritten, since the file was written",
                      "läsningar till och med {seq} signerades enligt den exporterade filen men finns inte längre:"
                      " loggen har kortats eller skrivits om sedan filen skrevs"),
}


@dataclass(frozen=True)
class ChainVerdict:
    checked: int
    checkpoints: int
    divergence: str | None   # where and how the log was changed; None when intact
    swedish: str | None = None   # the same, in Swedish
    exported: int = 0        # checkpoints of an exported file confirmed (besides ``checkpoints``, the stored ones)

    @property
    def intact(self) -> bool:
        return self.divergence is None


@dataclass(frozen=True)
class AccessLogRead:
    """What verify's one read of the access log found: its ``verdict``, None where neither of its tables is there
    and nothing says they were made; ``made_here`` then tells which (False: the stamps hold none of their making,
    no read was logged here; None: the stamps cannot be read).  Told with the verdict, from the same snapshot, as
    ``gateways.access_log_checks.made_here`` answers it; None beside a verdict."""

    verdict: ChainVerdict | None
    made_here: bool | None = None


def broken(checked: int, checkpoints: int, finding: str, seq: int) -> ChainVerdict:
    """A verdict that the chain is broken: ``finding`` (one of FINDINGS) at entry ``seq``."""
    english, swedish = FINDINGS[finding]
    return ChainVerdict(checked, checkpoints, english.format(seq=seq), swedish.format(seq=seq))


@dataclass(frozen=True)
class ShownVerdict:
    """What an answer that shows some of the log's entries (the young person's extract, an auditor's search, the
    report) can say of them at the cost of a few index reads — where ``ChainVerdict`` walks the whole chain: that
    no entry of the whole log is missing (its numbers run from 1 to the last, and no signed checkpoint lies past the
    last), and that each entry shown is linked to the one stored before it.  Not the links of the entries not shown,
    nor the checkpoints' signatures: the ledger's verification (``verify``) checks those."""

    entries: int                # entries in the whole log
    shown: int                  # entries checked against the link before them
    divergence: str | None      # the first finding, as ``ChainVerdict``'s (None: nothing found)
    swedish: str | None = None
    missing: int = 0            # how many numbers are missing in all
    finding: str | None = None  # its kind (a key of FINDINGS)
    seq: int | None = None      # the entry it names

    @property
    def intact(self) -> bool:
        return self.divergence is None


def shown_broken(entries: int, shown: int, finding: str, seq: int, missing: int = 0) -> ShownVerdict:
    english, swedish = FINDINGS[finding]
    return ShownVerdict(entries, shown, english.format(seq=seq), swedish.format(seq=seq), missing, finding, seq)
