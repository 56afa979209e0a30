"""The access log's writer on an event loop, on PostgreSQL: its batches and the writer thread's, made at once, form
one unbroken chain with every checkpoint signed; an entry whose case key was not cached is sealed all the same.
(Reads over HTTP logged from the server's loop: ``tests/integration/api/test_access_log.py``.)"""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from uuid import uuid4

from gateways.access_log_store import PostgresAccessLogStore
from gateways.keystore import PostgresKeyStore
from services.access_entry import AccessEntry, AccessQuery
from tests.builders import utc
from tests.concurrency import in_threads
from tests.integration.test_access_log_store import PUBLIC, sign, signature_ok


def read(case_id, n: int, subject: str) -> AccessEntry:
    return AccessEntry(utc(2026, 2, 3) + timedelta(seconds=n), case_id, subject, "skola", "member", "timeline",
                       "Kim Kurator", f"Inför möte {n}")


def test_the_loops_batches_and_the_threads_made_at_once_form_one_chain_with_every_checkpoint(postgres, app):
    cases = [uuid4() for _ in range(3)]
    app.keystore.create_keys(cases)
    store = PostgresAccessLogStore(postgres.conninfo(), app.keystore)
    on_loop = store.for_this_loop()

    async def loop_writes() -> None:
        await on_loop.open()
        try:
            for k in range(0, 60, 3):
                await on_loop.append([read(cases[n % 3], n, "loop") for n in range(k, k + 3)], sign)
        finally:
            await on_loop.close()   # stores its owed checkpoint

    def thread_writes() -> None:
        for k in range(0, 60, 3):
            store.append([read(cases[n % 3], n, "thread") for n in range(k, k + 3)], sign)
        store.store_checkpoint()

    try:
        outcomes = in_threads(lambda w: asyncio.run(loop_writes()) if w == 0 else thread_writes(), 2)
        assert not any(isinstance(o, BaseException) for o in outcomes), outcomes
        verdict = store.verify(signature_ok, {PUBLIC})
        assert verdict.intact and verdict.checked == 120 and verdict.checkpoints == 40
        records = store.search(AccessQuery(limit=1000))
        assert sorted((r.entry.subject, r.entry.purpose) for r in records) == sorted(
            (w, f"Inför möte {n}") for w in ("loop", "thread") for n in range(60))
    finally:
        store.close()


def test_an_entry_whose_case_key_is_not_cached_is_fetched_off_the_loop_sealed_and_unseals(postgres, app, settings):
    case_id = uuid4()
    app.keystore.create_keys([case_id])
    cold = PostgresKeyStore(postgres.conninfo(), settings.master_key_bytes())   # nothing cached yet
    queried_on: list[int] = []
    select, select_many = cold._select, cold._select_many
    cold._select = lambda aggregate_id: (queried_on.append(threading.get_ident()), select(aggregate_id))[1]
    cold._select_many = lambda ids: (queried_on.append(threading.get_ident()), select_many(ids))[1]
    store = PostgresAccessLogStore(postgres.conninfo(), cold)
    on_loop = store.for_this_loop()

    async def write() -> tuple[int, bool]:
        await on_loop.open()
        try:
            was_cached = cold.cached(case_id)[0]
            await on_loop.append([read(case_id, 1, "kurator-1")], sign)
            return threading.get_ident(), was_cached
        finally:
            await on_loop.close()

    try:
        # On a loop in a thread of its own: a test before may have left this thread's loop running.
        loop_thread, was_cached = in_threads(lambda _: asyncio.run(write()), 1)[0]
        assert not was_cached and queried_on and loop_thread not in queried_on   # the key's query left the loop
        (record,) = store.search(AccessQuery(case_id=case_id))
        assert (record.entry.reader_name, record.entry.purpose) == ("Kim Kurator", "Inför möte 1")
    finally:
        store.close()
        cold.close()
