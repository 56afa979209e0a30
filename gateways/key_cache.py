"""The key store's memory: unwrapped data keys cached a while, and who to tell when one is destroyed.

Split from ``gateways.keystore``, which wraps, unwraps and stores the keys; ``gateways.key_listeners`` tells every
cache of a process when a key is destroyed elsewhere.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import OrderedDict
from typing import Callable
from uuid import UUID

log = logging.getLogger("sigill.keys")

DESTROYED = b""  # cached marker: the key existed and is gone (a real key is never empty)


class KeyCache:
    """A bounded LRU of unwrapped keys whose entries expire.

    ``generation`` moves on whenever a key is told destroyed elsewhere, or every key forgotten: a key read from the
    table before that is not cached (it may be the one destroyed meanwhile), only a destroyed marker always is.
    ``keys_trusted`` says whether keys may be cached at all (the PostgreSQL store: only while it hears of
    destructions)."""

    def __init__(self, size: int, seconds: float) -> None:
        self._keys: OrderedDict[UUID, tuple[float, bytes]] = OrderedDict()
        self._size, self._seconds, self._lock = size, seconds, threading.Lock()
        self.generation = 0
        self.keys_trusted: Callable[[], bool] = lambda: True
        self.forgetters: list[weakref.WeakMethod] = []   # ``_WrappingKeyStore.when_destroyed``

    def get(self, aggregate_id: UUID) -> bytes | None:
        """The cached key (or the destroyed marker); None when it must be read from the table — also a key cached
        before destructions stopped being heard (its listener lost): held on, it would outlive a destruction by
        up to its expiry, where the store's promise is the notification's round trip (until 2026-12-04)."""
        with self._lock:
            entry = self._keys.get(aggregate_id)
            if entry is None or entry[0] <= time.monotonic() or (entry[1] and not self.keys_trusted()):
                self._keys.pop(aggregate_id, None)
                return None
            self._keys.move_to_end(aggregate_id)
            return entry[1]

    def put(self, aggregate_id: UUID, value: bytes, generation: int | None = None) -> None:
        """Cache ``value`` (a key, or the destroyed marker); a key read at ``generation`` only if nothing was
        destroyed or forgotten since, and only while keys may be cached."""
        with self._lock:
            if value and ((generation is not None and generation != self.generation) or not self.keys_trusted()):
                return
            self._keys[aggregate_id] = (time.monotonic() + self._seconds, value)
            self._keys.move_to_end(aggregate_id)
            while len(self._keys) > self._size:
                self._keys.popitem(last=False)

    def destroyed(self, aggregate_id: UUID) -> None:
        """Told that the key was destroyed elsewhere: gone here at once, and no read under way may cache it."""
        with self._lock:
            self.generation += 1
            if aggregate_id in self._keys:   # only a key held here: a cull elsewhere must not evict this cache
                self._keys[aggregate_id] = (time.monotonic() + self._seconds, DESTROYED)
        self.tell_forgetters(aggregate_id)

    def add_forgetter(self, forget: Callable[[UUID], None]) -> None:
        with self._lock:
            self.forgetters.append(weakref.WeakMethod(forget))  # type: ignore[arg-type]

    def tell_forgetters(self, aggregate_id: UUID) -> None:
        """Whatever holds the aggregate decrypted forgets it (outside the lock: they take their own).  The list is
        changed under the lock only: the listener's thread and an erasing one tell at once, and both found a holder
        gone — the second removal's ValueError escaped, and would have ended the listener."""
        with self._lock:
            self.forgetters = [held for held in self.forgetters if held() is not None]   # holders gone
            told = list(self.forgetters)
        for held in told:
            forget = held()
            if forget is None:   # gone since
                continue
            try:
                forget(aggregate_id)
            except Exception as error:  # noqa: BLE001 - the listener must go on telling the others
                log.error("forgetting an erased aggregate failed: %s", type(error).__qualname__)

    def forget_keys(self) -> None:
        """Drop every cached key (destroyed markers stay): a notification may have been missed."""
        with self._lock:
            self.generation += 1
            for aggregate_id in [a for a, (_, value) in self._keys.items() if value]:
                del self._keys[aggregate_id]
