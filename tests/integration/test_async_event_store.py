"""The event store on a worker's event loop: group commit, each save's own outcome, and a lost COMMIT answer.

The store is the one ``sigill serve`` uses for commands over HTTP; it writes the same rows in the same
transactions as the recorder, checked here against what the recorder reads back.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.persistence import RecordConflictError, StoredEvent

from gateways.async_event_store import AsyncEventStore
from gateways.group_commit import CommitOutcomeUnknown
from gateways.schema_lock import conninfo_of
from services.idempotency import AnswerAlreadyStored, AnswerRow
from tests.builders import SOCIAL
from tests.service_behaviour import open_case


def event(case, version, state=b"state"):
    return StoredEvent(case, version, "tests:Event", state)


def answer(key):
    return AnswerRow("socialtjanst-caseworker", key, b"h" * 32, 201, {"case_id": "x", "version": 1})


def on_loop(app, work):
    """Run ``work(store)`` on a fresh event loop with the application's store open on it."""
    async def main():
        store = AsyncEventStore.of(app.recorder)
        await store.open()
        try:
            return await work(store)
        finally:
            await store.close()
    # A loop of its own in a thread of its own: the browser tests' synchronous driver may have left one
    # running in this thread.
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, main()).result(timeout=60)


async def all_of(saves):
    """Every save's outcome: its ids, or its error."""
    return await asyncio.gather(*saves, return_exceptions=True)


def notification_ids(app, cases):
    wanted = set(cases)
    return {(n.originator_id, n.originator_version): n.id
            for n in app.recorder.select_notifications(start=1, limit=10_000) if n.originator_id in wanted}


def test_saves_made_at_once_share_one_transaction_and_each_gets_its_own_ids(app):
    saves = [[event(uuid4(), 1), event(uuid4(), 1)] for _ in range(12)]

    async def work(store):
        outcomes = await all_of(store.insert(save) for save in saves)
        return outcomes, list(store.group_sizes)
    outcomes, groups = on_loop(app, work)
    # The first save starts the drain; every other was queued before it ran: one group of twelve.
    assert groups == [12]
    ids = notification_ids(app, [e.originator_id for save in saves for e in save])
    for save, got in zip(saves, outcomes):
        assert got == [ids[(e.originator_id, e.originator_version)] for e in save]
    assert sorted(i for got in outcomes for i in got) == sorted(ids.values())


def test_a_conflicting_save_fails_alone_and_the_rest_of_its_group_is_committed(app):
    taken = uuid4()
    app.recorder.insert_events([event(taken, 1, b"first")])
    others = [[event(uuid4(), 1)] for _ in range(5)]

    async def work(store):
        return await all_of([store.insert([event(taken, 1, b"second")]), *(store.insert(s) for s in others)])
    outcomes = on_loop(app, work)
    assert isinstance(outcomes[0], RecordConflictError)
    assert [e.state for e in app.recorder.select_events(taken)] == [b"first"]
    for save, got in zip(others, outcomes[1:]):
        assert isinstance(got, list) and len(got) == 1
        assert [e.originator_version for e in app.recorder.select_events(save[0].originator_id)] == [1]


def test_a_taken_idempotency_key_refuses_only_its_own_save(app):
    first, second, third = uuid4(), uuid4(), uuid4()

    async def work(store):
        await store.insert([event(first, 1)], [answer("key-1")])
        return await all_of([store.insert([event(second, 1)], [answer("key-1")]),
                             store.insert([event(third, 1)], [answer("key-2")])])
    refused, kept = on_loop(app, work)
    assert isinstance(refused, AnswerAlreadyStored) and isinstance(kept, list)
    assert list(app.recorder.select_events(second)) == []            # nothing of the refused save
    assert len(list(app.recorder.select_events(third))) == 1
    with psycopg.connect(conninfo_of(app.recorder.datastore)) as conn:
        keys = conn.execute("SELECT key FROM sigill_idempotency_keys ORDER BY key").fetchall()
    assert keys == [("key-1",), ("key-2",)]


def test_the_newer_events_of_a_case_are_read_in_order_and_none_when_it_is_current(app):
    case_id, _ = open_case(app)
    app.decide_eligibility(case_id, by=SOCIAL, accepted=True, reasons="Hög risk.", instruments=("SAVRY",),
                           decided_on=date(2026, 2, 2))
    expected = list(app.recorder.select_events(case_id))

    async def work(store):
        return await store.events_after(case_id, 0), await store.events_after(case_id, 1), \
            await store.events_after(case_id, len(expected))
    whole, after_first, none = on_loop(app, work)
    assert whole == expected and after_first == expected[1:] and none == []


def test_a_lost_answer_to_commit_is_not_retried_and_the_events_are_stored_once(app, monkeypatch):
    case = uuid4()
    commits = []
    real_execute = psycopg.AsyncCursor.execute

    async def commit_then_lose_the_answer(cursor, query, *args, **kwargs):
        result = await real_execute(cursor, query, *args, **kwargs)
        if isinstance(query, bytes) and query.endswith(b"COMMIT"):
            commits.append(query)
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return result

    monkeypatch.setattr(psycopg.AsyncCursor, "execute", commit_then_lose_the_answer)

    async def work(store):
        return await all_of([store.insert([event(case, 1)])])
    (outcome,) = on_loop(app, work)
    monkeypatch.undo()
    assert isinstance(outcome, CommitOutcomeUnknown)
    assert len(commits) == 1                                         # sent once: no blind retry
    assert len(list(app.recorder.select_events(case))) == 1          # and made, once


def test_a_group_whose_connection_fails_fails_as_a_whole_at_once(app, monkeypatch):
    saves = [[event(uuid4(), 1)] for _ in range(4)]
    real_execute = psycopg.AsyncCursor.execute
    sent = []

    async def refuse_every_insert(cursor, query, *args, **kwargs):
        if isinstance(query, bytes) and b"INSERT" in query:
            sent.append(query)
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return await real_execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.AsyncCursor, "execute", refuse_every_insert)

    async def work(store):
        return await all_of(store.insert(save) for save in saves)
    outcomes = on_loop(app, work)
    monkeypatch.undo()
    assert all(isinstance(o, CommitOutcomeUnknown) for o in outcomes)
    assert len(sent) == 1          # one attempt for the group: not one per save, not retried
    assert all(list(app.recorder.select_events(s[0].originator_id)) == [] for s in saves)


def test_a_save_whose_caller_gave_up_is_still_committed(app):
    case = uuid4()

    async def work(store):
        waiting = asyncio.ensure_future(store.insert([event(case, 1)]))
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        for _ in range(100):   # the drain goes on without its caller
            if store.group_sizes:
                break
            await asyncio.sleep(0.01)
        while store._draining:
            await asyncio.sleep(0.01)
    on_loop(app, work)
    assert len(list(app.recorder.select_events(case))) == 1


def test_its_connections_cut_off_a_worker_stopped_mid_transaction_as_the_recorders_do(app):
    async def work(store):
        async with store._pool.connection() as conn:
            return (await (await conn.execute("SHOW idle_in_transaction_session_timeout")).fetchone())[0]
    with app.recorder.datastore.get_connection() as conn:
        expected = conn.execute("SHOW idle_in_transaction_session_timeout").fetchone()
    assert on_loop(app, work) == expected["idle_in_transaction_session_timeout"] == "10s"
