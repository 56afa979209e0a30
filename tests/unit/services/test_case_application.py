"""The application's behaviour on in-memory persistence (the same suite runs on PostgreSQL)."""

from __future__ import annotations

import pytest

from services.bootstrap import build_in_memory_application
from services.clock import ManualClock
from tests.builders import utc
from tests.service_behaviour import CaseApplicationBehaviour


class TestOnInMemoryPersistence(CaseApplicationBehaviour):
    @pytest.fixture
    def app(self):
        return build_in_memory_application(clock=ManualClock(utc(2026, 2, 3)))
