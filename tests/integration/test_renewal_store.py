"""The shared renewals in PostgreSQL (and the in-process store, to the same contract): one renewal per spent token
and window, whichever worker asks first."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from gateways.renewal_store import PostgresRenewals
from services.identity_provider import SignInFailed
from services.web.renewal import ProcessRenewals, RenewalStoreUnavailable
from tests.concurrency import in_threads

MAC = bytes(range(32))


@pytest.fixture(params=["postgres", "process"])
def stores(request):
    """Two workers' stores: over one database — or, for the in-process store the port's contract is also
    checked against, one store both use."""
    if request.param == "process":
        shared = ProcessRenewals()
        yield [shared, shared]
        return
    postgres = request.getfixturevalue("postgres")
    made = [PostgresRenewals(postgres.conninfo()) for _ in range(2)]
    yield made
    for store in made:
        store.close()


@pytest.fixture
def pg_stores(postgres):
    made = [PostgresRenewals(postgres.conninfo()) for _ in range(2)]
    yield made
    for store in made:
        store.close()


def test_workers_asking_at_once_renew_once_and_all_get_that_answer(stores):
    calls, gate = [], threading.Barrier(6)

    def renew() -> bytes:
        calls.append(1)
        time.sleep(0.2)  # the provider takes a while: the others must wait, not ask too
        return b"sealed answer"

    def worker(n: int) -> bytes:
        gate.wait()
        return stores[n % 2].once(MAC, 60, renew)

    assert in_threads(worker, 6) == [b"sealed answer"] * 6
    assert len(calls) == 1


def test_another_token_is_renewed_on_its_own(stores):
    assert stores[0].once(MAC, 60, lambda: b"first") == b"first"
    assert stores[1].once(bytes(32), 60, lambda: b"second") == b"second"


def test_a_refused_renewal_stores_nothing_and_the_next_worker_asks_again(stores):
    def refused() -> bytes:
        raise SignInFailed("refused", "invalid_grant")

    with pytest.raises(SignInFailed):
        stores[0].once(MAC, 60, refused)
    assert stores[1].once(MAC, 60, lambda: b"renewed") == b"renewed"


def test_an_answer_older_than_its_window_is_not_shared_and_is_deleted(pg_stores, postgres):
    stores = pg_stores
    stores[0].once(MAC, 60, lambda: b"old")
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute("UPDATE sigill_web_renewals SET renewed_at = renewed_at - interval '61 seconds'")
        assert stores[1].once(MAC, 60, lambda: b"new") == b"new"
        other = bytes(31) + b"\x01"
        stores[1].once(other, 60, lambda: b"x")
        conn.execute("UPDATE sigill_web_renewals SET renewed_at = renewed_at - interval '61 seconds'"
                     " WHERE spent_token_mac = %s", (MAC,))
        stores[0].once(bytes(32), 60, lambda: b"y")  # the next renewal forgets what has passed its window
        kept = {bytes(r[0]) for r in conn.execute("SELECT spent_token_mac FROM sigill_web_renewals")}
    assert kept == {other, bytes(32)}


def test_a_store_whose_database_is_gone_says_it_is_unavailable(postgres, postgres_server):
    store = PostgresRenewals(postgres.conninfo())
    try:
        store.once(MAC, 60, lambda: b"before")
        with psycopg.connect(postgres_server.conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{postgres.dbname}" WITH (FORCE)')
        with pytest.raises(RenewalStoreUnavailable):
            store.once(bytes(32), 60, lambda: b"after")
    finally:
        store.close()
