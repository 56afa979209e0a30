from __future__ import annotations

from uuid import uuid4

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

    def reopen(self, store, master, **options):
        self.opened.append(PostgresKeyStore(self.conninfo, master, **options))
        return self.opened[-1]

    def stored_wrapped(self, store, aggregate_id):
        with psycopg.connect(self.conninfo) as conn:
            return bytes(conn.execute("SELECT wrapped_key FROM sigill_data_keys WHERE aggregate_id = %s",
                                      (aggregate_id,)).fetchone()[0])

    def test_the_schema_is_made_idempotently(self, store):
        store.ensure_schema()
        store.ensure_schema()

    def test_destroying_clears_the_wrapped_key_and_records_when(self, store):
        case = uuid4()
        store.data_key(case, create=True)
        store.destroy(case)
        with psycopg.connect(self.conninfo) as conn:
            wrapped, destroyed_at = conn.execute("SELECT wrapped_key, destroyed_at FROM sigill_data_keys"
                                                 " WHERE aggregate_id = %s", (case,)).fetchone()
        assert wrapped is None and destroyed_at is not None

    def test_keys_can_live_in_a_schema(self, postgres):
        with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
            conn.execute("CREATE SCHEMA sigill")
        case = uuid4()
        with PostgresKeyStore(postgres.conninfo(), MASTER, schema="sigill") as store:
            key = store.data_key(case, create=True)
        with psycopg.connect(postgres.conninfo()) as conn:
            assert conn.execute("SELECT count(*) FROM sigill.sigill_data_keys").fetchone()[0] == 1
        with PostgresKeyStore(postgres.conninfo(), MASTER, schema="sigill") as again:
            assert again.data_key(case, create=False) == key
