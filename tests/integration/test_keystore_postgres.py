from __future__ import annotations

from uuid import uuid4

import psycopg
import pytest

from gateways.key_rotation import rotate
from gateways.keystore import CHECK_ID, PostgresKeyStore
from tests.keystore_behaviour import MASTER, KeyStoreBehaviour


class TestPostgresKeyStore(KeyStoreBehaviour):
    @pytest.fixture
    def store(self, postgres):
        self.conninfo, self.opened = postgres.conninfo(), []
        store = PostgresKeyStore(self.conninfo, MASTER)
        assert store.listening.wait(10)   # keys are cached only while it hears of destructions
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

    def damage(self, store, aggregate_id):
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute("UPDATE sigill_data_keys SET wrapped_key = set_byte(wrapped_key, 5, get_byte(wrapped_key, 5)"
                         " # 1) WHERE aggregate_id = %s", (aggregate_id,))

    def remove(self, store, aggregate_id):
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute("DELETE FROM sigill_data_keys WHERE aggregate_id = %s", (aggregate_id,))

    def rotate(self, store, old, new):
        rotate(self.conninfo, "public", old, new)

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
            assert conn.execute("SELECT count(*) FROM sigill.sigill_data_keys WHERE aggregate_id <> %s",
                                (CHECK_ID,)).fetchone()[0] == 1   # the case's key, beside the check value
        with PostgresKeyStore(postgres.conninfo(), MASTER, schema="sigill") as again:
            assert again.data_key(case, create=False) == key


def test_a_key_destroyed_in_another_process_is_gone_here_at_once(postgres):
    """Erasure reaches every running process as it commits, not when a cached key expires (60 s): a worker must not
    serve, nor the views publish, a case erased elsewhere a minute long."""
    import subprocess
    import sys
    import time

    here = PostgresKeyStore(postgres.conninfo(), MASTER)
    try:
        assert here.listening.wait(10)
        case = uuid4()
        assert here.data_key(case, create=True) is not None
        assert here.cached(case)[0]   # cached here, for a minute
        destroy = ("import sys, uuid\nfrom gateways.keystore import CHECK_ID, PostgresKeyStore\n"
                   f"with PostgresKeyStore({postgres.conninfo()!r}, bytes.fromhex({MASTER.hex()!r})) as there:\n"
                   f"    there.destroy(uuid.UUID({str(case)!r}))\n")
        done = subprocess.run([sys.executable, "-c", destroy], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        deadline = time.monotonic() + 2
        while here.cached(case) != (True, None) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert here.cached(case) == (True, None)   # told, not read: the cache itself says so
        assert here.data_key(case, create=False) is None
    finally:
        here.close()


def test_a_key_fetched_just_before_its_destruction_was_told_is_not_cached(postgres):
    """The race: a read fetched the key, the notification came, then the read cached what it had fetched."""
    store = PostgresKeyStore(postgres.conninfo(), MASTER)
    try:
        assert store.listening.wait(10)
        case = uuid4()
        key = store.data_key(case, create=True)
        read_at = store._cache.generation     # a read under way: it fetched the key
        store._cache.destroyed(case)          # as the listener does when told
        store._cache.put(uuid4(), key, read_at)   # the late read's put: refused
        assert store.data_key(case, create=False) is None and len(store._cache._keys) == 1
    finally:
        store.close()


def test_keys_are_not_cached_while_destructions_could_not_be_heard(postgres):
    store = PostgresKeyStore(postgres.conninfo(), MASTER)
    try:
        assert store.listening.wait(10)
        store._cache.keys_trusted = lambda: False   # as while its listener is lost
        case = uuid4()
        assert store.data_key(case, create=True) is not None and store.cached(case) == (False, None)
    finally:
        store.close()


def test_keys_cached_before_destructions_stopped_being_heard_are_read_from_the_table_again(postgres):
    """A key cached while the listener heard, then its connection lost: the key is not served from the cache
    (a destruction meanwhile would not be heard), and a destroyed marker still is.  Until 2026-12-04 cached keys
    stayed until they expired (60 s), as the listener's own warning said."""
    store = PostgresKeyStore(postgres.conninfo(), MASTER)
    try:
        assert store.listening.wait(10)
        case, erased = uuid4(), uuid4()
        key = store.data_key(case, create=True)
        store.data_key(erased, create=True)
        store.destroy(erased)
        assert store.cached(case) == (True, key) and store.cached(erased) == (True, None)
        store._cache.keys_trusted = lambda: False   # as once its listener is lost
        assert store.cached(case) == (False, None) and store.cached(erased) == (True, None)
        assert store.data_key(case, create=False) == key   # read from the table, not kept
        assert store.cached(case) == (False, None)
    finally:
        store.close()


def test_a_schema_with_a_long_name_can_still_destroy_keys(postgres):
    """A review's finding: pg_notify refuses a channel name of 64 bytes or more, and the destruction rolled back."""
    schema = "s" * 60
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    with PostgresKeyStore(postgres.conninfo(), MASTER, schema=schema) as store:
        case = uuid4()
        store.data_key(case, create=True)
        store.destroy(case)
        assert store.is_destroyed(case)
