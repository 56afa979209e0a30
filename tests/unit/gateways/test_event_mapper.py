"""The encrypting mapper: round trips, a key per aggregate, tamper detection, erasure, upcasting."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timezone
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent

from domain.erasure import ErasedEvent
from gateways.event_mapper import EncryptedEventMapper
from gateways.keystore import InMemoryKeyStore


@dataclass(frozen=True)
class Row:
    area: str
    goal: str


class Note(Aggregate):
    class Written(Aggregate.Created):
        born: date
        rows: tuple[Row, ...]
        secret: str

    class Amended(Aggregate.Event):
        class_version = 2
        text: str
        language: str  # added in version 2

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["language"] = "sv"

        def apply(self, note) -> None:
            note.text = self.text

    def __init__(self, born: date, rows: tuple[Row, ...], secret: str) -> None:
        self.rows, self.secret = rows, secret


def written(secret: str = "Hemlig anteckning") -> Note:
    return Note._create(Note.Written, id=uuid4(), born=date(2009, 3, 14), rows=(Row("Hälsa", "x"),), secret=secret)


@pytest.fixture
def mapper():
    return EncryptedEventMapper(InMemoryKeyStore(os.urandom(32)))


def test_an_event_round_trips_with_nested_values_and_dates(mapper):
    event = written().collect_events()[0]
    assert mapper.to_domain_event(mapper.to_stored_event(event)) == event


def test_the_stored_state_holds_no_plaintext(mapper):
    stored = mapper.to_stored_event(written().collect_events()[0])
    assert b"Hemlig" not in stored.state and b"2009" not in stored.state


def test_each_aggregate_is_sealed_with_its_own_key(mapper):
    first, second = written().collect_events()[0], written().collect_events()[0]
    stored_first = mapper.to_stored_event(first)
    mapper.to_stored_event(second)
    mapper.keystore.destroy(second.originator_id)
    assert isinstance(mapper.to_domain_event(mapper.to_stored_event(first)), type(first))
    assert mapper.to_domain_event(stored_first) == first


def test_an_erased_aggregate_reads_as_a_tombstone(mapper):
    event = written().collect_events()[0]
    stored = mapper.to_stored_event(event)
    mapper.keystore.destroy(event.originator_id)
    tombstone = mapper.to_domain_event(stored)
    assert isinstance(tombstone, ErasedEvent) and tombstone.originator_version == 1


def test_altered_bytes_are_detected(mapper):
    stored = mapper.to_stored_event(written().collect_events()[0])
    altered = bytearray(stored.state)
    altered[-1] ^= 1
    with pytest.raises(MapperDeserialisationError):
        mapper.to_domain_event(_with(stored, state=bytes(altered)))


def test_a_ciphertext_moved_to_another_position_is_detected(mapper):
    stored = mapper.to_stored_event(written().collect_events()[0])
    with pytest.raises(MapperDeserialisationError):
        mapper.to_domain_event(_with(stored, originator_version=2))


def test_an_older_event_version_is_upcast(mapper):
    note = written()
    note.trigger_event(Note.Amended, text="Ny text", language="en",
                       timestamp=datetime(2026, 3, 1, tzinfo=timezone.utc))
    amended = note.collect_events()[1]
    stored = mapper.to_stored_event(amended)
    # Re-seal the state as a version-1 writer would have stored it: no language, no class_version.
    key = mapper.keystore.data_key(amended.originator_id, create=False)
    import json

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from gateways.event_mapper import _associated

    state = json.loads(AESGCM(key).decrypt(stored.state[1:13], stored.state[13:], _associated(
        amended.originator_id, 2)))
    del state["language"], state["class_version"]
    nonce = os.urandom(12)
    v1 = b"\x01" + nonce + AESGCM(key).encrypt(nonce, json.dumps(state).encode(), _associated(amended.originator_id, 2))
    assert mapper.to_domain_event(_with(stored, state=v1)).language == "sv"


def _with(stored: StoredEvent, **changes) -> StoredEvent:
    fields = dict(originator_id=stored.originator_id, originator_version=stored.originator_version,
                  topic=stored.topic, state=stored.state)
    return StoredEvent(**{**fields, **changes})
