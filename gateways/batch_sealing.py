"""What a views batch seals and names its rows with: each case's key and content looked up once, bases in
jsonb's binary form, and the feed's event ids made directly.

``gateways.agency_view_store`` builds a batch's fact and log rows with these, in the writer's hot loop (a
rebuild makes about ten rows an event): each helper exists because the plain way cost more than the sealing.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache
from hashlib import blake2b
from struct import Struct
from typing import Any
from uuid import UUID

from domain.disclosure import Cause
from domain.judge import Basis
from gateways.sealing import Sealer
from services.ports import KeyStore


class BatchSealing:
    """What sealing a batch needs, looked up once per case.  Rows come in runs of one case, so the last
    case is kept at hand: hashing a UUID (in Python) per row cost more than sealing it."""

    def __init__(self, keystore: KeyStore, erased: set[UUID]) -> None:
        self._keystore, self._erased = keystore, erased
        self._cases: dict[UUID, CaseSealing] = {}
        self._last: CaseSealing | None = None
        self._bases: dict[int, tuple[Basis, bytes]] = {}
        self._causes: dict[int, tuple[tuple[Cause, ...], bytes]] = {}

    def basis(self, basis: Basis) -> bytes:
        """A basis in jsonb's binary form; bases are shared objects, so known by identity within a batch."""
        known = self._bases.get(id(basis))
        if known is None:
            known = self._bases[id(basis)] = (basis, basis_jsonb(basis))  # holding it keeps its id unique
        return known[1]

    def cause(self, cause: tuple[Cause, ...]) -> bytes:
        """A change's cause in jsonb's binary form; shared by every change an event or moment made, so known by
        identity within a batch, as bases are."""
        known = self._causes.get(id(cause))
        if known is None:
            known = self._causes[id(cause)] = (cause, cause_jsonb(cause))
        return known[1]

    def case(self, case_id: UUID) -> CaseSealing:
        last = self._last
        if last is not None and (last.case_id is case_id or last.case_id == case_id):
            return last
        case = self._cases.get(case_id)
        if case is None:
            key = None if case_id in self._erased else self._keystore.data_key(case_id, create=False)
            case = self._cases[case_id] = CaseSealing(case_id, None if key is None else Sealer(key))
        self._last = case
        return case


class CaseSealing:
    def __init__(self, case_id: UUID, sealer: Sealer | None) -> None:
        self.case_id, self.text = case_id, str(case_id)
        self.sealer = sealer  # None for a case whose key is destroyed: nothing of it may be written again
        self._plain: dict[str, bytes] = {}

    def plain(self, fact: Any) -> bytes:
        """The fact's content as JSON, made once per batch however many agencies see it.  By the id it is shown
        under: a plan row shown with names withheld has an id of its own (rules version 5), so one id is one
        content."""
        plain = self._plain.get(fact.fact_id)
        if plain is None:
            plain = self._plain[fact.fact_id] = _CONTENT.encode(fact.content).encode()
        return plain


def event_id_bytes(secret: bytes, case_text: str, notification_id: int, agency: str, fact_id: str, change: str,
                   occurrence: int) -> bytes:
    """``agency_feed.event_id``'s 16 bytes (the same UUID, a test holds them equal), computed directly:
    making UUID objects and str() of them took a third of the log's time."""
    return EventIds(secret, case_text, notification_id).name(agency, fact_id, change, occurrence)


class EventIds:
    """The event ids of one notification's log rows (``event_id_bytes``).  A withdrawal makes ~100 rows of one
    notification: the hash keyed by the secret and fed the case and notification is made once and copied per row
    (BLAKE2 hashes a text given in parts as the whole), and the UUID's version and variant are set on two integers,
    not on a bytearray."""

    def __init__(self, secret: bytes, case_text: str, notification_id: int) -> None:
        self.prefix = event_id_prefix(secret, case_text, notification_id)

    def name(self, agency: str, fact_id: str, change: str, occurrence: int) -> bytes:
        digest = self.prefix.copy()
        digest.update(f"{agency}:{fact_id}:{change}:{occurrence}".encode())
        high, low = HALVES.unpack(digest.digest())
        return HALVES.pack(high & NOT_VERSION | VERSION_8, low & NOT_VARIANT | VARIANT)


def event_id_prefix(secret: bytes, case_text: str, notification_id: int) -> Any:
    """The hash of a notification's event ids, fed its case and notification: a row's id is a copy of it fed the
    rest (``EventIds.name``; the store's log rows inline that, a call a row costing more than the copy)."""
    return blake2b(f"{case_text}:{notification_id}:".encode(), key=secret, digest_size=16)


# A UUID as two big-endian 64-bit halves: version 8 is byte 6's high nibble, the RFC 4122/9562 variant byte 8's top
# two bits (10).
HALVES = Struct(">QQ")
NOT_VERSION, VERSION_8 = ~(0xF0 << 8) & (2**64 - 1), 0x80 << 8
NOT_VARIANT, VARIANT = ~(0xC0 << 56) & (2**64 - 1), 0x80 << 56


@lru_cache(maxsize=4096)
def _basis_json(basis: Basis) -> str:
    return json.dumps({"kind": basis.kind, "consent_ids": list(basis.consent_ids), "legal_basis": basis.legal_basis})


@lru_cache(maxsize=4096)
def basis_jsonb(basis: Basis) -> bytes:
    return b"\x01" + _basis_json(basis).encode()


@lru_cache(maxsize=4096)
def cause_jsonb(cause: tuple[Cause, ...]) -> bytes:
    """``[{"what": "consent_withdrawn", "consent_ids": ["…"]}]``: empty fields left out."""
    return b"\x01" + json.dumps([{k: (list(v) if isinstance(v, tuple) else v) for k, v in c._asdict().items() if v}
                                 for c in cause], separators=(",", ":")).encode()


def _json(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


# ``json.dumps(content, default=_json)``'s encoder, made once: ``dumps`` makes one a call.
_CONTENT = json.JSONEncoder(default=_json)
