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

    def select_versions_of_cases(self, case_ids: Sequence[UUID]) -> dict[UUID, int]:
        """Each case's latest stored version (a case without events: left out)."""
        latest = {case_id: self.select_events(case_id, desc=True, limit=1) for case_id in case_ids}
        return {case_id: events[0].originator_version for case_id, events in latest.items() if events}


class InMemoryFactory(POPOFactory):
    def application_recorder(self) -> ApplicationRecorder:
        return InMemoryApplicationRecorder()
