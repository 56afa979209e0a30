"""Per-aggregate data keys, stored only wrapped (RFC 3394) by the installation's master key.

Destroying a key (culling, gallring) makes exactly that aggregate's events
unreadable while leaving their ciphertext, and so the audit chain, intact.
A destroyed key is never recreated: ``data_key(..., create=True)`` returns
None for it, as does ``create=False``.  Destroying a key that was never made
records it as destroyed, so none can be made later.

Unwrapped keys are cached in memory: every save and load needs one.  In this
process ``destroy`` takes effect at once.  Every other process is told at
once too: the PostgreSQL store sends a NOTIFY with the destroying transaction,
and each process listens (``gateways.key_listeners``: one connection per
database and process, shared by its key stores) and marks the key destroyed in
every cache — for good, so that a read that fetched the key just before cannot
cache it again.  While a process is not listening (its connection lost), no
key is served from its cache, nor cached: each is read from the table (only
destroyed markers are kept); listening again, it forgets every cached key, since
a notification may have been missed meanwhile.  A connection cut without a word
(a firewall, a host gone) is found by its keepalives, in about 25 s.

What a process holds decrypted of an aggregate (a worker's folded cases, its
shaped answers) is forgotten when its key is destroyed, told as the cache is
(``when_destroyed``): erasure leaves no plaintext in a running process either.
"""

from __future__ import annotations

import logging
import os
import threading
from hashlib import sha256
from typing import Callable, Iterable
from uuid import UUID

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from services.errors import DamagedDataKey, MasterKeyReplaced
from services.settings import ConfigurationError

from gateways.key_cache import DESTROYED as _DESTROYED, KeyCache as _KeyCache
from gateways.follower_lock import probe_connection
from gateways.key_listeners import listeners
from gateways.pg_errors import POOL_WAIT, ready, translated
from gateways.schema_lock import create_schema

KEYS_TABLE = "sigill_data_keys"
DESTROYED_INDEX = "sigill_data_keys_destroyed"

log = logging.getLogger("sigill.keys")

CACHE_SIZE = 10_000
CACHE_SECONDS = 60.0


class WrongMasterKey(ConfigurationError):
    """The master key cannot unwrap the stored data keys: it is not the key they were made with.  A setting to
    mend, so every command says it in one line (as any ConfigurationError), not with a traceback."""


# The master key's check value: the key table's row of this reserved id (never an aggregate's: theirs are random or
# name-based UUIDs) holds this value wrapped by the master key.
CHECK_ID = UUID(int=0)
CHECK_VALUE = sha256(b"sigill: the master key's check value").digest()
SAMPLE = 8   # the keys, first by id, that the check tries when the check value does not settle it
# By the primary key's order: an index scan, however many keys there are.
FIRST_WRAPPED = ("SELECT aggregate_id, wrapped_key FROM {t} WHERE wrapped_key IS NOT NULL"
                 " ORDER BY aggregate_id LIMIT %s")


class _WrappingKeyStore:
    """What both stores share: wrapping, unwrapping and the cache.  Subclasses only store rows."""

    def __init__(self, master_key: bytes, *, cache_size: int = CACHE_SIZE, cache_seconds: float = CACHE_SECONDS) -> None:
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes")
        self._master, self._cache = master_key, _KeyCache(cache_size, cache_seconds)
        self._checked = False   # set once the master key has unwrapped something stored
        # The check value as this master key wraps it (RFC 3394 is deterministic), once found or written so: a key is
        # made only while the stored check value is still this (``_insert_many``), so a process left running with
        # the old key after a rotation makes none under it.  None while the stored one is missing or damaged.
        self._guard: bytes | None = None

    def data_key(self, aggregate_id: UUID, *, create: bool) -> bytes | None:
        key = self._cache.get(aggregate_id)
        if key is None:
            generation = self._cache.generation
            found, wrapped = self._select(aggregate_id)
            if not found and not create:
                return None  # not cached: a key made later must be seen
            if not found:
                self.create_keys([aggregate_id])
                return self.data_key(aggregate_id, create=False)
            key = _DESTROYED if wrapped is None else self._unwrap(aggregate_id, wrapped)
            self._cache.put(aggregate_id, key, generation)
        return key or None

    def create_keys(self, aggregate_ids: list[UUID]) -> None:
        """Make keys for many new aggregates in one round trip (the batch import path)."""
        wanted = [a for a in dict.fromkeys(aggregate_ids) if self._cache.get(a) is None]
        rows = [(a, aes_key_wrap(self._master, os.urandom(32))) for a in wanted]
        generation = self._cache.generation
        # Race-safe: whatever is stored after the insert wins, ours or a concurrent writer's.
        stored = self._insert_many(rows, self._guard)
        if len(stored) < len(wanted):   # the guard refused: the check value is another key's now, or gone
            raise MasterKeyReplaced() if self._rotated_away() else DamagedDataKey(CHECK_ID)
        for aggregate_id, wrapped in stored:
            self._cache.put(aggregate_id, _DESTROYED if wrapped is None else self._unwrap(aggregate_id, wrapped),
                            generation)

    def cached(self, aggregate_id: UUID) -> tuple[bool, bytes | None]:
        """``data_key``'s answer if it is in memory, without a query: (True, key or None once destroyed);
        (False, None) when only a query could tell."""
        key = self._cache.get(aggregate_id)
        return (False, None) if key is None else (True, key or None)

    def warm(self, aggregate_ids: Iterable[UUID]) -> dict[UUID, bytes | None]:
        """Fetch the keys of many aggregates about to be read in one round trip, not one each.  A key that does not
        unwrap is left uncached: reading that aggregate says what is wrong with it, and the others are warmed.
        Returns the keys known now (None: destroyed), so that a caller needing them all at once (an access-log
        batch of a list longer than the cache holds) need not read them back from a cache that has dropped some."""
        known: dict[UUID, bytes | None] = {}
        wanted = []
        for a in dict.fromkeys(aggregate_ids):
            key = self._cache.get(a)
            if key is None:
                wanted.append(a)
            else:
                known[a] = key or None
        generation = self._cache.generation
        for aggregate_id, wrapped in self._select_many(wanted) if wanted else ():
            key = _DESTROYED if wrapped is None else self._opened(wrapped)
            if key is not None:
                self._cache.put(aggregate_id, key, generation)
                known[aggregate_id] = key or None
        return known

    def destroy(self, aggregate_id: UUID) -> None:
        self._destroy(aggregate_id)
        self._cache.put(aggregate_id, _DESTROYED)
        self._cache.tell_forgetters(aggregate_id)

    def when_destroyed(self, forget: Callable[[UUID], None]) -> None:
        """Call the bound method ``forget`` with each aggregate whose key is destroyed, here or — once told — in
        another process, so that what its object holds decrypted goes with the key.  Held weakly: it does not keep
        its object alive."""
        self._cache.add_forgetter(forget)

    def is_destroyed(self, aggregate_id: UUID) -> bool:
        found, wrapped = self._select(aggregate_id)
        return found and wrapped is None

    def close(self) -> None:
        """Nothing to release here; the Postgres store closes its pool."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _check_master_key(self) -> None:
        """Fail at start-up, not at the first read, and never wrap new keys under a wrong master key.

        The master key is right if it unwraps the check value, or else one of the first ``SAMPLE`` keys by id (a
        fixed order: every process and every start decides alike).  One damaged row — the check value's or a
        key's — is not taken for a wrong master key; only none unwrapping is."""
        first = self._first_wrapped(SAMPLE + 1)   # by id: the check value first, when stored
        check = next((w for a, w in first if a == CHECK_ID), None)
        keys = [w for a, w in first if a != CHECK_ID][:SAMPLE]
        if check is not None and self._opened(check) == CHECK_VALUE:
            self._guard = check
            return
        if any(self._opened(w) is not None for w in keys):
            if check is None:   # a table from before the check value (or none yet): it is written now
                self._guard = self._written_check()
            else:
                log.warning("the master key's check value in the key table does not unwrap, though the master key"
                            " unwraps the data keys: that row (aggregate_id %s) was altered", CHECK_ID)
            return
        if check is None and not keys:   # nothing to check against: the first store to open the table writes it
            self._guard = self._written_check()   # ours, or one another process wrote first
        if not self._checked:   # nothing stored unwraps under this master key
            raise _wrong_master_key() from None

    def _written_check(self) -> bytes | None:
        """Write the check value unless one is stored; the stored one if this master key unwraps it."""
        ours = aes_key_wrap(self._master, CHECK_VALUE)
        stored = dict(self._insert_many([(CHECK_ID, ours)])).get(CHECK_ID) or b""
        return stored if self._opened(stored) == CHECK_VALUE else None

    def _rotated_away(self) -> bool:
        """Whether the stored check value, which this master key unwrapped as the store opened, no longer unwraps
        under it: a rotation has wrapped every key by another master key since."""
        if self._guard is None:
            return False
        found, wrapped = self._select(CHECK_ID)
        return found and wrapped is not None and wrapped != self._guard and self._opened(wrapped) is None

    def _unwrap(self, aggregate_id: UUID, wrapped: bytes) -> bytes:
        """The aggregate's key; DamagedDataKey if its row does not unwrap under this master key, which was found to
        unwrap the check value or other keys as the store opened (or does now)."""
        key = self._opened(wrapped)
        if key is not None:
            return key
        if self._rotated_away():
            raise MasterKeyReplaced()
        if self._checked or any(self._opened(w) is not None for a, w in self._first_wrapped(SAMPLE + 2)
                                if a != aggregate_id):
            raise DamagedDataKey(aggregate_id)
        raise _wrong_master_key() from None

    def _opened(self, wrapped: bytes) -> bytes | None:
        """The unwrapped value, or None if it does not unwrap under this master key."""
        key = _unwrapped(self._master, wrapped)
        if key is not None:
            self._checked = True   # this master key unwraps what is stored: a later failure is a damaged row
        return key

    # Storage, per subclass.  A row is (found, wrapped key or None once destroyed).
    def _select(self, aggregate_id: UUID) -> tuple[bool, bytes | None]:
        raise NotImplementedError

    def _select_many(self, aggregate_ids: list[UUID]) -> list[tuple[UUID, bytes | None]]:
        """The stored rows of those ids (an id never stored is left out)."""
        raise NotImplementedError

    def _first_wrapped(self, limit: int) -> list[tuple[UUID, bytes]]:
        """Up to ``limit`` stored wrapped keys (destroyed ones left out), in the order of their ids."""
        raise NotImplementedError

    def _insert_many(self, rows: list[tuple[UUID, bytes]], guard: bytes | None = None
                     ) -> list[tuple[UUID, bytes | None]]:
        """Insert rows whose id is not stored yet — given a ``guard``, only while the stored check value is it —
        and return the stored rows of all those ids."""
        raise NotImplementedError

    def _destroy(self, aggregate_id: UUID) -> None:
        raise NotImplementedError


class InMemoryKeyStore(_WrappingKeyStore):
    """The key store for unit tests: the same behaviour, kept in a dict.

    Pass another store's ``table`` to see the same keys, as a second process would.
    """

    def __init__(self, master_key: bytes, *, table: dict[UUID, bytes | None] | None = None, **cache: float) -> None:
        super().__init__(master_key, **cache)
        self.table: dict[UUID, bytes | None] = {} if table is None else table
        self._check_master_key()

    def _select(self, aggregate_id: UUID) -> tuple[bool, bytes | None]:
        return aggregate_id in self.table, self.table.get(aggregate_id)

    def _select_many(self, aggregate_ids: list[UUID]) -> list[tuple[UUID, bytes | None]]:
        return [(a, self.table[a]) for a in aggregate_ids if a in self.table]

    def _first_wrapped(self, limit: int) -> list[tuple[UUID, bytes]]:
        return sorted((a, w) for a, w in self.table.items() if w is not None)[:limit]

    def _insert_many(self, rows: list[tuple[UUID, bytes]], guard: bytes | None = None
                     ) -> list[tuple[UUID, bytes | None]]:
        for aggregate_id, wrapped in rows if guard is None or self.table.get(CHECK_ID) == guard else ():
            self.table.setdefault(aggregate_id, wrapped)
        return [(a, self.table[a]) for a, _ in rows if a in self.table]

    def _destroy(self, aggregate_id: UUID) -> None:
        self.table[aggregate_id] = None


# Keys read at once by one process (they are cached, so rarely); a process that reads in one thread needs one.
CONNECTIONS = 4


class PostgresKeyStore(_WrappingKeyStore):
    """Keys in the table sigill_data_keys, beside the events (in ``schema``, else the search path's first)."""

    def __init__(self, conninfo: str, master_key: bytes, *, schema: str | None = None, connections: int | None = None,
                 **cache: float) -> None:
        super().__init__(master_key, **cache)
        name = (KEYS_TABLE,) if schema is None else (schema, KEYS_TABLE)
        self._table = sql.Identifier(*name)
        self._conninfo, self._schema = conninfo, schema
        # Each connection is checked as it is taken (keys are asked for rarely: they are cached), so one cut by a
        # database restart is replaced rather than failing the read or command that needed a key.
        self._pool = ConnectionPool(conninfo, min_size=1, max_size=connections or CONNECTIONS,
                                    kwargs={"autocommit": True}, name="sigill-keystore", open=True,
                                    check=ConnectionPool.check_connection, timeout=POOL_WAIT)
        try:
            self.ensure_schema()
            ready(self._pool)
            self._check_master_key()
        except BaseException:
            self._pool.close()
            raise
        # After the schema: its check has made sure the database is reachable and the table there.
        # A channel name is at most 63 bytes (pg_notify refuses a longer one, which would roll the destruction
        # back): a schema's is named by a digest of it.
        self._channel = "sigill_keys_destroyed" if schema is None else (
            "sigill_keys_destroyed_" + sha256(schema.encode()).hexdigest()[:32])
        listeners.join(conninfo, self._channel, self._cache)
        # Keys are cached only while this process hears of destructions: until its listener is in place, and while
        # it is lost, each key is read from the table (a destruction meanwhile could not be told).
        self._cache.keys_trusted = listeners.listening(conninfo, self._channel).is_set

    def ensure_schema(self) -> None:
        create_schema(self._conninfo, schema=self._schema, statements=[sql.SQL(
            "CREATE TABLE IF NOT EXISTS {t} (aggregate_id uuid PRIMARY KEY, wrapped_key bytea NULL,"
            " created_at timestamptz NOT NULL DEFAULT now(), destroyed_at timestamptz NULL)").format(t=self._table),
            # The erased cases' keys alone: the follower's erasure round looks for them every minute (and the
            # auditors' erased cases, `sigill erase`'s checks), and the table holds a key for every case ever.
            sql.SQL("CREATE INDEX IF NOT EXISTS {i} ON {t} (aggregate_id) INCLUDE (destroyed_at)"
                    " WHERE wrapped_key IS NULL").format(i=sql.Identifier(DESTROYED_INDEX), t=self._table)],
                      creator=KEYS_TABLE)

    def close(self) -> None:
        listeners.leave(self._conninfo, self._channel, self._cache)
        self._pool.close()

    def _run(self, statement: str, params: tuple = ()) -> list[tuple]:
        with translated(), self._pool.connection() as conn:
            cursor = conn.execute(sql.SQL(statement).format(t=self._table), params)
            return cursor.fetchall() if cursor.description else []

    def _select(self, aggregate_id: UUID) -> tuple[bool, bytes | None]:
        rows = self._run("SELECT wrapped_key FROM {t} WHERE aggregate_id = %s", (aggregate_id,))
        return (bool(rows), None if not rows or rows[0][0] is None else bytes(rows[0][0]))

    def _select_many(self, aggregate_ids: list[UUID]) -> list[tuple[UUID, bytes | None]]:
        rows = self._run("SELECT aggregate_id, wrapped_key FROM {t} WHERE aggregate_id = ANY(%s)", (aggregate_ids,))
        return [(a, None if w is None else bytes(w)) for a, w in rows]

    def _first_wrapped(self, limit: int) -> list[tuple[UUID, bytes]]:
        rows = self._run(FIRST_WRAPPED, (limit,))
        return [(a, bytes(w)) for a, w in rows]

    def _insert_many(self, rows: list[tuple[UUID, bytes]], guard: bytes | None = None
                     ) -> list[tuple[UUID, bytes | None]]:
        if not rows:
            return []
        ids = [a for a, _ in rows]
        # Two statements, not one with a CTE: a statement's SELECT would not see a row that a concurrent
        # writer committed while our INSERT waited on it, and we would wrongly take our own key as stored.
        # The guard's condition waits, as the insert does, for a rotation holding the table, then sees its commit.
        self._run("INSERT INTO {t} (aggregate_id, wrapped_key) SELECT * FROM unnest(%s::uuid[], %s::bytea[])"
                  + ("" if guard is None else " WHERE EXISTS (SELECT 1 FROM {t} WHERE aggregate_id = %s"
                                                " AND wrapped_key = %s)")
                  + " ON CONFLICT DO NOTHING", (ids, [w for _, w in rows], *(() if guard is None else (CHECK_ID,
                                                                                                     guard))))
        stored = self._run("SELECT aggregate_id, wrapped_key FROM {t} WHERE aggregate_id = ANY(%s)", (ids,))
        return [(a, None if w is None else bytes(w)) for a, w in stored]

    def _destroy(self, aggregate_id: UUID) -> None:
        # The NOTIFY goes with the destroying transaction: every listening process hears of it as it commits.
        self._run("WITH d AS (INSERT INTO {t} AS k (aggregate_id, wrapped_key, destroyed_at) VALUES (%s, NULL, now())"
                  " ON CONFLICT (aggregate_id) DO UPDATE SET wrapped_key = NULL,"
                  " destroyed_at = coalesce(k.destroyed_at, now())"   # destroyed again: its moment kept
                  " RETURNING aggregate_id) SELECT pg_notify(%s, aggregate_id::text) FROM d",
                  (aggregate_id, self._channel))

    @property
    def listening(self) -> threading.Event:
        """Set while this process hears of keys destroyed elsewhere (for tests and readiness)."""
        return listeners.listening(self._conninfo, self._channel)


def _wrong_master_key() -> WrongMasterKey:
    return WrongMasterKey("the configured master key cannot unwrap the stored data keys; check SIGILL_MASTER_KEY"
                          " (a new one is taken into use by `sigill database rotate-master-key`, with the old one"
                          " as SIGILL_PREVIOUS_MASTER_KEY)")


def _unwrapped(master_key: bytes, wrapped: bytes) -> bytes | None:
    try:
        return aes_key_unwrap(master_key, bytes(wrapped))
    except (InvalidUnwrap, ValueError):   # altered, or not even a whole number of blocks
        return None


def first_wrapped_keys(conninfo: str, schema: str, timeout: int) -> list[tuple[UUID, bytes]] | None:
    """The first ``SAMPLE + 1`` stored wrapped keys by id (the check value's row first, when stored): what a key
    store decides its master key by as it opens.  One query on a probe's connection, nothing created or written (for
    `sigill database status`).  None when the key table cannot be read here: not made yet, or this role may not
    read it."""
    query = sql.SQL(FIRST_WRAPPED).format(t=sql.Identifier(schema, KEYS_TABLE))
    try:
        with probe_connection(conninfo, timeout) as conn:
            return [(a, bytes(w)) for a, w in conn.execute(query, (SAMPLE + 1,)).fetchall()]
    except (psycopg.errors.UndefinedTable, psycopg.errors.InsufficientPrivilege):
        return None


def unwraps_stored(master_key: bytes, first: list[tuple[UUID, bytes]]) -> bool | None:
    """Whether a key store would open under ``master_key``, decided as ``_check_master_key`` decides it from the
    same rows (``first_wrapped_keys``): it unwraps the check value, or one of the first ``SAMPLE`` keys.  None when
    nothing is stored to decide by (the first store to open the table writes the check value under its key)."""
    check = next((w for a, w in first if a == CHECK_ID), None)
    keys = [w for a, w in first if a != CHECK_ID][:SAMPLE]
    if check is None and not keys:
        return None
    return ((check is not None and _unwrapped(master_key, check) == CHECK_VALUE)
            or any(_unwrapped(master_key, w) is not None for w in keys))
