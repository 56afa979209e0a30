"""The access log's stores: each batch of reads appended (from the writer thread, or from a worker's event loop),
its checkpoint signed and stored, and the searches and checks asked of the log.

The tables are ``access_log_schema``'s, the reader's name and purpose are sealed by ``access_log_sealing``, and
the checks are ``access_log_checks``'s.  Rows and checkpoints are append-only (triggers), and a writer locks the
table so the chain has one order across processes.

A batch is one round trip: the latest version of each case read, the lock,
the rows — their numbers and links computed by the database from the stored
head, as ``entry_link`` does, so that no other process's rows can come
between reading the head and writing — and COMMIT.  The lock is held for the
chain's part and the flush, never while this process waits for its GIL.  The
batch's last link is signed once its answer is back; that checkpoint goes
with the next batch, or on its own when none follows.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import Any, Callable, Iterable

from psycopg import sql
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from gateways.access_log_checks import check_shown, verify_chain
from gateways.access_log_schema import APPEND, CHECKPOINT, COLUMNS, CREATOR, SCHEMA
from gateways.access_log_sealing import EntrySealing, unsealed_details
from gateways.pg_errors import POOL_WAIT, ready, translated
from gateways.schema_lock import create_schema
from services.access_chain import (GENESIS, AccessCheckpoint, ChainVerdict, ShownVerdict, Signer,
                                   checkpoint_message)
from services.access_entry import AccessEntry, AccessQuery, AccessRecord
from services.access_log import Versions
from services.ports import KeyStore


class PostgresAccessLogStore:
    def __init__(self, conninfo: str, keystore: KeyStore, *, schema: str = "public",
                 events_table: str = "sigill_events") -> None:
        self.keystore, self._conninfo = keystore, conninfo
        self._log = sql.Identifier(schema, "sigill_access_log")
        # In Sigill's schema, as everything of it: not the first on the creator's search path (public, say).
        self._refuse = sql.Identifier(schema, "sigill_access_log_is_append_only")
        self._checkpoints = sql.Identifier(schema, "sigill_access_log_checkpoints")
        self._part = sql.Identifier(schema, "sigill_access_part")
        self._append = sql.Identifier(schema, "sigill_access_append")
        self._events = sql.Identifier(schema, events_table)
        self._owed: tuple[int, bytes, bytes, bytes] | None = None   # a signed checkpoint not yet stored
        self._sealing = EntrySealing(keystore)
        # Composed once: composing and converting them again for every batch cost about as much as its sealing.
        self._append_statement, self._checkpoint_statement = self._sql(APPEND), self._sql(CHECKPOINT)
        # Searches and verification: each connection is checked as it is taken (a round trip, which these can
        # afford), so one cut by a database restart is replaced, not failed on.
        self._pool = ConnectionPool(conninfo, min_size=1, max_size=4, name="sigill-access-log", open=True,
                                    check=ConnectionPool.check_connection, timeout=POOL_WAIT)
        self._writer = ConnectionPool(conninfo, min_size=1, max_size=1, kwargs={"autocommit": True},
                                      name="sigill-access-log-writer", open=True, timeout=POOL_WAIT)  # one writer: the table lock
        create_schema(conninfo, [self._sql(SCHEMA)], schema, creator=CREATOR)
        for pool in (self._pool, self._writer):   # made meanwhile, as a rule; never grown by a first read (pg_errors)
            ready(pool)

    def close(self) -> None:
        if self._owed is not None:
            with suppress(Exception):  # best effort: the chain itself is stored
                self.store_checkpoint()
        self._pool.close()
        self._writer.close()

    def append(self, entries: list[AccessEntry], sign: Signer) -> Versions:
        batch = self._sealing.batch_text(entries, self._sealing.fetched_keys(entries))
        with self._writer.connection() as conn:
            seq, link, version_of, versions = conn.execute(
                self._append_statement, [*(self._owed or (None,) * 4), batch, GENESIS], prepare=True).fetchone()
        self._owed = _signed(seq, link, sign)
        return _versions(entries, version_of, versions)

    def for_this_loop(self) -> AsyncAccessLogStore:
        """A writer of the same log for the running event loop: its own connection, its own owed checkpoint."""
        return AsyncAccessLogStore(self._conninfo, self.keystore, self._append_statement, self._checkpoint_statement)

    @property
    def owes_checkpoint(self) -> bool:
        return self._owed is not None

    def store_checkpoint(self) -> None:
        owed = self._owed
        if owed is not None:
            with self._writer.connection() as conn:
                conn.execute(self._checkpoint_statement, owed)
            self._owed = None if self._owed is owed else self._owed

    def search(self, query: AccessQuery) -> list[AccessRecord]:
        conditions, params = [sql.SQL("seq > %s")], [query.after]
        for column, operator, value in (("case_id", "=", query.case_id), ("subject", "=", query.subject),
                                        ("agency", "=", query.agency), ("at", ">=", query.since),
                                        ("at", "<", query.until)):
            if value is not None:
                conditions.append(sql.SQL(f"{column} {operator} %s"))
                params.append(value)
        statement = self._sql(f"SELECT {COLUMNS} FROM {{log}} WHERE ") + sql.SQL(" AND ").join(conditions) \
            + sql.SQL(" ORDER BY seq LIMIT %s")
        with translated(), self._pool.connection() as conn:
            rows = conn.execute(statement, [*params, query.limit]).fetchall()
        return [AccessRecord(r[0], self._entry(r)) for r in rows]

    def verify(self, signature_ok: Callable[[bytes, bytes, bytes], bool], trusted: set[bytes],
               exported: Iterable[AccessCheckpoint] = ()) -> ChainVerdict:
        with translated(), self._pool.connection() as conn:
            return verify_chain(conn, self._sql, signature_ok, trusted, exported)

    def check_shown(self, case_id: Any = None, seqs: list[int] | None = None) -> ShownVerdict:
        """The cheap check of what an answer shows (``ShownVerdict``): the case's entries (``case_id``), or those
        numbered ``seqs``.  A count and a few probes of the primary key, and one read of the entries shown with the
        link before each: no walk of the chain."""
        with translated(), self._pool.connection() as conn:
            return check_shown(conn, self._sql, case_id, seqs)

    # -- internals -------------------------------------------------------------

    def _entry(self, row: Any, unsealed: bool = True) -> AccessEntry:
        details = unsealed_details(self.keystore, row[0], row[2], row[3], bytes(row[7])) if unsealed else {}
        return AccessEntry(row[1], row[2], row[3], row[4], row[5], row[6], details.get("reader_name", ""),
                           details.get("purpose", ""))

    def _sql(self, text: str) -> sql.Composed:
        return sql.SQL(text).format(log=self._log, checkpoints=self._checkpoints, part=self._part,
                                    append=self._append, events=self._events,
                                    refuse=self._refuse)


class AsyncAccessLogStore:
    """The access log's batches from one event loop: the same statement over an asynchronous connection.

    A read on the loop used to hand its entry to the writer thread and be woken from it: a thread's round trip
    and two hand-overs of the GIL per batch, which on two cores cost a read more than its own work.  Here the
    loop's batches go over its own connection, with their own owed checkpoint (the thread's stays its own); the
    chain is the database's either way, so both writers append to one chain."""

    def __init__(self, conninfo: str, keystore: KeyStore, append: sql.Composed, checkpoint: sql.Composed) -> None:
        self._append, self._checkpoint = append, checkpoint
        self._sealing = EntrySealing(keystore)
        self._owed: tuple[int, bytes, bytes, bytes] | None = None
        self._pool = AsyncConnectionPool(conninfo, min_size=1, max_size=1, kwargs={"autocommit": True},
                                         name="sigill-access-log-loop", open=False,
                                         timeout=POOL_WAIT)

    async def open(self) -> None:
        await self._pool.open(wait=True)

    async def close(self) -> None:
        if self._owed is not None:
            with suppress(Exception):  # best effort: the chain itself is stored
                await self.store_checkpoint()
        await self._pool.close()

    async def append(self, entries: list[AccessEntry], sign: Signer) -> Versions:
        """As ``PostgresAccessLogStore.append``; one batch at a time (the loop's writer awaits each)."""
        keys = self._sealing.cached_keys(entries)
        if keys is None:  # a case's key is not in memory: fetching it is a query, which must not block the loop
            keys = await asyncio.to_thread(self._sealing.fetched_keys, entries)
        batch = self._sealing.batch_text(entries, keys)
        async with self._pool.connection() as conn:
            cursor = await conn.execute(self._append, [*(self._owed or (None,) * 4), batch, GENESIS], prepare=True)
            seq, link, version_of, versions = await cursor.fetchone()
        self._owed = _signed(seq, link, sign)
        return _versions(entries, version_of, versions)

    @property
    def owes_checkpoint(self) -> bool:
        return self._owed is not None

    async def store_checkpoint(self) -> None:
        owed = self._owed
        if owed is not None:
            async with self._pool.connection() as conn:
                await conn.execute(self._checkpoint, owed)
            self._owed = None if self._owed is owed else self._owed


def _signed(seq: int, link: Any, sign: Signer) -> tuple[int, bytes, bytes, bytes]:
    """The checkpoint a batch owes: its last number and link, signed."""
    link = bytes(link)
    return (seq, link, *sign(checkpoint_message(seq, link)))


def _versions(entries: list[AccessEntry], version_of: Any, versions: Any) -> Versions:
    return {**dict.fromkeys(e.case_id for e in entries), **dict(zip(version_of or (), versions or ()))}
