"""Per-aggregate data keys, stored only wrapped (RFC 3394) by the installation's master key.

Destroying a key (culling, gallring) makes exactly that aggregate's events
unreadable while leaving their ciphertext, and so the audit chain, intact.
A destroyed key is never recreated: ``data_key(..., create=True)`` returns
None for it, as does ``create=False``.  Destroying a key that was never made
records it as destroyed, so none can be made later.

Unwrapped keys are cached in memory: every save and load needs one.  Cache
entries expire after ``cache_seconds`` so that a key destroyed by another
process stops working here too within that time; in this process ``destroy``
takes effect at once.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from typing import Iterable
from uuid import UUID

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from psycopg import sql
from psycopg_pool import ConnectionPool

from services.settings import ConfigurationError

from gateways.pg_errors import translated
from gateways.schema_lock import create_schema

CACHE_SIZE = 10_000
CACHE_SECONDS = 60.0
_DESTROYED = b""  # cached marker: the key existed and is gone (a real key is never empty)


class WrongMasterKey(ConfigurationError):
    """The master key cannot unwrap the stored data keys: it is not the key they were made with.  A setting to
    mend, so every command says it in one line (as any ConfigurationError), not with a traceback."""


class _KeyCache:
    """A bounded LRU of unwrapped keys whose entries expire."""

    def __init__(self, size: int, seconds: float) -> None:
        self._keys: OrderedDict[UUID, tuple[float, bytes]] = OrderedDict()
        self._size, self._seconds, self._lock = size, seconds, threading.Lock()

    def get(self, aggregate_id: UUID) -> bytes | None:
        with self._lock:
            entry = self._keys.get(aggregate_id)
            if entry is None or entry[0] <= time.monotonic():
                self._keys.pop(aggregate_id, None)
                return None
            self._keys.move_to_end(aggregate_id)
            return entry[1]

    def put(self, aggregate_id: UUID, value: bytes) -> None:
        with self._lock:
            self._keys[aggregate_id] = (time.monotonic() + self._seconds, value)
            self._keys.move_to_end(aggregate_id)
            while len(self._keys) > self._size:
                self._keys.popitem(last=False)


class _WrappingKeyStore:
    """What both stores share: wrapping, unwrapping and the cache.  Subclasses only store rows."""

    def __init__(self, master_key: bytes, *, cache_size: int = CACHE_SIZE, cache_seconds: float = CACHE_SECONDS) -> None:
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes")
        self._master, self._cache = master_key, _KeyCache(cache_size, cache_seconds)

    def data_key(self, aggregate_id: UUID, *, create: bool) -> bytes | None:
        key = self._cache.get(aggregate_id)
        if key is None:
            found, wrapped = self._select(aggregate_id)
            if not found and not create:
                return None  # not cached: a key made later must be seen
            if not found:
                self.create_keys([aggregate_id])
                return self.data_key(aggregate_id, create=False)
            key = _DESTROYED if wrapped is None else self._unwrap(wrapped)
            self._cache.put(aggregate_id, key)
        return key or None

    def create_keys(self, aggregate_ids: list[UUID]) -> None:
        """Make keys for many new aggregates in one round trip (the batch import path)."""
        wanted = [a for a in dict.fromkeys(aggregate_ids) if self._cache.get(a) is None]
        rows = [(a, aes_key_wrap(self._master, os.urandom(32))) for a in wanted]
        # Race-safe: whatever is stored after the insert wins, ours or a concurrent writer's.
        for aggregate_id, wrapped in self._insert_many(rows):
            self._cache.put(aggregate_id, _DESTROYED if wrapped is None else self._unwrap(wrapped))

    def cached(self, aggregate_id: UUID) -> tuple[bool, bytes | None]:
        """``data_key``'s answer if it is in memory, without a query: (True, key or None once destroyed);
        (False, None) when only a query could tell."""
        key = self._cache.get(aggregate_id)
        return (False, None) if key is None else (True, key or None)

    def warm(self, aggregate_ids: Iterable[UUID]) -> None:
        """Fetch the keys of many aggregates about to be read in one round trip, not one each."""
        wanted = [a for a in dict.fromkeys(aggregate_ids) if self._cache.get(a) is None]
        for aggregate_id, wrapped in self._select_many(wanted) if wanted else ():
            self._cache.put(aggregate_id, _DESTROYED if wrapped is None else self._unwrap(wrapped))

    def destroy(self, aggregate_id: UUID) -> None:
        self._destroy(aggregate_id)
        self._cache.put(aggregate_id, _DESTROYED)

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
        """Fail at start-up, not at the first read, and never wrap new keys under a wrong master key."""
        wrapped = self._any_wrapped()
        if wrapped is not None:
            self._unwrap(wrapped)

    def _unwrap(self, wrapped: bytes) -> bytes:
        try:
            return aes_key_unwrap(self._master, bytes(wrapped))
        except InvalidUnwrap:
            raise WrongMasterKey("the configured master key cannot unwrap the stored data keys; "
                                 "check SIGILL_MASTER_KEY") from None

    # Storage, per subclass.  A row is (found, wrapped key or None once destroyed).
    def _select(self, aggregate_id: UUID) -> tuple[bool, bytes | None]:
        raise NotImplementedError

    def _select_many(self, aggregate_ids: list[UUID]) -> list[tuple[UUID, bytes | None]]:
        """The stored rows of those ids (an id never stored is left out)."""
        raise NotImplementedError

    def _any_wrapped(self) -> bytes | None:
        raise NotImplementedError

    def _insert_many(self, rows: list[tuple[UUID, bytes]]) -> list[tuple[UUID, bytes | None]]:
        """Insert rows whose id is not stored yet; return the stored rows of all those ids."""
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

    def _any_wrapped(self) -> bytes | None:
        return next((w for w in self.table.values() if w is not None), None)

    def _insert_many(self, rows: list[tuple[UUID, bytes]]) -> list[tuple[UUID, bytes | None]]:
        for aggregate_id, wrapped in rows:
            self.table.setdefault(aggregate_id, wrapped)
        return [(a, self.table[a]) for a, _ in rows]

    def _destroy(self, aggregate_id: UUID) -> None:
        self.table[aggregate_id] = None


class PostgresKeyStore(_WrappingKeyStore):
    """Keys in the table sigill_data_keys, beside the events (in ``schema``, else the search path's first)."""

    def __init__(self, conninfo: str, master_key: bytes, *, schema: str | None = None, **cache: float) -> None:
        super().__init__(master_key, **cache)
        name = ("sigill_data_keys",) if schema is None else (schema, "sigill_data_keys")
        self._table = sql.Identifier(*name)
        self._conninfo = conninfo
        # Each connection is checked as it is taken (keys are asked for rarely: they are cached), so one cut by a
        # database restart is replaced rather than failing the read or command that needed a key.
        self._pool = ConnectionPool(conninfo, min_size=1, max_size=4, kwargs={"autocommit": True},
                                    name="sigill-keystore", open=True, check=ConnectionPool.check_connection)
        try:
            self.ensure_schema()
            self._check_master_key()
        except BaseException:
            self._pool.close()
            raise

    def ensure_schema(self) -> None:
        create_schema(self._conninfo, [sql.SQL(
            "CREATE TABLE IF NOT EXISTS {t} (aggregate_id uuid PRIMARY KEY, wrapped_key bytea NULL,"
            " created_at timestamptz NOT NULL DEFAULT now(), destroyed_at timestamptz NULL)").format(t=self._table)])

    def close(self) -> None:
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

    def _any_wrapped(self) -> bytes | None:
        rows = self._run("SELECT wrapped_key FROM {t} WHERE wrapped_key IS NOT NULL LIMIT 1")
        return bytes(rows[0][0]) if rows else None

    def _insert_many(self, rows: list[tuple[UUID, bytes]]) -> list[tuple[UUID, bytes | None]]:
        if not rows:
            return []
        ids = [a for a, _ in rows]
        # Two statements, not one with a CTE: a statement's SELECT would not see a row that a concurrent
        # writer committed while our INSERT waited on it, and we would wrongly take our own key as stored.
        self._run("INSERT INTO {t} (aggregate_id, wrapped_key) SELECT * FROM unnest(%s::uuid[], %s::bytea[])"
                  " ON CONFLICT DO NOTHING", (ids, [w for _, w in rows]))
        stored = self._run("SELECT aggregate_id, wrapped_key FROM {t} WHERE aggregate_id = ANY(%s)", (ids,))
        return [(a, None if w is None else bytes(w)) for a, w in stored]

    def _destroy(self, aggregate_id: UUID) -> None:
        self._run("INSERT INTO {t} (aggregate_id, wrapped_key, destroyed_at) VALUES (%s, NULL, now())"
                  " ON CONFLICT (aggregate_id) DO UPDATE SET wrapped_key = NULL, destroyed_at = now()",
                  (aggregate_id,))
