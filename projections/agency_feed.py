"""An agency's feed: its disclosure log as messages — what became visible to it, or stopped being visible.

The stored disclosure log *is* the feed; this module only says what one message
of it looks like (body and headers, schema ``services/data/feeds/disclosure-message.schema.json``),
which feed a message belongs to, and gives each message a stable event id that
consumers deduplicate by.

A message carries nothing counted across feeds: its position is its *feed sequence*
(1, 2, 3 … with no gaps within the feed), never the global notification id or
disclosure-log id, which would tell an agency how much happened in cases — and in
other agencies' feeds — it may not see.  Its event id is keyed by an installation
secret for the same reason: an unkeyed hash over the notification id could be
searched for it.  A message names its fact by the fact's *public* id (``projections/fact_ids.py``), never
by the internal ``<event version>.<part>``, which counts the case's events (schema 2 carried that one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from hashlib import blake2b
from typing import Any
from uuid import UUID, uuid5

# 3: fact_id is the public fact id (2 carried the internal one).  4: kind and category are null and the basis is
# withheld, as content is, when the agency no longer sees the fact as the message is read or sent (they told what it
# may no longer know).
SCHEMA_VERSION = "4"
SCHEMA = "sigill.disclosure/" + SCHEMA_VERSION
READABLE_SCHEMAS = ("sigill.disclosure/3", SCHEMA)   # 3 is 4 with kind and category never withheld
WITHHELD = "withheld"   # a withheld kind, in the Kafka header ``type``
EVENT_IDS = UUID("5b1f7c2e-41a6-4c59-9f5e-2d0c6f3a8e71")  # the uuid5 namespace of erasure messages' event ids

# The message that tells a subscriber a case was erased (its key destroyed, gallring): delete all of it.
ERASED = "erased"
ERASURE_FACT = ERASURE_KIND = "case.erased"
ERASURE_BASIS = {"kind": "erasure", "consent_ids": [], "legal_basis": None}
# A message of a fact the agency does not see as it is read or sent (schema 4): its consents would say what categories
# they covered, so the basis is withheld with its kind and category.
WITHHELD_BASIS = {"kind": WITHHELD, "consent_ids": [], "legal_basis": None}


def feed_of(agency: str, municipality: str | None = None) -> str:
    """A feed's name: ``<agency>.<municipality>``, one feed per agency and municipality.

    A member agency takes part in a municipality's groups, as social services leads them, so a school's
    feed carries the cases of its own municipality and no other's.  A bare ``<agency>`` is a feed of rows
    whose case's municipality is not recorded (views built before it was): published to nobody."""
    return f"{agency}.{municipality}" if municipality else agency


def agency_of(feed: str) -> tuple[str, str | None]:
    """The agency and municipality (None when it is not recorded) a feed name stands for."""
    agency, _, municipality = feed.partition(".")
    return agency, municipality or None


def erasure_event_id(case_id: UUID, agency: str) -> UUID:
    """One erasure message per case and agency, whenever and however often it is noticed (nothing counted in it)."""
    return uuid5(EVENT_IDS, f"{case_id}:0:{agency}:{ERASURE_FACT}:{ERASED}:0")


def event_id(secret: bytes, case_id: UUID, notification_id: int, agency: str, fact_id: str, change: str,
             occurrence: int) -> UUID:
    """Stable across restarts and view rebuilds: the same disclosure always gets the same id.

    Keyed (BLAKE2b with the installation's feed secret), so that nobody without the secret can test
    guesses of the notification id against it.  ``occurrence`` counts earlier identical changes caused by
    the same notification (calendar moments passing before an event can end and disclose one fact
    again); it is almost always 0.  A UUID of version 8 (RFC 9562: custom)."""
    digest = bytearray(blake2b(f"{case_id}:{notification_id}:{agency}:{fact_id}:{change}:{occurrence}".encode(),
                               key=secret, digest_size=16).digest())
    digest[6] = (digest[6] & 0x0F) | 0x80   # version 8
    digest[8] = (digest[8] & 0x3F) | 0x80   # RFC 4122/9562 variant
    return UUID(bytes=bytes(digest))


@dataclass(frozen=True)
class FeedMessage:
    """One disclosure-log row as the agency may see it. ``seq`` is its position in ``feed``; ``event_id`` the
    dedup key."""

    seq: int                         # 1, 2, 3 … within the feed, no gaps: the cursor
    feed: str                        # "skola", or for social services "socialtjanst.0180"
    event_id: UUID
    case_id: UUID
    agency: str
    fact_id: str                     # the fact's public id ("case.erased" on an erasure), never the internal one
    kind: str | None                 # None (and category too) when the agency no longer sees the fact, as content
    category: str | None
    change: str                      # "disclosed" | "basis_changed" | "ended" | "erased" (delete the whole case)
    basis: dict[str, Any]            # {"kind", "consent_ids", "legal_basis"}; kind "erasure" on "erased"
    at: datetime
    content: dict[str, Any] | None   # the fact as the agency sees it, on "disclosed"; None otherwise
    erased: bool = False             # the case's key is destroyed: its content can never be read again
    id_generation: str = ""          # the generation of its event and fact ids (renewed after a restore), a header

    @property
    def type(self) -> str:
        return f"{self.kind or WITHHELD}/{self.change}"

    def withheld(self) -> FeedMessage:
        """The message as it goes to an agency that does not see its fact as it is read or sent (schema 4): what
        kind of fact, its category and its basis tell as much as content may (a BUP member.joined/health says BUP
        is in the group; a basis's consents, which categories they cover), so none of them is shown."""
        return replace(self, kind=None, category=None, basis=WITHHELD_BASIS, content=None)

    def to_json(self) -> dict[str, Any]:
        """The message body (JSON Schema: services/data/feeds/disclosure-message.schema.json)."""
        return {"schema": SCHEMA, "event_id": str(self.event_id), "feed": self.feed, "sequence": self.seq,
                "case_id": str(self.case_id), "agency": self.agency, "fact_id": self.fact_id, "kind": self.kind,
                "category": self.category, "change": self.change, "basis": self.basis, "at": _utc(self.at),
                "content": self.content, "erased": self.erased}

    def body(self) -> bytes:
        return json.dumps(self.to_json(), default=_json, ensure_ascii=False, separators=(",", ":")).encode()

    def headers(self) -> list[tuple[str, bytes]]:
        """Kafka headers: enough to route and deduplicate without parsing the body, and the generation of the ids
        (a random token, no personal data), which a renewal after a restore changes."""
        basis_ids = self.basis.get("consent_ids") or ([self.basis["legal_basis"]] if self.basis.get("legal_basis")
                                                      else [])
        return [("event_id", str(self.event_id).encode()), ("type", self.type.encode()),
                ("schema_version", SCHEMA_VERSION.encode()), ("change", self.change.encode()),
                ("basis_kind", str(self.basis.get("kind")).encode()), ("basis_ids", ",".join(basis_ids).encode()),
                *([("id_generation", self.id_generation.encode())] if self.id_generation else [])]

    def key(self) -> bytes:
        """The Kafka key: the case id (a random UUID, no personal data) keeps each case in order."""
        return str(self.case_id).encode()


def _json(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _utc(at: datetime) -> str:
    """In UTC whatever the database session's time zone: a message reads the same sent from a batch just
    written or read back from the log."""
    return at.astimezone(timezone.utc).isoformat()
