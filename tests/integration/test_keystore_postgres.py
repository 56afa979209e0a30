from __future__ import annotations

import psycopg
import pytest

from gateways.keystore import PostgresKeyStore
from tests.keystore_behaviour import MASTER, KeyStoreBehaviour


class TestPostgresKeyStore(KeyStoreBehaviour):
    @pytest.fixture
    def store(self, postgres):
        self.conninfo, self.opened = postgres.conninfo(), []
        store = PostgresKeyStore(self.conninfo, MASTER)
        yield store
        for each in (store, *self.opened):
            each.close()

    def reopen(self, store, master):
        self.opened.append(PostgresKeyStore(self.conninfo, master))
        return self.opened[-1]

    def test_the_table_holds_only_wrapped_keys(self, store):
        from uuid import uuid4

        case = uuid4()
        key = store.data_key(case, create=True)
        with psycopg.connect(self.conninfo) as conn:
            wrapped = conn.execute("SELECT wrapped_key FROM sigill_data_keys WHERE aggregate_id = %s",
                                   (case,)).fetchone()[0]
        assert bytes(wrapped) != key and key not in bytes(wrapped)
