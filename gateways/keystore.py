"""Per-aggregate data keys, stored only wrapped (RFC 3394) by the installation's master key.

Destroying a key (culling, gallring) makes exactly that aggregate's events
unreadable while leaving their ciphertext, and so the audit chain, intact.
Unwrapped keys are cached in memory: every save and load needs one.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from uuid import UUID

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from psycopg_pool import ConnectionPool

CACHE_SIZE = 10_000
_DESTROYED = object()


class WrongMasterKey(Exception):
    """The master key cannot unwrap the stored data keys: it is not the key they were made with."""


class _KeyCache:
    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._keys: OrderedDict[UUID, object] = OrderedDict()
        self._size, self._lock = size, threading.Lock()

    def get(self, aggregate_id: UUID) -> object | None:
        with self._lock:
            value = self._keys.get(aggregate_id)
            if value is not None:
                self._keys.move_to_end(aggregate_id)
            return value

    def put(self, aggregate_id: UUID, value: object) -> None:
        with self._lock:
            self._keys[aggregate_id] = value
            self._keys.move_to_end(aggregate_id)
            while len(self._keys) > self._size:
                self._keys.popitem(last=False)


class _WrappingKeyStore:
    """What both stores share: wrapping, unwrapping and the cache."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes")
        self._master, self._cache = master_key, _KeyCache()

    def data_key(self, aggregate_id: UUID, *, create: bool) -> bytes | None:
        cached = self._cache.get(aggregate_id)
        if cached is None:
            cached = self._load(aggregate_id, create)
            if cached is None:
                return None
            self._cache.put(aggregate_id, cached)
        return None if cached is _DESTROYED else cached  # type: ignore[return-value]

    def destroy(self, aggregate_id: UUID) -> None:
        self._destroy(aggregate_id)
        self._cache.put(aggregate_id, _DESTROYED)

    def create_keys(self, aggregate_ids: list[UUID]) -> None:
        """Make keys for many new aggregates in one round trip (the batch import path)."""
        wanted = [a for a in aggregate_ids if self._cache.get(a) is None]
        for aggregate_id, wrapped in self._insert_many([(a, aes_key_wrap(self._master, os.urandom(32)))
                                                         for a in wanted]):
            self._cache.put(aggregate_id, self._unwrap(wrapped) if wrapped is not None else _DESTROYED)

    def _load(self, aggregate_id: UUID, create: bool) -> object | None:
        found, wrapped = self._select(aggregate_id)
        if not found and create:
            self.create_keys([aggregate_id])
            return self._cache.get(aggregate_id)
        if not found:
            return None
        return _DESTROYED if wrapped is None else self._unwrap(wrapped)

    def _unwrap(self, wrapped: bytes) -> bytes:
        try:
            return aes_key_unwrap(self._master, bytes(wrapped))
        except InvalidUnwrap:
            raise WrongMasterKey("the configured master key cannot unwrap the stored data keys; "
                                 "check SIGILL_MASTER_KEY") from None

    # Storage, per subclass: (found, wrapped or None if destroyed); insert returns the rows as stored.
    def _select(self, aggregate_id: UUID) -> tuple[bool, bytes | None]:
        raise NotImplementedError

    def _insert_many(self, rows: list[tuple[UUID, bytes]]) -> list[tuple[UUID, bytes | None]]:
        raise NotImplementedError

    def _destroy(self, aggregate_id: UUID) -> None:
        raise NotImplementedError

    def is_destroyed(self, aggregate_id: UUID) -> bool:
        found, wrapped = self._select(aggregate_id)
        return found and wrapped is None


class InMemoryKeyStore(_WrappingKeyStore):
    """The key store for unit tests: the same behaviour, kept in a dict."""

    def __init__(self, master_key: bytes) -> None:
        super().__init__(master_key)
        self._rows: dict[UUID, bytes | None] = {}

    def _select(self, aggregate_id: UUID) -> tuple[bool, bytes | None]:
        return aggregate_id in self._rows, self._rows.get(aggregate_id)

    def _insert_many(self, rows: list[tuple[UUID, bytes]]) -> list[tuple[UUID, bytes | None]]:
        for aggregate_id, wrapped in rows:
            self._rows.setdefault(aggregate_id, wrapped)
        return [(a, self._rows[a]) for a, _ in rows]

    def _destroy(self, aggregate_id: UUID) -> None:
        self._rows[aggregate_id] = None


class PostgresKeyStore(_WrappingKeyStore):
    """Keys in the table sigill_data_keys, beside the events."""

    def __init__(self, conninfo: str, master_key: bytes) -> None:
        super().__init__(master_key)
        self._pool = ConnectionPool(conninfo, min_size=1, max_size=4, kwargs={"autocommit": True}, open=True)
        self.ensure_schema()

    def ensure_schema(self) -> None:
        with self._pool.connection() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS sigill_data_keys ("
                         " aggregate_id uuid PRIMARY KEY, wrapped_key bytea NULL,"
                         " created_at timestamptz NOT NULL DEFAULT now(), destroyed_at timestamptz NULL)")

    def close(self) -> None:
        self._pool.close()

    def _select(self, aggregate_id: UUID) -> tuple[bool, bytes | None]:
        with self._pool.connection() as conn:
            row = conn.execute("SELECT wrapped_key FROM sigill_data_keys WHERE aggregate_id = %s",
                               (aggregate_id,)).fetchone()
        return (row is not None, None if row is None or row[0] is None else bytes(row[0]))

    def _insert_many(self, rows: list[tuple[UUID, bytes]]) -> list[tuple[UUID, bytes | None]]:
        if not rows:
            return []
        ids = [a for a, _ in rows]
        with self._pool.connection() as conn:
            # Race-safe: a concurrent writer's key wins, and we read back whatever is stored.
            conn.execute("INSERT INTO sigill_data_keys (aggregate_id, wrapped_key)"
                         " SELECT * FROM unnest(%s::uuid[], %s::bytea[]) ON CONFLICT DO NOTHING",
                         (ids, [w for _, w in rows]))
            stored = conn.execute("SELECT aggregate_id, wrapped_key FROM sigill_data_keys"
                                  " WHERE aggregate_id = ANY(%s)", (ids,)).fetchall()
        return [(a, None if w is None else bytes(w)) for a, w in stored]

    def _destroy(self, aggregate_id: UUID) -> None:
        with self._pool.connection() as conn:
            conn.execute("INSERT INTO sigill_data_keys (aggregate_id, wrapped_key, destroyed_at)"
                         " VALUES (%s, NULL, now()) ON CONFLICT (aggregate_id)"
                         " DO UPDATE SET wrapped_key = NULL, destroyed_at = now()", (aggregate_id,))
