"""Stored events: JSON by pydantic, encrypted with AES-256-GCM under the aggregate's own data key.

Layout of the ``state`` column: 1 format byte, 12-byte nonce, ciphertext and
tag (``gateways.sealing``).  The associated data binds a ciphertext to where
and what it is, so bytes moved to another case or position, or given another
event type, fail to decrypt:

- 0x02 (every event written now): the format byte, aggregate id (16 bytes),
  version (8 bytes, big-endian) and the ``topic`` column as stored (UTF-8).
  An insider who changes an event's topic before the audit ledger's next
  seal cannot have it read as another event type whose fields it fits.
- 0x01 (events written before 0x02): aggregate id and version only.  Still
  read; their topic is held by the ledger once sealed, as every event's is.

Neither format's bytes read as the other's: the format byte picks the
associated data, and 0x02's names its format, so a tag made for one fails
as the other whatever the topic column is made to say.  Only ``state`` is
secret: topics are class paths and ids are random UUIDs.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent
from eventsourcing.utils import TopicError, get_topic, resolve_topic
from pydantic import TypeAdapter, ValidationError

from domain.erasure import ErasedEvent
from domain.errors import CaseErased
from gateways.sealing import FORMAT_V1, Unsealable, seal, unseal
from services.errors import StoredEventUnreadable
from services.ports import KeyStore

FORMAT_TYPED = b"\x02"   # associated data: this byte, aggregate id, version and topic (``FORMAT_V1``: id and version)


class EncryptedEventMapper(Mapper[UUID]):
    def __init__(self, keystore: KeyStore) -> None:
        super().__init__(transcoder=JSONTranscoder())
        self.keystore = keystore

    def close(self) -> None:
        close = getattr(self.keystore, "close", None)
        if close is not None:
            close()

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        cls = type(domain_event)
        state = _adapter(cls).dump_python(domain_event, mode="json")
        del state["originator_id"], state["originator_version"]  # columns of their own
        if getattr(cls, "class_version", 1) > 1:
            state["class_version"] = cls.class_version
        plaintext = json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode()
        aggregate_id, version = domain_event.originator_id, domain_event.originator_version
        key = self.keystore.data_key(aggregate_id, create=True)
        if key is None:
            raise CaseErased(f"case {aggregate_id} has been erased (its data key is destroyed): nothing more can be stored")
        topic = get_topic(cls)
        return StoredEvent(originator_id=aggregate_id, originator_version=version, topic=topic,
                           state=seal(key, plaintext, _associated(aggregate_id, version, topic), FORMAT_TYPED))

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        aggregate_id = _as_uuid(stored_event.originator_id)
        key = self.keystore.data_key(aggregate_id, create=False)
        if key is None:
            return ErasedEvent(aggregate_id, stored_event.originator_version, stored_event.topic)
        state = self._decrypt(stored_event, aggregate_id, key)
        cls = _event_class(stored_event, aggregate_id)
        from_version, to_version = state.pop("class_version", 1), getattr(cls, "class_version", 1)
        while from_version < to_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        state["originator_id"], state["originator_version"] = aggregate_id, stored_event.originator_version
        try:
            return _adapter(cls).validate_python(state)
        except ValidationError as error:
            # pydantic's message quotes the input, which may be personal data, and so may a dict key deeper
            # in the location: name only the event's field and the kind of error.
            problems = "; ".join(sorted({f"{e['loc'][0] if e['loc'] else ''}: {e['type']}"
                                         for e in error.errors(include_input=False, include_url=False)}))
            raise StoredEventUnreadable(
                f"stored event {stored_event.originator_version} of aggregate {aggregate_id} does not fit "
                f"{stored_event.topic} (an upcaster missing?): {problems}",
                f"lagrad händelse {stored_event.originator_version} i ärende {aggregate_id} passar inte sin "
                f"händelsetyp (en uppgraderingsregel saknas?): {problems}", aggregate_id) from None

    def _decrypt(self, stored_event: StoredEvent, aggregate_id: UUID, key: bytes) -> dict[str, Any]:
        sealed, version = bytes(stored_event.state), stored_event.originator_version
        try:
            if sealed[:1] == FORMAT_V1:   # written before the topic was bound: the ledger holds it once sealed
                plaintext = unseal(key, sealed, _associated_v1(aggregate_id, version))
            else:
                plaintext = unseal(key, sealed, _associated(aggregate_id, version, stored_event.topic), FORMAT_TYPED)
            return json.loads(plaintext)
        except (Unsealable, ValueError) as error:
            raise StoredEventUnreadable(
                f"stored event {stored_event.originator_version} of aggregate {aggregate_id} does not decrypt: "
                f"it was altered, moved, or written with another key ({type(error).__name__})",
                f"lagrad händelse {stored_event.originator_version} i ärende {aggregate_id} går inte att dekryptera: "
                "den har ändrats, flyttats eller skrivits med en annan nyckel", aggregate_id) from None


def _event_class(stored_event: StoredEvent, aggregate_id: UUID) -> type:
    """The event class its topic names.  A topic naming no class (a 0x01 event's topic changed before the next seal,
    or a class renamed without its old topic registered) is an unreadable event, as altered bytes are, not a crash;
    so is one naming anything importable that is no event class: a class of another kind was handed to the case's
    fold as an event, and a function called by pydantic with the event's fields as its arguments."""
    try:
        cls = resolve_topic(stored_event.topic)
    except TopicError:
        cls = None
    if not (isinstance(cls, type) and issubclass(cls, DomainEvent)):
        raise StoredEventUnreadable(
            f"stored event {stored_event.originator_version} of aggregate {aggregate_id} names no known event "
            "type: its type was altered, or a renamed event class lacks its old topic (register_topic)",
            f"lagrad händelse {stored_event.originator_version} i ärende {aggregate_id} har en okänd händelsetyp: "
            "den har ändrats, eller saknar en omdöpt händelsetyp sitt gamla namn", aggregate_id)
    return cls


@cache
def _adapter(cls: type) -> TypeAdapter[Any]:
    return TypeAdapter(cls)


def _associated(aggregate_id: UUID, version: int, topic: str) -> bytes:
    """``FORMAT_TYPED``'s.  The topic is the string as stored, never the resolved class's topic: an event class
    renamed later, its old topic registered (``eventsourcing.utils.register_topic``), still reads its events
    stored under the old name, and those written since carry the new one.  It starts with the format byte, so it
    is never ``FORMAT_V1``'s (an old event's bytes given 0x02 and an empty topic do not read either)."""
    return FORMAT_TYPED + _associated_v1(aggregate_id, version) + topic.encode()


def _associated_v1(aggregate_id: UUID, version: int) -> bytes:
    return aggregate_id.bytes + version.to_bytes(8, "big")


def _as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
