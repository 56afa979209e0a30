"""How a process hears at once of a data key destroyed by another: LISTEN on the key table's channel.

``PostgresKeyStore`` sends a NOTIFY with the transaction that destroys a key.  Here each process listens, on one
connection per database and channel however many key stores it opens, and tells every cache that joined; what the
caches do with it, and while no one listens, is ``gateways.keystore``'s docstring.
"""

from __future__ import annotations

import atexit
import logging
import threading
from typing import TYPE_CHECKING
from uuid import UUID

import psycopg
from psycopg import sql

if TYPE_CHECKING:
    from gateways.key_cache import KeyCache

log = logging.getLogger("sigill.keys")

RECONNECT = (0.5, 30.0)  # first and longest wait before listening again


class _Listener:
    """One LISTEN connection for a database and channel in this process, telling every cache that joined it."""

    def __init__(self, conninfo: str, channel: str) -> None:
        self.conninfo, self.channel = conninfo, channel
        self.caches: list[KeyCache] = []
        self.listening, self.stop = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run, name="sigill-keys-destroyed", daemon=True)

    def _run(self) -> None:
        try:
            self._listen()
        finally:
            self.listening.clear()   # whatever ended it: no key is cached on its word any more

    def _listen(self) -> None:
        backoff, warned = RECONNECT[0], False
        while not self.stop.is_set():
            try:
                # Keepalives: a connection cut without a word (a firewall, a host gone) is found, not trusted.
                with psycopg.connect(self.conninfo, autocommit=True, keepalives=1, keepalives_idle=10,
                                     keepalives_interval=5, keepalives_count=3) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    for cache in list(self.caches):
                        cache.forget_keys()   # anything destroyed before we listened is read afresh
                    self.listening.set()
                    if warned:   # the loss was warned of: its end is said too, or the warning stays the last word
                        log.info("hearing of destroyed data keys again")
                    backoff, warned = RECONNECT[0], False
                    while not self.stop.is_set():
                        for notice in conn.notifies(timeout=0.5):
                            self._told(notice.payload)
            except psycopg.Error as error:   # the class only: its text could quote a statement
                self.listening.clear()
                if self.stop.is_set():
                    break   # closed, and the database perhaps stopped with it: nothing to tell
                # The first loss quietly (a command ending as its embedded database stops must print nothing more),
                # a lasting one loudly.
                warned = warned or backoff > RECONNECT[0]
                tell = log.warning if backoff > RECONNECT[0] else log.debug
                tell("not hearing of destroyed data keys (%s); every key is read from the table meanwhile,"
                     " listening again in %.1f s", type(error).__qualname__, backoff)
                self.stop.wait(backoff)
                backoff = min(backoff * 2, RECONNECT[1])

    def _told(self, payload: str) -> None:
        try:
            aggregate_id = UUID(payload)
        except ValueError:
            return   # not ours
        for cache in list(self.caches):
            cache.destroyed(aggregate_id)


class _Listeners:
    """The process's listeners, one per database and channel, started with their first key store and stopped
    with their last: a connection per process, however many key stores it opens."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], _Listener] = {}
        self._lock = threading.Lock()
        self._hooked = False

    def stop_all(self) -> None:
        with self._lock:
            for listener in self._by_key.values():
                listener.stop.set()

    def join(self, conninfo: str, channel: str, cache: KeyCache) -> None:
        """``cache`` told of every destruction on the channel, by a listener the first to join starts."""
        with self._lock:
            listener = self._by_key.get((conninfo, channel))
            if listener is None:
                listener = self._by_key[(conninfo, channel)] = _Listener(conninfo, channel)
                listener.thread.start()
                if not self._hooked:
                    # Before the embedded database stops at exit (registered earlier, so run later): a listener cut
                    # off by it must not warn on a command's way out.
                    atexit.register(self.stop_all)
                    self._hooked = True
            listener.caches.append(cache)

    def leave(self, conninfo: str, channel: str, cache: KeyCache) -> None:
        with self._lock:
            listener = self._by_key.get((conninfo, channel))
            if listener is None or cache not in listener.caches:
                return
            listener.caches.remove(cache)
            if listener.caches:
                return
            del self._by_key[(conninfo, channel)]
        listener.stop.set()   # its thread ends within its next wait (half a second): not waited for

    def listening(self, conninfo: str, channel: str) -> threading.Event:
        with self._lock:
            listener = self._by_key.get((conninfo, channel))
        return listener.listening if listener is not None else threading.Event()


listeners = _Listeners()   # the process's: one connection per database and channel, however many key stores
