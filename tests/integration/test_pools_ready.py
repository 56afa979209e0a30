"""Stores that use their pool as they are made wait for its first connection: the pool makes it in the background,
and a read that came first found the pool empty and made it grow, for good.  On a busy machine (the CI of
2026-12-06) a build worker so held five connections, not four; every API worker held a second key store and
idempotency connection it never needed.  The signed-out store's first read is a page's, soon after a web worker starts:
the same race."""

from __future__ import annotations

import time
from uuid import uuid4

import psycopg
import pytest

from gateways.idempotency_store import PostgresIdempotencyStore
from gateways.keystore import PostgresKeyStore
from gateways.signed_out_store import PostgresSignedOut
from tests.keystore_behaviour import MASTER

NAME = "sigill-pool-counted"


@pytest.fixture
def late(postgres, monkeypatch):
    """Every new connection comes 0.2 s late (as on a loaded machine); the conninfo names the store's connections."""
    connect = psycopg.Connection.connect.__func__

    def late_connect(cls, *args, **kwargs):
        time.sleep(0.2)
        return connect(cls, *args, **kwargs)
    monkeypatch.setattr(psycopg.Connection, "connect", classmethod(late_connect))
    yield f"{postgres.conninfo()} application_name={NAME}"
    monkeypatch.undo()


def held(postgres) -> int:
    with psycopg.connect(postgres.conninfo()) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                            " AND application_name = %s", (NAME,)).fetchone()[0]


def test_a_key_store_whose_first_connection_comes_late_holds_one_in_its_pool(late, postgres):
    store = PostgresKeyStore(late, MASTER)
    try:
        assert store.listening.wait(10)
        store.data_key(uuid4(), create=True)
        assert held(postgres) == 2   # the pool's one, and the listener's (3 before the wait)
    finally:
        store.close()


def test_an_idempotency_store_whose_first_connection_comes_late_holds_one(late, postgres):
    store = PostgresIdempotencyStore(late)
    try:
        assert held(postgres) == 1   # 2 before the wait: the start's clean-up of old answers came first
    finally:
        store.close()


def test_a_signed_out_store_read_at_once_holds_one(late, postgres):
    store = PostgresSignedOut(late)
    try:
        assert store.ended(b"\x00" * 32) is False
        assert held(postgres) == 1   # 2 before the wait: the read came before the pool's first connection
    finally:
        store.close()
