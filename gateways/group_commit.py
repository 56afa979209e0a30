"""Group commit for event saves: the saves one process makes at the same moment share one transaction.

Every save waits until its own events are committed (durability is the
same as saving alone); while one transaction commits, the saves that arrive
queue up and go in the next one, together, committed by the thread whose
save found the way free (the leader).  A leader commits its own save and at
most one further group, then hands leadership to the first queued save, so
under sustained load no request is kept committing others' saves for ever.

A group that fails on a save's own content (two saves of one case, a
conflict with another process) is committed again save by save, so each
caller gets exactly its own outcome: its notification ids, or its own
conflict (409 upstream).  A group that fails because the database is down or
the connection was lost fails as a whole, at once: redoing it save by save
would make each caller wait out its own retries, and if the COMMIT was made
and only its reply lost, would turn committed events into conflicts (the
caller can retry with its idempotency key instead).  Order within a group is
arrival order.

A save may carry riders (an idempotency key's answer): rows written in the
same transaction as its events.  A group writes every member's riders with
the events; when it falls back to save by save, each save takes only its own.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from eventsourcing.persistence import InterfaceError, OperationalError, PersistenceError, StoredEvent

from gateways.pg_errors import NoConnection

Insert = Callable[[Sequence[StoredEvent], Sequence[Any]], Sequence[int] | None]   # (events, riders) -> ids



class CommitOutcomeUnknown(PersistenceError):
    """The COMMIT was sent and its answer lost: the events may be stored.  Never retried blindly (that would
    turn committed events into conflicts); the client retries with its Idempotency-Key and learns the outcome."""


# The database is unreachable or the connection broke (perhaps after the COMMIT was sent): not one save's fault.
_CONNECTION_ERRORS = (OperationalError, InterfaceError, NoConnection, CommitOutcomeUnknown)


@dataclass
class _Save:
    events: Sequence[StoredEvent]
    riders: Sequence[Any] = ()
    done: threading.Event = field(default_factory=threading.Event)
    ids: Sequence[int] | None = None
    error: BaseException | None = None


class GroupCommit:
    """The first save to find no commit under way commits on its own thread (no hand-off when it is quiet),
    then at most one group of what queued meanwhile, then hands leadership to the first save still queued."""

    def __init__(self, insert: Insert) -> None:
        self._insert = insert
        self._queued: list[_Save] = []
        self._lock = threading.Lock()
        self._committing = False
        self._successor: _Save | None = None   # the queued save woken to lead next
        self.group_sizes: deque[int] = deque(maxlen=100)   # the latest groups (for tests and benchmarks)

    def insert(self, events: Sequence[StoredEvent], riders: Sequence[Any] = ()) -> Sequence[int] | None:
        """Insert the events (and their riders) durably, perhaps with others' in one transaction; their ids."""
        save = _Save(events, riders)
        with self._lock:
            lead = not self._committing
            if lead:
                self._committing = True
            else:
                self._queued.append(save)
        if lead or self._wait(save):
            try:
                self._lead(save, own_queued=not lead)
            except BaseException as error:
                if save.error is error:
                    raise
                # the error struck a later group: this caller's own save had its outcome already
        if save.error is not None:
            raise save.error
        return save.ids

    def _wait(self, save: _Save) -> bool:
        """Wait until the save is committed or failed (False), or handed leadership (True)."""
        try:
            while True:
                save.done.wait()
                with self._lock:
                    if self._successor is not save:
                        return False
                    self._successor = None
                    save.done.clear()
                    return True
        except BaseException:
            with self._lock:   # leaving: a save still queued is not committed, and leadership must not be lost
                if save in self._queued:
                    self._queued.remove(save)
                if self._successor is save:
                    self._successor = None
                    self._hand_over()
            raise

    def _lead(self, own: _Save, own_queued: bool) -> None:
        """Commit the own save (alone, or in the first group when it was queued), then at most one more group."""
        group = [own]
        try:
            if not own_queued:
                self._alone(own)
            for _ in range(2 if own_queued else 1):
                with self._lock:
                    group, self._queued = self._queued, []
                    if not group:
                        self._committing = False
                        return
                self._commit(group)
            group = []
            with self._lock:
                self._hand_over()
        except BaseException as error:   # interrupted (KeyboardInterrupt, SystemExit, a cancellation)
            self._abort(group, error)
            raise

    def _hand_over(self) -> None:
        """Under the lock: wake the first queued save to lead, or leave the way free."""
        if self._queued:
            self._successor = self._queued[0]
            self._successor.done.set()
        else:
            self._committing = False

    def _abort(self, group: list[_Save], error: BaseException) -> None:
        """Fail every save of the group and of the queue not yet done, and leave the way free."""
        with self._lock:
            queued, self._queued = self._queued, []
            self._committing = False
        for save in [*group, *queued]:
            if not save.done.is_set():
                save.error = error
                save.done.set()

    def _commit(self, group: list[_Save]) -> None:
        self.group_sizes.append(len(group))
        if len(group) == 1:
            self._alone(group[0])
            return
        try:
            ids = self._insert([e for save in group for e in save.events], [r for save in group for r in save.riders])
        except _CONNECTION_ERRORS as error:
            for save in group:
                save.error = error
                save.done.set()
            return
        except Exception:
            for save in group:   # one save's conflict (or content): commit them one by one, each its own outcome
                self._alone(save)
            return
        start = 0
        for save in group:
            save.ids = None if ids is None else list(ids[start:start + len(save.events)])
            start += len(save.events)
            save.done.set()

    def _alone(self, save: _Save) -> None:
        try:
            save.ids = self._insert(save.events, save.riders)
        except Exception as error:
            save.error = error
        except BaseException as error:
            save.error = error
            raise
        finally:
            save.done.set()
