from __future__ import annotations

import pytest

from gateways.keystore import InMemoryKeyStore
from tests.keystore_behaviour import MASTER, KeyStoreBehaviour


class TestInMemoryKeyStore(KeyStoreBehaviour):
    @pytest.fixture
    def store(self):
        return InMemoryKeyStore(MASTER)

    def reopen(self, store, master):
        again = InMemoryKeyStore(master)
        again._rows = store._rows  # the same "table", as a new process would see it
        return again
