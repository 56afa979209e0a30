"""The access log's store on PostgreSQL: the database numbers and chains each batch as ``entry_link`` does, across
processes writing at once; each batch reports its cases' latest versions; entries written before keep unsealing."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from typing import Iterator
from uuid import uuid4

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from gateways.access_log_checks import latest_checkpoint
from gateways.access_log_store import PostgresAccessLogStore
from gateways.keystore import PostgresKeyStore
from gateways.sealing import seal
from services.access_chain import GENESIS, checkpoint_message, entry_link
from services.access_entry import AccessEntry, AccessQuery
from tests.builders import utc
from tests.concurrency import eventually, in_threads
from tests.service_behaviour import open_case

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def sign(message: bytes) -> tuple[bytes, bytes]:
    return PUBLIC, KEY.sign(message)


def signature_ok(public: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
        return True
    except Exception:
        return False


def read(case_id, n: int, subject: str = "kurator-1") -> AccessEntry:
    return AccessEntry(utc(2026, 2, 3) + timedelta(seconds=n), case_id, subject, "skola", "member", "timeline",
                       "Kim Kurator", f"Inför möte {n}")


def store_of(postgres, app) -> PostgresAccessLogStore:
    return PostgresAccessLogStore(postgres.conninfo(), app.keystore)


def test_two_processes_appending_at_once_make_one_unbroken_chain(postgres, app):
    cases = [uuid4() for _ in range(3)]
    app.keystore.create_keys(cases)
    workers = [store_of(postgres, app), store_of(postgres, app)]   # two workers' stores: two connections, one lock
    try:
        outcomes = in_threads(lambda w: [workers[w].append([read(cases[n % 3], n, f"user-{w}") for n in range(k, k + 3)], sign)
                              for k in range(0, 60, 3)], 2)
        assert not any(isinstance(o, BaseException) for o in outcomes), outcomes
        for worker in workers:
            worker.store_checkpoint()
        verdict = workers[0].verify(signature_ok, {PUBLIC})
        assert verdict.intact and verdict.checked == 120 and verdict.checkpoints == 40
        records = workers[0].search(AccessQuery(limit=1000))
        assert [r.seq for r in records] == list(range(1, 121))
        assert sorted((r.entry.subject, r.entry.purpose) for r in records) == sorted(
            (f"user-{w}", f"Inför möte {n}") for w in range(2) for n in range(60))
    finally:
        for worker in workers:
            worker.close()


def test_a_batch_reports_the_latest_stored_version_of_each_of_its_cases(postgres, app):
    opened, _ = open_case(app)
    store = store_of(postgres, app)
    try:
        unknown = uuid4()
        versions = store.append([read(opened, 1), read(unknown, 2)], sign)
        assert versions == {opened: app.get_case(opened).version, unknown: None}
    finally:
        store.close()


def test_a_signed_checkpoint_is_owed_until_the_next_batch_or_stored_alone(postgres, app):
    case_id = uuid4()
    app.keystore.create_keys([case_id])
    store = store_of(postgres, app)
    try:
        store.append([read(case_id, 1)], sign)
        assert store.owes_checkpoint and _checkpoints(postgres) == []
        store.append([read(case_id, 2)], sign)   # carries the first batch's checkpoint
        assert _checkpoints(postgres) == [1]
        store.store_checkpoint()
        assert not store.owes_checkpoint and _checkpoints(postgres) == [1, 2]
    finally:
        store.close()


def test_the_exported_checkpoint_is_the_one_owed_for_the_last_batch_once_stored_or_the_last_stored_after_a_wait(
        postgres, app):
    """An export waits for the checkpoint its writer owes for the log's last entry (stored once idle, in whichever
    process); one never stored (its writer died) costs the export the wait, and the file the last stored."""
    case_id = uuid4()
    app.keystore.create_keys([case_id])
    store = store_of(postgres, app)
    try:
        store.append([read(case_id, 1)], sign)
        store.append([read(case_id, 2)], sign)   # owes the checkpoint of read 2
        started = time.monotonic()
        assert latest_checkpoint(postgres.conninfo(), "public", wait=0.3).seq == 1
        assert time.monotonic() - started >= 0.3
        stored = threading.Timer(0.2, store.store_checkpoint)
        stored.start()
        assert latest_checkpoint(postgres.conninfo(), "public").seq == 2   # waited for, as the writer stores it
        stored.join()
    finally:
        store.close()


def test_an_export_from_a_database_whose_access_log_table_was_dropped_gives_the_last_checkpoint_stored(postgres, app):
    """The checkpoints kept, the log's table gone (its owner dropped it): the export still gives what was signed, at
    once — the file then finds it (verify's "table_gone") — not an error for want of the log to wait on."""
    case_id = uuid4()
    app.keystore.create_keys([case_id])
    store = store_of(postgres, app)
    store.append([read(case_id, 1)], sign)
    store.close()   # stores the owed checkpoint
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute("DROP TABLE sigill_access_log")
    started = time.monotonic()
    assert latest_checkpoint(postgres.conninfo(), "public").seq == 1
    assert time.monotonic() - started < 1


def test_entries_written_before_the_database_numbered_them_still_unseal_and_verify(postgres, app):
    """Upgrading: an entry whose details were sealed bound to its number (the Python-side chain) stays readable,
    and the database chains new entries onto it."""
    case_id = uuid4()
    app.keystore.create_keys([case_id])
    store = store_of(postgres, app)
    try:
        old = read(case_id, 1)
        details = seal(app.keystore.data_key(case_id, create=False),
                       json.dumps({"reader_name": old.reader_name, "purpose": old.purpose}).encode(),
                       f"access/1/{case_id}".encode())
        link = entry_link(GENESIS, 1, old, details)
        with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
            conn.execute("INSERT INTO sigill_access_log (seq, at, case_id, subject, agency, roles, what, details, link)"
                         " VALUES (1, %s, %s, %s, %s, %s, %s, %s, %s)",
                         (old.at, case_id, old.subject, old.agency, old.roles, old.what, details, link))
            conn.execute("INSERT INTO sigill_access_log_checkpoints (seq, link, public_key, signature)"
                         " VALUES (1, %s, %s, %s)", (link, *sign(checkpoint_message(1, link))))
        store.append([read(case_id, 2)], sign)
        store.store_checkpoint()
        assert store.verify(signature_ok, {PUBLIC}).intact
        assert [(r.seq, r.entry.purpose) for r in store.search(AccessQuery(case_id=case_id))] == [
            (1, "Inför möte 1"), (2, "Inför möte 2")]
    finally:
        store.close()


def _checkpoints(postgres) -> list[int]:
    with psycopg.connect(postgres.conninfo()) as conn:
        return [r[0] for r in conn.execute("SELECT seq FROM sigill_access_log_checkpoints ORDER BY seq")]


@contextmanager
def cold_store(postgres, settings, **cache: float) -> Iterator[tuple[PostgresAccessLogStore, list[str]]]:
    """An access log store over a key store with nothing in memory yet, and the key store's queries as it makes them."""
    cold = PostgresKeyStore(postgres.conninfo(), settings.master_key_bytes(), **cache)
    assert eventually(cold._cache.keys_trusted, 10)   # it hears of destructions: it may keep keys in memory
    queries: list[str] = []
    run = cold._run
    cold._run = lambda statement, params=(): (queries.append(statement), run(statement, params))[1]
    store = PostgresAccessLogStore(postgres.conninfo(), cold)
    try:
        yield store, queries
    finally:
        store.close()
        cold.close()


def test_a_batch_of_many_cases_whose_keys_are_not_in_memory_fetches_them_in_one_query(postgres, app, settings):
    """A case list logs every case it shows in one batch; each case's key was fetched with a query of its own (a list
    of 200 cases, 200 round trips before the batch's one)."""
    cases = [uuid4() for _ in range(5)]
    app.keystore.create_keys(cases)
    with cold_store(postgres, settings) as (store, queries):
        store.append([read(case_id, n, "socialsekreterare-1") for n, case_id in enumerate(cases)], sign)
        assert len(queries) == 1 and "ANY" in queries[0], queries
        records = store.search(AccessQuery(subject="socialsekreterare-1"))
        assert sorted(r.entry.case_id for r in records) == sorted(cases)
        assert {r.entry.reader_name for r in records} == {"Kim Kurator"}   # sealed under each case's own key


def test_a_batch_of_more_cases_than_the_key_cache_holds_still_fetches_their_keys_in_one_query(postgres, app,
                                                                                             settings):
    """An auditor's list of every case logs them all in one batch: with more cases than the key cache holds, the keys
    fetched together were read back from a cache that had dropped the first ones — one query each again, in the
    access log's writer, every other reader's batch waiting behind it."""
    cases = [uuid4() for _ in range(6)]
    app.keystore.create_keys(cases)
    with cold_store(postgres, settings, cache_size=2) as (store, queries):
        store.append([read(case_id, n, "granskare-1") for n, case_id in enumerate(cases)], sign)
        assert len(queries) == 1, queries
