"""The access log's writer thread: concurrent reads share commits, each read returns only once it is written,
with the latest stored version of its case as the batch's transaction saw it."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime, timezone
from uuid import uuid4

import pytest

from services.access_entry import AccessEntry
from services.access_log import AccessLog, AccessLogUnavailable
from tests.concurrency import eventually, in_threads


def entry(n: int) -> AccessEntry:
    return AccessEntry(datetime(2026, 2, 3, tzinfo=timezone.utc), uuid4(), f"user-{n}", "skola", "member", "timeline")


class SlowStore:
    """Takes a while per commit, as a disk does; remembers what was committed, batch by batch."""

    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[AccessEntry]] = []
        self.fail = fail
        self.owes_checkpoint = False
        self.checkpoints_stored_alone = 0

    def append(self, entries, sign) -> dict:
        time.sleep(0.02)
        if self.fail:
            raise OSError("disk full")
        self.batches.append(list(entries))
        self.owes_checkpoint = True
        return {e.case_id: 100 + len(self.batches) for e in entries}   # as if each batch saw a newer version

    def store_checkpoint(self) -> None:
        self.owes_checkpoint = False
        self.checkpoints_stored_alone += 1


def read_concurrently(log: AccessLog, readers: int) -> list[BaseException | None]:
    return [None if isinstance(o, int) else o for o in in_threads(lambda n: log.record(entry(n)), readers)]


def test_concurrent_reads_share_commits_and_every_one_is_written_once():
    store = SlowStore()
    log = AccessLog(store, lambda m: (b"", b""))
    assert read_concurrently(log, 40) == [None] * 40
    written = [e.subject for batch in store.batches for e in batch]
    assert sorted(written) == sorted(f"user-{n}" for n in range(40))
    assert len(store.batches) < 40  # group commit: some batches held several reads


def test_a_read_returns_only_after_its_entry_is_committed():
    store = SlowStore()
    log = AccessLog(store, lambda m: (b"", b""))
    log.record(entry(1))
    assert [e.subject for e in store.batches[-1]] == ["user-1"]


def test_when_the_log_cannot_be_written_every_read_of_the_batch_is_refused_and_later_reads_still_work():
    store = SlowStore(fail=True)
    log = AccessLog(store, lambda m: (b"", b""))
    outcomes = read_concurrently(log, 5)
    assert all(isinstance(o, AccessLogUnavailable) for o in outcomes)
    store.fail = False
    log.record(entry(9))
    assert store.batches[-1][0].subject == "user-9"
    with pytest.raises(AccessLogUnavailable):
        store.fail = True
        log.record(entry(10))


def test_a_read_learns_the_version_of_its_case_that_its_batch_saw():
    store = SlowStore()
    log = AccessLog(store, lambda m: (b"", b""))
    assert log.record(entry(1)) == 101
    assert log.record(entry(2)) == 102


def on_a_loop_of_its_own(coroutine) -> object:
    """Run on a new event loop in a thread of its own (a test before may have left this thread's loop running)."""
    return in_threads(lambda _: asyncio.run(coroutine), 1)[0]


def test_a_read_on_an_event_loop_awaits_its_commit_without_holding_a_thread():
    store = SlowStore()
    log = AccessLog(store, lambda m: (b"", b""))
    log.record(entry(0))  # the writer thread is started
    # The threads started meanwhile, not how many the process has: a thread another test left ending meanwhile
    # would change the count.
    before = set(threading.enumerate())

    async def read_many() -> list:
        reads = asyncio.gather(*(log.record_async(entry(n)) for n in range(20)), return_exceptions=True)
        await asyncio.sleep(0)   # every read has run up to its wait for the commit (each takes 0.02 s here) …
        others = [t for t in threading.enumerate() if t not in before and t is not threading.current_thread()]
        return [others, *await reads]   # … so a read that took a thread, even as a coroutine, has one now

    others, *versions = on_a_loop_of_its_own(read_many())
    assert all(isinstance(v, int) and v > 100 for v in versions)
    assert sorted(e.subject for b in store.batches[1:] for e in b) == sorted(f"user-{n}" for n in range(20))
    assert len(store.batches) < 21 and others == []   # the loop's own thread, and no other


def test_an_awaited_read_is_refused_when_its_batch_cannot_be_written():
    store = SlowStore(fail=True)
    log = AccessLog(store, lambda m: (b"", b""))

    async def read() -> None:
        await log.record_async(entry(1))

    assert isinstance(on_a_loop_of_its_own(read()), AccessLogUnavailable)


def test_a_checkpoint_owed_is_stored_on_its_own_once_no_read_is_waiting():
    store = SlowStore()
    log = AccessLog(store, lambda m: (b"", b""))
    log.record(entry(1))
    assert eventually(lambda: store.checkpoints_stored_alone == 1 and not store.owes_checkpoint, 2)


def test_a_reader_whose_event_loop_closed_meanwhile_does_not_stop_the_writer():
    store = SlowStore()
    log = AccessLog(store, lambda m: (b"", b""))
    loop = asyncio.new_event_loop()
    waiter = loop.create_future()
    loop.close()
    log._enqueue([entry(1)], (loop, waiter, entry(1).case_id))   # as record_async queues it, its loop now gone
    time.sleep(0.1)                                             # its batch is written (and its reader settled)
    (outcome,) = in_threads(lambda _: log.record(entry(2)), 1, timeout=3)
    assert isinstance(outcome, int)                             # the writer lived on and wrote the next batch
    assert [e.subject for b in store.batches for e in b] == ["user-1", "user-2"]


def test_the_readers_of_a_batch_on_one_loop_are_woken_together_each_with_its_own_cases_version():
    class CountingLoop(asyncio.SelectorEventLoop):
        wakeups = 0

        def call_soon_threadsafe(self, *args, **kwargs):
            CountingLoop.wakeups += 1
            return super().call_soon_threadsafe(*args, **kwargs)

    class VersionPerCase(SlowStore):
        def append(self, entries, sign) -> dict:
            super().append(entries, sign)
            return {e.case_id: int(e.subject.split("-")[1]) for e in entries}

    store = VersionPerCase()
    log = AccessLog(store, lambda m: (b"", b""))
    log.record(entry(0))  # the writer thread is started and idle: the next reads queue while nothing is written

    async def read_many() -> list:
        return await asyncio.gather(*(log.record_async(entry(n)) for n in range(1, 11)))

    def run(_):
        loop = CountingLoop()
        try:
            return loop.run_until_complete(read_many())
        finally:
            loop.close()

    (versions,) = in_threads(run, 1)
    assert versions == list(range(1, 11))               # each reader its own case's version
    assert CountingLoop.wakeups == len(store.batches) - 1   # one wake-up per batch, not per reader


def slowly(entries: list[AccessEntry]):
    """The entries one by one, a pause before each after the first: time for the writer to take what is queued."""
    for n, e in enumerate(entries):
        if n:
            time.sleep(0.05)
        yield e


def test_reads_logged_together_go_in_one_batch_however_slowly_they_are_given():
    """A case list logs each case it shows: one round trip and one commit for the list, not one per case (queued
    one by one, the writer took the first alone, then the next…)."""
    store = SlowStore()
    log = AccessLog(store, lambda m: (b"", b""))
    log.record(entry(0))  # the writer is started and idle, ready to take whatever is queued
    log.record_all(slowly([entry(n) for n in range(1, 4)]))
    assert [[e.subject for e in b] for b in store.batches[1:]] == [["user-1", "user-2", "user-3"]]
    log.record_all([])    # nothing shown, nothing logged
    assert len(store.batches) == 2


def test_reads_logged_together_on_an_event_loop_go_in_one_batch_and_are_refused_together():
    store = SlowStore()
    log = AccessLog(store, lambda m: (b"", b""))
    log.record(entry(0))

    async def read_all() -> None:
        await log.record_all_async(slowly([entry(n) for n in range(1, 4)]))

    assert on_a_loop_of_its_own(read_all()) is None
    assert [len(b) for b in store.batches] == [1, 3]
    store.fail = True
    assert isinstance(on_a_loop_of_its_own(read_all()), AccessLogUnavailable)
