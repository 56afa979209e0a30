"""The reference consumer's line for a message: a withheld kind (schema 4) and a message a topic kept from schema 3."""

from __future__ import annotations

from gateways.kafka_consumer import Received
from services.cli_feed import readable

BODY = {"schema": "sigill.disclosure/4", "event_id": "e", "feed": "skola.0180", "sequence": 7, "case_id": "c",
        "agency": "skola", "fact_id": "k3v7q2m5xw4hzb6ndr2tcy7e", "kind": None, "category": None, "change": "ended",
        "basis": {"kind": "withheld", "consent_ids": [], "legal_basis": None}, "at": "2026-03-09T08:00:00+00:00",
        "content": None, "erased": False}


def line(body: dict) -> tuple[str, str]:
    return readable(Received("e", body, 0, 0))


def test_a_message_of_a_fact_no_longer_seen_says_its_kind_is_withheld():
    text, problem = line(BODY)
    assert problem == "" and " ended         withheld         -           case=c fact=k3v7" in text


def test_a_message_a_topic_kept_from_schema_3_is_still_read():
    text, problem = line({**BODY, "schema": "sigill.disclosure/3", "kind": "contribution", "category": "school"})
    assert problem == "" and "contribution" in text and "school" in text
    _, unknown = line({**BODY, "schema": "sigill.disclosure/2"})
    assert "which this consumer does not know (it reads sigill.disclosure/3 and sigill.disclosure/4)" in unknown
