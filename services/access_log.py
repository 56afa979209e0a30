"""The access log: every read of case content, append-only and hash-chained like the event ledger.

A read is logged *before* its answer leaves the server; if the log cannot be
written the read fails.  Concurrent reads share one transaction (group
commit): a writer writes every entry queued while the previous batch
committed, in one round trip — a server's event loop its own reads, over its
own connection; a thread per process every other read.  The same transaction reads the
latest stored version of each case in the batch, so a reader learns whether
the case it is about to show changed, without a query of its own: what it
then shows is at least as new as the moment its read was logged.

What an entry holds: ``services.access_entry``; the chain over the entries, its
checkpoints and what verification finds: ``services.access_chain``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import AsyncIterator, Callable, Iterable, Protocol
from uuid import UUID

from services.access_chain import AccessCheckpoint, ChainVerdict, ShownVerdict, Signer
from services.access_entry import AccessEntry, AccessQuery, AccessRecord

CHECKPOINT_RETRY = 1.0   # seconds before an owed checkpoint that could not be stored alone is tried again
log = logging.getLogger("sigill.access_log")


Versions = dict[UUID, int | None]   # case -> its latest stored version (None: no such case)


class AccessLogStore(Protocol):
    def append(self, entries: list[AccessEntry], sign: Signer) -> Versions:
        """Append in order, chained to the stored head, in one transaction that also reads the latest stored
        version of each entry's case; the last link is signed, and that checkpoint is owed until stored."""

    @property
    def owes_checkpoint(self) -> bool:
        """A batch's signed checkpoint is not yet stored (it goes with the next batch, or ``store_checkpoint``)."""

    def store_checkpoint(self) -> None:
        """Store the checkpoint owed, on its own."""

    def search(self, query: AccessQuery) -> list[AccessRecord]: ...

    def verify(self, signature_ok: Callable[[bytes, bytes, bytes], bool], trusted: set[bytes],
               exported: Iterable[AccessCheckpoint] = ()) -> ChainVerdict: ...

    def check_shown(self, case_id: UUID | None = None, seqs: list[int] | None = None) -> ShownVerdict: ...


class AsyncAccessLogStore(Protocol):
    """The same appends from one event loop, over its own connection, with its own owed checkpoint."""

    async def append(self, entries: list[AccessEntry], sign: Signer) -> Versions: ...

    @property
    def owes_checkpoint(self) -> bool: ...

    async def store_checkpoint(self) -> None: ...

    async def open(self) -> None: ...

    async def close(self) -> None: ...


@dataclass
class _Batch:
    entries: list[AccessEntry] = field(default_factory=list)
    written: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None
    versions: Versions = field(default_factory=dict)
    awaiting: list[tuple[asyncio.AbstractEventLoop, asyncio.Future, UUID]] = field(default_factory=list)


class AccessLog:
    """Group commit: one writer thread per process writes every entry queued while the previous batch committed.

    A reader waits only for its own batch; under load the batches grow, so one transaction (one fsync) answers
    many reads.  A reader waits by blocking (``record``) or, on an event loop, by awaiting
    (``record_async``): no thread is held while the disk flushes.  The writer is started on the first read.
    While a server's event loop serves (``serving_on_this_loop``), its reads are batched on the loop itself
    and written over the loop's own connection: no thread, no hand-over.
    """

    def __init__(self, store: AccessLogStore, sign: Signer) -> None:
        self.store, self._sign = store, sign
        self._queued = threading.Condition()
        self._current = _Batch()
        self._writer: threading.Thread | None = None
        self.batch_sizes: deque[int] = deque(maxlen=1000)   # the latest batches written, for tests
        self._loop_writer: _LoopWriter | None = None

    def record(self, entry: AccessEntry) -> int | None:
        """Log one read durably; returns once it is committed, with the latest stored version of its case
        as the log's transaction saw it (raises when it could not be written)."""
        batch = self._enqueue([entry])
        batch.written.wait()
        if batch.error is not None:
            raise _refused() from batch.error
        return batch.versions.get(entry.case_id)

    def record_all(self, entries: Iterable[AccessEntry]) -> None:
        """Log several reads durably in one batch — queued together, under one hold of the queue, so that the writer
        never takes some of them without the rest: one round trip, one commit — returning once they are committed
        (raises when they could not be written).  Nothing to log, nothing written."""
        listed = list(entries)
        if not listed:
            return
        batch = self._enqueue(listed)
        batch.written.wait()
        if batch.error is not None:
            raise _refused() from batch.error

    def record_async(self, entry: AccessEntry) -> "asyncio.Future[int | None]":
        """As ``record``, awaited on the running event loop instead of blocking a thread."""
        loop = asyncio.get_running_loop()
        writer = self._loop_writer
        if writer is not None and writer.loop is loop:
            return writer.record([entry])
        waiter = loop.create_future()
        self._enqueue([entry], (loop, waiter, entry.case_id))
        return waiter

    async def record_all_async(self, entries: Iterable[AccessEntry]) -> None:
        """As ``record_all``, awaited on the running event loop: the entries go in one batch, and the one waiter is
        answered when it is written (or refused with them)."""
        listed = list(entries)
        if not listed:
            return
        loop = asyncio.get_running_loop()
        writer = self._loop_writer
        if writer is not None and writer.loop is loop:
            await writer.record(listed)
            return
        waiter = loop.create_future()
        self._enqueue(listed, (loop, waiter, listed[0].case_id))
        await waiter

    def _enqueue(self, entries: list[AccessEntry], awaiting: tuple | None = None) -> _Batch:
        with self._queued:
            batch = self._current
            batch.entries.extend(entries)
            if awaiting is not None:
                batch.awaiting.append(awaiting)
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_forever, name="sigill-access-log", daemon=True)
                self._writer.start()
            self._queued.notify()
        return batch

    def _write_forever(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:  # nothing queued and a checkpoint owed: store it now, on its own
                self._store_checkpoint()
                continue
            try:
                batch.versions = self.store.append(batch.entries, self._sign)
            except BaseException as error:  # every reader in the batch is refused
                batch.error = error
            finally:
                self.batch_sizes.append(len(batch.entries))
                batch.written.set()
                # One wake-up per event loop for the whole batch, not one per reader: each wakes the loop.
                for loop, waiting in _by_loop(batch.awaiting).items():
                    try:
                        loop.call_soon_threadsafe(_settle_all, waiting, batch)
                    except RuntimeError:  # that loop is closed (its server stopped): nobody waits there now
                        pass

    def _next_batch(self) -> _Batch | None:
        with self._queued:
            while not self._current.entries:
                if self.store.owes_checkpoint:
                    return None
                self._queued.wait()
            batch, self._current = self._current, _Batch()
            return batch

    def _store_checkpoint(self) -> None:
        try:
            self.store.store_checkpoint()
        except Exception as error:  # kept owed: the next batch carries it; wait a little before trying alone again
            log.warning("the access log's checkpoint cannot be stored now (%s)", type(error).__qualname__)
            with self._queued:
                self._queued.wait(timeout=1.0)

    @asynccontextmanager
    async def serving_on_this_loop(self, store: AsyncAccessLogStore | None) -> AsyncIterator[None]:
        """While the block runs, reads awaited on this loop are written by it, over ``store`` (None: by the
        writer thread, as ever).  On the way out, what is queued is written and the owed checkpoint stored."""
        if store is None:
            yield
            return
        await store.open()
        writer = self._loop_writer = _LoopWriter(asyncio.get_running_loop(), store, self._sign, self.batch_sizes)
        try:
            yield
        finally:
            if self._loop_writer is writer:
                self._loop_writer = None
            try:
                await writer.finish()
            finally:
                await store.close()

    def search(self, query: AccessQuery) -> list[AccessRecord]:
        return self.store.search(query)

    def extract(self, case_id: UUID) -> list[AccessRecord]:
        """Every read of the case, oldest first: the young person's registerutdrag."""
        records, after = [], 0
        while page := self.store.search(AccessQuery(case_id=case_id, after=after, limit=1000)):
            records.extend(page)
            after = page[-1].seq
        return records

    def verify(self, signature_ok: Callable[[bytes, bytes, bytes], bool], trusted: Iterable[bytes],
               exported: Iterable[AccessCheckpoint] = ()) -> ChainVerdict:
        """The whole chain and its signed checkpoints, and an exported file's (``exported``, their signatures checked
        by the caller: ``services.audit.check_access_log_file``), as `sigill audit verify --checkpoints` holds it."""
        return self.store.verify(signature_ok, set(trusted), exported)

    def check_shown(self, case_id: UUID | None = None, seqs: Iterable[int] = ()) -> ShownVerdict:
        """What an answer showing the case's entries (``case_id``), or those numbered ``seqs``, can say of them
        cheaply (``services.access_chain.ShownVerdict``): the whole chain is ``verify``'s."""
        return self.store.check_shown(case_id, None if case_id is not None else list(seqs))


class AccessLogUnavailable(Exception):
    """A read could not be logged, so it is not answered."""


class _LoopWriter:
    """Group commit on one event loop: the reads queued while a batch commits go together in the next.

    The first read starts a drain task; it writes what is queued, batch after batch, until nothing is, then
    stores its owed checkpoint on its own (a batch that comes meanwhile carries it instead)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, store: AsyncAccessLogStore, sign: Signer,
                 batch_sizes: deque[int]) -> None:
        self.loop, self._store, self._sign, self._batch_sizes = loop, store, sign, batch_sizes
        self._queued: list[tuple[AccessEntry, asyncio.Future]] = []
        self._draining: asyncio.Task | None = None
        self._retry: asyncio.TimerHandle | None = None   # a checkpoint that could not be stored, tried again

    def record(self, entries: list[AccessEntry]) -> "asyncio.Future[int | None]":
        """Queue ``entries`` (in one batch: none is written before the loop turns) with one waiter, answered with the
        first entry's case version."""
        waiter = self.loop.create_future()
        self._queued.extend((entry, waiter) for entry in entries)
        self._start()
        return waiter

    def _start(self) -> None:
        if self._draining is None:
            self._draining = self.loop.create_task(self._drain())

    async def finish(self) -> None:
        if self._retry is not None:
            self._retry.cancel()   # the store's close tries the owed checkpoint once more
        if self._draining is not None:
            await asyncio.shield(self._draining)

    async def _drain(self) -> None:
        try:
            while True:
                if self._queued:
                    batch, self._queued = self._queued, []
                    await self._write(batch)
                elif not (self._store.owes_checkpoint and await self._stored_checkpoint()):
                    return   # nothing owed, or it failed and is tried again later; stored: reads may have come
        finally:
            self._draining = None

    async def _write(self, batch: list[tuple[AccessEntry, asyncio.Future]]) -> None:
        try:
            versions = await self._store.append([entry for entry, _ in batch], self._sign)
        except BaseException as error:  # every reader in the batch is refused (also when the drain is cancelled)
            for entry, waiter in batch:
                _answer(waiter, entry.case_id, {}, error)
            if not isinstance(error, Exception):
                raise
            return
        finally:
            self._batch_sizes.append(len(batch))
        for entry, waiter in batch:
            _answer(waiter, entry.case_id, versions, None)

    async def _stored_checkpoint(self) -> bool:
        try:
            await self._store.store_checkpoint()
            return True
        except Exception as error:  # kept owed: the next batch carries it, or it is tried again in a second
            log.warning("the access log's checkpoint cannot be stored now (%s)", type(error).__qualname__)
            if self._retry is None:
                self._retry = self.loop.call_later(CHECKPOINT_RETRY, self._try_again)
            return False

    def _try_again(self) -> None:
        self._retry = None
        self._start()


def _by_loop(awaiting: list[tuple[asyncio.AbstractEventLoop, asyncio.Future, UUID]]
             ) -> dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future, UUID]]]:
    loops: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future, UUID]]] = {}
    for loop, waiter, case_id in awaiting:
        loops.setdefault(loop, []).append((waiter, case_id))
    return loops


def _settle_all(waiting: list[tuple[asyncio.Future, UUID]], batch: _Batch) -> None:
    """On the readers' loop: their batch is written (or refused)."""
    for waiter, case_id in waiting:
        _answer(waiter, case_id, batch.versions, batch.error)


def _answer(waiter: asyncio.Future, case_id: UUID, versions: Versions, error: BaseException | None) -> None:
    """A waiting reader's answer: its case's version as the batch saw it, or refused when the batch failed."""
    if waiter.done():  # the reader went away (a cancelled request)
        return
    if error is not None:
        refused = _refused()
        refused.__cause__ = error
        waiter.set_exception(refused)
    else:
        waiter.set_result(versions.get(case_id))


def _refused() -> AccessLogUnavailable:
    return AccessLogUnavailable("the access log cannot be written; the read was refused")
