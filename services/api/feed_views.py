"""The HTTP feed's shapes: each item is a Kafka record of the agency's topic — its headers and its body."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from projections.agency_feed import FeedMessage
from services.feeds import Cursor, encode_cursor

Change = Literal["disclosed", "basis_changed", "ended", "erased"]
BasisKind = Literal["origin", "owner", "law", "consent", "erasure", "withheld"]

# Where every server serves the messages' JSON Schema (services/data/feeds, the schema's $id): the feeds' routes.
SCHEMA_NAME = "/disclosure-message.schema.json"
SCHEMA_PATH = "/api/v1/feeds" + SCHEMA_NAME

EXAMPLE_ID = "7d4c1e0a-3b9f-8c2e-8a61-0f2d9e4b7c13"
CASE_ID = "3f0b6a52-9c1d-4e7a-b2f8-5d6c0a1e9b47"
# Consent ids are UUIDs in every message (the young person's consent and a guardian's here), as in the AsyncAPI's.
CONSENT_IDS = ["1dcf27e0-5c1e-4c2a-9f0e-3b8a1d2c4e5f", "da1c3728-0b6e-4f7a-8c9d-1e2f3a4b5c6d"]
EXAMPLE_BODY = {"schema": "sigill.disclosure/4", "event_id": EXAMPLE_ID, "feed": "skola.0180", "sequence": 47,
                "case_id": CASE_ID,
                "agency": "skola", "fact_id": "k3v7q2m5xw4hzb6ndr2tcy7e", "kind": "contribution", "category": "school",
                "change": "disclosed", "basis": {"kind": "consent", "consent_ids": CONSENT_IDS,
                                                 "legal_basis": None},
                "at": "2026-02-03T10:15:00+01:00",
                "content": {"contribution_id": "9b2e4c1a-7d3f-4e8a-b6c5-1f0a2d3e4b5c", "agency": "polis",
                            "category": "school", "text": "Närvaro vecka 6: 80 %."}, "erased": False}
EXAMPLE_GENERATION = "3f9a0c12b7e4"
EXAMPLE_HEADERS = {"event_id": EXAMPLE_ID, "type": "contribution/disclosed", "schema_version": "4",
                   "change": "disclosed", "basis_kind": "consent", "basis_ids": ",".join(CONSENT_IDS),
                   "id_generation": EXAMPLE_GENERATION}
EXAMPLE_CURSOR = encode_cursor(Cursor("5e0c2a91", "skola.0180", 47, EXAMPLE_GENERATION))
GENERATION = ("the generation of this feed's event_id and fact_id values: the same until the database is restored"
              " from an older backup, when every id is renewed (it then differs: drop everything held from the feed"
              " and read it again from the start); a plain rebuild keeps it")


class FeedBasis(BaseModel):
    model_config = ConfigDict(extra="forbid")   # as the JSON Schema: no field beside these

    kind: BasisKind = Field(description="origin, owner, law or consent; erasure on an 'erased' message; withheld"
                                        " (no ids) when kind is null")
    consent_ids: list[str]
    legal_basis: str | None


class FeedBody(BaseModel):
    """The Kafka record's value, unchanged (JSON Schema: GET /api/v1/feeds/disclosure-message.schema.json)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    schema_: Literal["sigill.disclosure/4"] = Field(alias="schema")
    event_id: UUID = Field(description="deduplicate by it: stable across resends and view rebuilds")
    feed: str = Field(description="the feed the message is numbered in: <agency>.<municipality>, e.g."
                                  " skola.0180 (every agency's log is one feed per municipality)",
                      pattern=r"^[a-z0-9_-]+\.[A-Za-z0-9]+$")
    sequence: int = Field(ge=1, description="the message's number in its feed: 1, 2, 3 … with no gaps (counted"
                                            " anew after a rebuild of the views); over HTTP page with the opaque"
                                            " item cursor")
    case_id: UUID
    agency: str
    fact_id: str = Field(description="the fact's public id (24 base32 characters; case.erased on an erasure): the"
                                     " same in every message about the fact, for every agency, and in the API",
                         pattern=r"^([a-z2-7]{24}|case\.erased)$")
    kind: str | None = Field(description="what kind of fact, e.g. contribution; null, as content is, when your"
                                         " agency no longer sees the fact as the message is read (schema 4)")
    category: str | None = Field(description="the information category; null when kind is")
    change: Change = Field(description="ended: delete the fact you hold, whatever ended it (no cause is given);"
                                       " erased: delete everything of the case")
    basis: FeedBasis
    at: datetime
    content: dict[str, Any] | None = Field(description="the fact as your agency may see it, on 'disclosed' while it"
                                                       " sees the fact as the message is read (else null); its fields"
                                                       " per kind: the JSON Schema served at " + SCHEMA_PATH + ","
                                                       " $defs content.<kind>")
    erased: bool = Field(description="the case has been erased: delete what you hold of it")


class FeedHeaders(BaseModel):
    """The Kafka record's headers, as text.  Open, as the JSON Schema's: ignore a header you do not know (headers
    may be added without a new schema_version, as id_generation was on 2026-12-05)."""

    model_config = ConfigDict(extra="allow")

    event_id: UUID
    type: str = Field(description="<kind>/<change>, e.g. contribution/disclosed; withheld/<change> when kind is null",
                      pattern=r"^[a-z_.]+/(disclosed|basis_changed|ended|erased)$")
    schema_version: Literal["4"]
    change: Change
    basis_kind: BasisKind
    basis_ids: str = Field(description="comma-separated consent ids, or the legal basis; empty otherwise")
    # Not required: a Kafka record published before 2026-12-05 has none (the generation it would name is the first).
    id_generation: str = Field(default=None, pattern=r"^[0-9a-f]{12}$", description=GENERATION,  # type: ignore
                               json_schema_extra=lambda schema: schema.pop("default", None))


class FeedItem(BaseModel):
    cursor: str = Field(description="opaque: send it as ?after= (or Last-Event-ID) to continue after this item")
    headers: FeedHeaders
    body: FeedBody

    model_config = ConfigDict(json_schema_extra={"examples": [{"cursor": EXAMPLE_CURSOR, "headers": EXAMPLE_HEADERS,
                                                               "body": EXAMPLE_BODY}]})


class FeedPageOut(BaseModel):
    agency: str
    feed: str = Field(description="the feed read: <agency>.<municipality>, the agency's in one municipality")
    id_generation: str = Field(pattern=r"^[0-9a-f]{12}$", description=GENERATION + "; every item's header"
                                                                                " id_generation and cursor name it too")
    messages: list[FeedItem]
    next: str = Field(description="opaque cursor to send as ?after= next time (also when no message came)")
    more: bool = Field(description="more messages are waiting: ask again at once")

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "agency": "skola", "feed": "skola.0180", "id_generation": EXAMPLE_GENERATION,
        "messages": [{"cursor": EXAMPLE_CURSOR, "headers": EXAMPLE_HEADERS, "body": EXAMPLE_BODY}],
        "next": EXAMPLE_CURSOR, "more": False}]})


def item(message: FeedMessage, cursor: Cursor) -> dict[str, Any]:
    """One message as the JSON of a ``FeedItem``: exactly the Kafka record's body and headers."""
    return {"cursor": encode_cursor(cursor), "headers": {k: v.decode() for k, v in message.headers()},
            "body": message.to_json()}
