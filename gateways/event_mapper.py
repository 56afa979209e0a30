"""Stored events: JSON by pydantic, encrypted with AES-256-GCM under the aggregate's own data key.

Layout of the ``state`` column: 1 format byte, 12-byte nonce, ciphertext and
tag.  The associated data binds a ciphertext to its aggregate id and
version, so bytes moved to another case or position fail to decrypt.  Only
``state`` is secret: topics are class paths and ids are random UUIDs.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import TypeAdapter, ValidationError

from domain.erasure import ErasedEvent
from domain.errors import CaseErased
from gateways.sealing import Unsealable, seal, unseal
from services.errors import StoredEventUnreadable
from services.ports import KeyStore


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
        return StoredEvent(originator_id=aggregate_id, originator_version=version, topic=get_topic(cls),
                           state=seal(key, plaintext, _associated(aggregate_id, version)))

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        aggregate_id = _as_uuid(stored_event.originator_id)
        key = self.keystore.data_key(aggregate_id, create=False)
        if key is None:
            return ErasedEvent(aggregate_id, stored_event.originator_version, stored_event.topic)
        state = self._decrypt(stored_event, aggregate_id, key)
        cls = resolve_topic(stored_event.topic)
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
        try:
            plaintext = unseal(key, bytes(stored_event.state), _associated(aggregate_id, stored_event.originator_version))
            return json.loads(plaintext)
        except (Unsealable, ValueError) as error:
            raise StoredEventUnreadable(
                f"stored event {stored_event.originator_version} of aggregate {aggregate_id} does not decrypt: "
                f"it was altered, moved, or written with another key ({type(error).__name__})",
                f"lagrad händelse {stored_event.originator_version} i ärende {aggregate_id} går inte att dekryptera: "
                "den har ändrats, flyttats eller skrivits med en annan nyckel", aggregate_id) from None


@cache
def _adapter(cls: type) -> TypeAdapter[Any]:
    return TypeAdapter(cls)


def _associated(aggregate_id: UUID, version: int) -> bytes:
    return aggregate_id.bytes + version.to_bytes(8, "big")


def _as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
