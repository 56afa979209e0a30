"""The encrypting mapper: round trips, a key per aggregate, tamper detection (the event's type too), erasure,
upcasting, and events stored in the first format (0x01, before the topic was bound) still read."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent
from eventsourcing.utils import get_topic, register_topic

from domain.case import Case
from domain.case_events import ConsentGranted, ConsentWithdrawn
from domain.erasure import ErasedEvent
from domain.errors import CaseErased
from domain.facts import facts_of
from domain.group_commands import PlanRowDraft
from domain.values import OpenCase
from gateways.event_mapper import EncryptedEventMapper
from gateways.keystore import InMemoryKeyStore
from gateways.sealing import seal
from services.errors import StoredEventUnreadable
from tests.builders import CATALOGUE, SOCIAL, CaseStory, utc

MARKER = "Hemlig anteckning om Åsa"


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


def written(secret: str = MARKER) -> Note.Written:
    note = Note._create(Note.Written, id=uuid4(), born=date(2009, 3, 14), rows=(Row("Hälsa", "x"), Row("Skola", "y")),
                        secret=secret)
    return note.collect_events()[0]


@pytest.fixture
def mapper():
    return EncryptedEventMapper(InMemoryKeyStore(os.urandom(32)))


def test_an_event_round_trips_with_nested_values_and_dates(mapper):
    event = written()
    stored = mapper.to_stored_event(event)
    assert stored.originator_id == event.originator_id and stored.topic.endswith("Note.Written")
    assert mapper.to_domain_event(stored) == event


def test_the_stored_state_holds_no_plaintext(mapper):
    stored = mapper.to_stored_event(written())
    for plain in (MARKER, "Åsa", "Hälsa", "2009-03-14"):
        assert plain.encode() not in stored.state and plain.encode("latin-1", "ignore") not in stored.state


def test_each_aggregate_is_sealed_with_its_own_key(mapper):
    kept, erased = written(), written()
    stored_kept, stored_erased = mapper.to_stored_event(kept), mapper.to_stored_event(erased)
    assert mapper.keystore.data_key(kept.originator_id, create=False) != mapper.keystore.data_key(
        erased.originator_id, create=False)
    mapper.keystore.destroy(erased.originator_id)
    assert mapper.to_domain_event(stored_kept) == kept
    tombstone = mapper.to_domain_event(stored_erased)
    assert tombstone == ErasedEvent(erased.originator_id, 1, stored_erased.topic)


def test_an_erased_aggregate_takes_no_more_events(mapper):
    event = written()
    mapper.keystore.destroy(event.originator_id)
    with pytest.raises(CaseErased):
        mapper.to_stored_event(event)


def test_altered_bytes_are_detected(mapper):
    stored = mapper.to_stored_event(written())
    altered = bytearray(stored.state)
    altered[-1] ^= 1
    with pytest.raises(MapperDeserialisationError) as raised:
        mapper.to_domain_event(_with(stored, state=bytes(altered)))
    assert str(stored.originator_id) in str(raised.value) and MARKER not in str(raised.value)


def test_a_ciphertext_moved_to_another_position_is_detected(mapper):
    stored = mapper.to_stored_event(written())
    with pytest.raises(MapperDeserialisationError, match="event 2 of aggregate"):
        mapper.to_domain_event(_with(stored, originator_version=2))


def test_a_ciphertext_moved_to_another_case_is_detected(mapper):
    stored, other = mapper.to_stored_event(written()), mapper.to_stored_event(written())
    with pytest.raises(MapperDeserialisationError):
        mapper.to_domain_event(_with(stored, originator_id=other.originator_id))


def test_an_older_event_version_is_upcast(mapper):
    amended = _amended()
    stored = mapper.to_stored_event(amended)
    assert mapper.to_domain_event(stored) == amended
    # Re-seal the state as a version-1 writer stored it: no language, no class_version.
    state = _open(mapper, stored)
    del state["language"], state["class_version"]
    assert mapper.to_domain_event(_resealed(mapper, stored, state)).language == "sv"


def test_a_state_that_does_not_fit_its_class_names_no_content(mapper):
    stored = mapper.to_stored_event(_amended())
    state = _open(mapper, stored)
    state["text"] = {"name": MARKER}  # not a str: as if the class changed without an upcaster
    with pytest.raises(MapperDeserialisationError, match="text") as raised:
        mapper.to_domain_event(_resealed(mapper, stored, state))
    assert MARKER not in str(raised.value)


def test_an_event_is_stored_in_the_format_that_binds_its_topic(mapper):
    event = written()
    stored = mapper.to_stored_event(event)
    assert stored.state[:1] == b"\x02" and _open(mapper, stored)["secret"] == MARKER
    key = mapper.keystore.data_key(event.originator_id, create=False)
    with pytest.raises(InvalidTag):   # the topic is in the tag: without it the bytes do not open
        AESGCM(key).decrypt(stored.state[1:13], stored.state[13:], _associated_v1(stored))


def test_an_event_given_another_type_that_its_fields_fit_does_not_read(mapper):
    """Before its seal, an insider's changed topic read a consent's grant as its withdrawal (the grant's fields fit
    ``ConsentWithdrawn``): the type is bound to the bytes, so the event no longer decrypts."""
    story = CaseStory().accept()
    story.consent()
    granted = story.events[-1]
    stored = mapper.to_stored_event(granted)
    assert type(granted) is ConsentGranted and mapper.to_domain_event(stored) == granted
    with pytest.raises(StoredEventUnreadable, match="does not decrypt: it was altered") as raised:
        mapper.to_domain_event(_with(stored, topic=get_topic(ConsentWithdrawn)))
    assert raised.value.aggregate_id == granted.originator_id


def test_an_event_stored_in_the_first_format_still_reads(mapper):
    event = _amended()
    old = _as_first_format(mapper, mapper.to_stored_event(event))
    assert old.state[:1] == b"\x01"
    assert mapper.to_domain_event(old) == event


def test_an_event_of_the_first_format_given_a_topic_naming_no_class_is_unreadable(mapper):
    """A 0x01 event's topic is not bound by its tag: changed before the next seal to one naming no class, the event
    is refused as unreadable (as altered bytes are), not left to crash its reader."""
    old = _as_first_format(mapper, mapper.to_stored_event(written()))
    for topic in ("domain.case_events:NoSuchEvent", "no_such_module:Event"):
        with pytest.raises(StoredEventUnreadable, match="names no known event type") as raised:
            mapper.to_domain_event(_with(old, topic=topic))
        assert raised.value.aggregate_id == old.originator_id


CALLED: list[dict] = []


def recorded_call(**fields) -> None:  # noqa: ANN003 - a function anywhere importable, as a topic may name one
    CALLED.append(fields)


def test_an_event_of_the_first_format_given_a_topic_naming_no_event_class_is_unreadable_and_nothing_is_called(mapper):
    """A topic may name anything importable: a class of no event (``dict``, the aggregate itself) was read as one and
    handed to the case's fold, which failed (500); a function was called by pydantic with the event's fields as its
    arguments, or refused with a schema error (500).  Only an event class is read; anything else is unreadable."""
    old = _as_first_format(mapper, mapper.to_stored_event(written()))
    for topic in ("builtins:dict", "builtins:object", "domain.case:Case", "builtins:print",
                  f"{__name__}:recorded_call"):
        with pytest.raises(StoredEventUnreadable, match="names no known event type"):
            mapper.to_domain_event(_with(old, topic=topic))
    assert CALLED == []


def test_the_formats_byte_changed_does_not_read_the_bytes_by_the_other_format(mapper):
    """0x02 given 0x01 would be read without its topic, 0x01 given 0x02 with one (an empty topic too): the tag was
    made with the other associated data, so neither decrypts."""
    stored = mapper.to_stored_event(written())
    with pytest.raises(StoredEventUnreadable, match="does not decrypt"):
        mapper.to_domain_event(_with(stored, state=b"\x01" + stored.state[1:]))
    old = _as_first_format(mapper, stored)
    for topic in (stored.topic, ""):
        with pytest.raises(StoredEventUnreadable, match="does not decrypt"):
            mapper.to_domain_event(_with(old, state=b"\x02" + old.state[1:], topic=topic))


def test_an_event_stored_under_a_topic_since_renamed_still_reads(mapper):
    """The tag binds the topic as stored, not the class's topic now: an event written before its class was renamed
    (or moved) reads through the old topic registered for it, as eventsourcing resolves it."""
    event = written()
    renamed = _with(mapper.to_stored_event(event), topic="tests.unit.gateways.old_notes:Note.Written")
    renamed = _resealed(mapper, renamed, _open(mapper, mapper.to_stored_event(event)))
    register_topic(renamed.topic, Note.Written)
    assert mapper.to_domain_event(renamed) == event


def _amended() -> Note.Amended:
    note = Note._create(Note.Written, id=uuid4(), born=date(2009, 3, 14), rows=(), secret=MARKER)
    note.trigger_event(Note.Amended, text="Ny text", language="en", timestamp=datetime(2026, 3, 1, tzinfo=UTC))
    return note.collect_events()[1]


def _associated(stored: StoredEvent) -> bytes:
    """The documented associated data of format 0x02: the format byte, id, version (8 bytes) and topic."""
    return b"\x02" + _associated_v1(stored) + stored.topic.encode()


def _associated_v1(stored: StoredEvent) -> bytes:
    return UUID(str(stored.originator_id)).bytes + stored.originator_version.to_bytes(8, "big")


def _open(mapper: EncryptedEventMapper, stored: StoredEvent) -> dict:
    """Decrypt by the documented layout (format 0x02, 12-byte nonce, ciphertext and tag), not by the module."""
    key = mapper.keystore.data_key(stored.originator_id, create=False)
    assert stored.state[:1] == b"\x02"
    return json.loads(AESGCM(key).decrypt(stored.state[1:13], stored.state[13:], _associated(stored)))


def _resealed(mapper: EncryptedEventMapper, stored: StoredEvent, state: dict) -> StoredEvent:
    key = mapper.keystore.data_key(stored.originator_id, create=False)
    return _with(stored, state=seal(key, json.dumps(state).encode(), _associated(stored), b"\x02"))


def _as_first_format(mapper: EncryptedEventMapper, stored: StoredEvent) -> StoredEvent:
    """The event as stored before topics were bound: format 0x01, associated data id and version only."""
    key = mapper.keystore.data_key(stored.originator_id, create=False)
    return _with(stored, state=seal(key, json.dumps(_open(mapper, stored)).encode(), _associated_v1(stored)))


def _with(stored: StoredEvent, **changes) -> StoredEvent:
    fields = {"originator_id": stored.originator_id, "originator_version": stored.originator_version,
              "topic": stored.topic, "state": stored.state}
    return StoredEvent(**{**fields, **changes})


def test_a_referral_stored_before_confirmations_were_recorded_reads_as_confirming_nothing(mapper):
    """``ReferralReceived.despite_open_cases`` (2026-12-05): a referral stored without it decodes, its case opens,
    and it records no confirmation; one stored with it reads back as it was."""
    def referral(**extra):
        return Case.receive_referral(
            case_number="0180-2026-0002", municipality="0180", personnummer="20090314-2388", name="Peter Exempel",
            entry_route="lul6", referring_agency="polis", referral_date=date(2026, 2, 1), summary="Misstänkt.",
            summary_category="crime", by=SOCIAL, at=utc(2026, 2, 2), catalogue=CATALOGUE,
            **extra).collect_events()[0]

    confirmed = referral(despite_open_cases=[OpenCase(str(uuid4()), "0180-2026-0001")])
    assert mapper.to_domain_event(mapper.to_stored_event(confirmed)) == confirmed
    stored = mapper.to_stored_event(referral())
    state = _open(mapper, stored)
    del state["despite_open_cases"]   # as every referral before 2026-12-05 was stored
    old = mapper.to_domain_event(_resealed(mapper, stored, state))
    assert old.despite_open_cases == ()
    case = old.mutate(None)
    assert case.case_number == "0180-2026-0002" and case.despite_open_cases == ()
    assert [f.kind for f in facts_of(old, case, CATALOGUE)] == ["case.opened", "case.subject", "referral"]
    assert "referral.duplicate_confirmed" in [f.kind for f in facts_of(confirmed, case, CATALOGUE)]


def test_a_plan_revision_stored_before_participation_was_asked_reads_as_not_recorded(mapper):
    """``PlanRevised.participation`` (2026-12-05): a revision stored without it decodes, applies, and its goal fact
    says that who took part was not recorded; one stored with it reads back as it was."""
    story = CaseStory().accept()
    maria = story.guardians("Maria Exempel")[0]
    story.case.revise_plan(main_goal="Mål", rows=[PlanRowDraft("Skola", "I tid", "Alarm", "Mentor")], by=SOCIAL,
                           at=story.at(), catalogue=CATALOGUE, young_person_took_part=False,
                           guardians_took_part=[maria], not_taking_part_reason="Sjuk.")
    recorded = story.events[-1]
    assert mapper.to_domain_event(mapper.to_stored_event(recorded)) == recorded
    stored = mapper.to_stored_event(recorded)
    state = _open(mapper, stored)
    del state["participation"]   # as every revision before 2026-12-05 was stored
    old = mapper.to_domain_event(_resealed(mapper, stored, state))
    assert old.participation is None and old.main_goal == "Mål"
    goal = next(f for f in facts_of(old, story.case, CATALOGUE) if f.kind == "plan.goal")
    assert (goal.content["young_person_took_part"], goal.content["guardians_took_part"]) == (None, ())
