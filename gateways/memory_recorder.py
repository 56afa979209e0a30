"""eventsourcing's in-memory persistence (unit tests), its application recorder given the reads Sigill's
PostgreSQL recorder adds (``gateways.postgres_recorder``), so that the application asks both alike."""

from __future__ import annotations

from typing import Sequence
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory


class InMemoryApplicationRecorder(POPOApplicationRecorder):
    def select_events_of_cases(self, case_ids: Sequence[UUID]) -> list[StoredEvent]:
        """The stored events of these cases, by case and then version (a case without any: none)."""
        return [event for case_id in sorted(case_ids) for event in self.select_events(case_id)]


class InMemoryFactory(POPOFactory):
    def application_recorder(self) -> ApplicationRecorder:
        return InMemoryApplicationRecorder()
