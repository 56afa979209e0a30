"""The access log written from a server's event loop: reads queued while a batch commits go together in the next,
each read returns only once written (with its case's version), a batch that cannot be written refuses its readers
alone, the owed checkpoint is stored when no read waits, and leaving the loop writes what is queued."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timezone
from uuid import uuid4

from services.access_entry import AccessEntry
from services.access_log import AccessLog, AccessLogUnavailable
from tests.concurrency import in_threads


def entry(n: int) -> AccessEntry:
    return AccessEntry(datetime(2026, 2, 3, tzinfo=timezone.utc), uuid4(), f"user-{n}", "skola", "member", "timeline")


class NoThreadStore:
    """The thread's store: any use of it means a read left the loop."""

    owes_checkpoint = False

    def append(self, entries, sign) -> dict:
        raise AssertionError("written by the writer thread, not on the loop")

    def store_checkpoint(self) -> None:
        raise AssertionError("stored by the writer thread, not on the loop")


class LoopStore:
    """Takes a while per commit, as a disk does; remembers what it committed, batch by batch, and on which thread."""

    def __init__(self) -> None:
        self.batches: list[list[AccessEntry]] = []
        self.failing = 0               # how many of the next appends fail
        self.checkpoint_fails = False
        self.owes_checkpoint = False
        self.checkpoints_stored_alone = 0
        self.threads: set[int] = set()
        self.opened = self.closed = False

    async def open(self) -> None:
        self.opened = True

    async def close(self) -> None:
        self.closed = True

    async def append(self, entries, sign) -> dict:
        self.threads.add(threading.get_ident())
        await asyncio.sleep(0.02)
        if self.failing:
            self.failing -= 1
            raise OSError("disk full")
        self.batches.append(list(entries))
        self.owes_checkpoint = True
        return {e.case_id: int(e.subject.split("-")[1]) for e in entries}   # each case its own version

    async def store_checkpoint(self) -> None:
        await asyncio.sleep(0.005)
        if self.checkpoint_fails:
            raise OSError("disk full")
        self.owes_checkpoint = False
        self.checkpoints_stored_alone += 1


def on_a_loop_of_its_own(coroutine) -> object:
    """Run on a new event loop in a thread of its own (a test before may have left this thread's loop running)."""
    return in_threads(lambda _: asyncio.run(coroutine), 1)[0]


def serving(store: LoopStore, work) -> object:
    log = AccessLog(NoThreadStore(), lambda m: (b"", b""))

    async def run() -> object:
        async with log.serving_on_this_loop(store):
            return await work(log)

    return on_a_loop_of_its_own(run())


def test_reads_queued_while_a_batch_commits_go_together_in_the_next_each_with_its_own_version():
    store = LoopStore()

    async def work(log: AccessLog) -> list:
        first = log.record_async(entry(0))
        await asyncio.sleep(0)                  # the first batch is on its way: the next reads queue behind it
        rest = [log.record_async(entry(n)) for n in range(1, 11)]
        return [threading.get_ident(), await first, *await asyncio.gather(*rest)]

    loop_thread, *versions = serving(store, work)
    assert versions == list(range(11))
    assert [len(b) for b in store.batches] == [1, 10]
    assert store.threads == {loop_thread}       # written from the loop itself, no thread in between


def test_a_batch_that_cannot_be_written_refuses_its_readers_and_the_next_batch_is_written():
    store = LoopStore()
    store.failing = 1

    async def work(log: AccessLog) -> list:
        refused = await asyncio.gather(*(log.record_async(entry(n)) for n in range(3)), return_exceptions=True)
        return [refused, await log.record_async(entry(7))]

    refused, later = serving(store, work)
    assert all(isinstance(r, AccessLogUnavailable) and isinstance(r.__cause__, OSError) for r in refused)
    assert later == 7 and [[e.subject for e in b] for b in store.batches] == [["user-7"]]


def test_the_owed_checkpoint_is_stored_on_its_own_once_no_read_waits_and_kept_owed_when_it_cannot_be():
    store = LoopStore()

    async def work(log: AccessLog) -> list:
        await log.record_async(entry(1))
        await asyncio.sleep(0.05)
        stored = (store.checkpoints_stored_alone, store.owes_checkpoint)
        store.checkpoint_fails = True
        await log.record_async(entry(2))
        await asyncio.sleep(0.05)
        return [stored, (store.checkpoints_stored_alone, store.owes_checkpoint)]

    assert serving(store, work) == [(1, False), (1, True)]   # the failed one stays owed, for the next batch


def test_leaving_the_loop_writes_what_is_queued_then_closes_the_store():
    store = LoopStore()
    waiters: list = []

    async def work(log: AccessLog) -> None:
        waiters.extend(log.record_async(entry(n)) for n in range(5))   # nobody awaits them before the loop stops

    serving(store, work)
    assert sorted(e.subject for b in store.batches for e in b) == [f"user-{n}" for n in range(5)]
    assert [w.result() for w in waiters] == list(range(5)) and store.opened and store.closed


def test_a_read_on_another_loop_goes_to_the_writer_thread():
    class ThreadStore(NoThreadStore):
        def __init__(self) -> None:
            self.written: list[str] = []

        def append(self, entries, sign) -> dict:
            self.written.extend(e.subject for e in entries)
            return {e.case_id: 5 for e in entries}

        def store_checkpoint(self) -> None:
            pass

    thread_store, store = ThreadStore(), LoopStore()
    log = AccessLog(thread_store, lambda m: (b"", b""))
    serving_loop = asyncio.new_event_loop()
    started, stop = threading.Event(), threading.Event()

    async def serve() -> None:
        async with log.serving_on_this_loop(store):
            started.set()
            while not stop.is_set():
                await asyncio.sleep(0.01)

    async def read() -> int | None:
        return await log.record_async(entry(4))

    server = threading.Thread(target=serving_loop.run_until_complete, args=(serve(),))
    server.start()
    try:
        assert started.wait(3)
        assert on_a_loop_of_its_own(read()) == 5   # another loop: the thread writes it
        assert thread_store.written == ["user-4"] and store.batches == []
    finally:
        stop.set()
        server.join(3)
        serving_loop.close()


def test_a_checkpoint_that_could_not_be_stored_is_tried_again_with_no_read_to_carry_it(monkeypatch):
    monkeypatch.setattr("services.access_log.CHECKPOINT_RETRY", 0.05)
    store = LoopStore()
    store.checkpoint_fails = True

    async def work(log: AccessLog) -> list:
        await log.record_async(entry(1))
        await asyncio.sleep(0.03)
        owed_after_failure = store.owes_checkpoint
        store.checkpoint_fails = False                # the database is back; no read comes
        await asyncio.sleep(0.15)
        return [owed_after_failure, store.owes_checkpoint, store.checkpoints_stored_alone]

    assert serving(store, work) == [True, False, 1]


def test_readers_of_a_batch_whose_writing_is_cancelled_are_refused_not_left_waiting():
    store = LoopStore()

    async def work(log: AccessLog) -> list:
        reads = [log.record_async(entry(n)) for n in range(3)]
        await asyncio.sleep(0.005)                    # the batch is being written
        log._loop_writer._draining.cancel()           # as a loop torn down mid-batch would
        return await asyncio.wait_for(asyncio.gather(*reads, return_exceptions=True), 1)

    outcomes = serving(store, work)
    assert all(isinstance(o, AccessLogUnavailable) for o in outcomes), outcomes


def test_reads_logged_together_on_the_loop_go_in_one_batch_and_are_refused_together():
    store = LoopStore()

    async def work(log: AccessLog) -> list:
        await log.record_all_async([entry(n) for n in range(1, 4)])
        await log.record_all_async([])            # nothing shown, nothing logged
        store.failing = 1
        try:
            await log.record_all_async([entry(n) for n in range(4, 7)])
        except AccessLogUnavailable:
            return [len(b) for b in store.batches]
        raise AssertionError("a batch that was not written answered")

    assert serving(store, work) == [3]
