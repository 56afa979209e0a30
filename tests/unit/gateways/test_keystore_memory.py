from __future__ import annotations

import pytest

from gateways.key_rotation import rewrap
from gateways.keystore import InMemoryKeyStore
from tests.keystore_behaviour import MASTER, KeyStoreBehaviour


class TestInMemoryKeyStore(KeyStoreBehaviour):
    @pytest.fixture
    def store(self):
        return InMemoryKeyStore(MASTER)

    def reopen(self, store, master, **options):
        return InMemoryKeyStore(master, table=store.table, **options)  # the same "table", as a new process sees it

    def stored_wrapped(self, store, aggregate_id):
        return store.table[aggregate_id]

    def damage(self, store, aggregate_id):
        wrapped = bytearray(store.table[aggregate_id])
        wrapped[5] ^= 1
        store.table[aggregate_id] = bytes(wrapped)

    def remove(self, store, aggregate_id):
        del store.table[aggregate_id]

    def rotate(self, store, old, new):
        for aggregate_id, wrapped in store.table.items():
            if wrapped is not None:
                store.table[aggregate_id] = rewrap(wrapped, old, new)[1]
