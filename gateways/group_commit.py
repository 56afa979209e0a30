"""Group commit for event saves: the saves one process makes at the same moment share one transaction.

Every save waits until its own events are committed (durability is the
same as saving alone); while one transaction commits, the saves that arrive
queue up and go in the next one, together, committed by the thread whose
save found the way free.  A group that fails — two saves
of one case, a conflict with another process, any error — is committed again
save by save, so each caller gets exactly its own outcome: its notification
ids, or its own conflict (409 upstream).  Order within a group is arrival order.

A save may carry riders (an idempotency key's answer): rows written in the
same transaction as its events.  A group writes every member's riders with
the events; when it falls back to save by save, each save takes only its own.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from eventsourcing.persistence import StoredEvent

Insert = Callable[[Sequence[StoredEvent], Sequence[Any]], Sequence[int] | None]   # (events, riders) -> ids


@dataclass
class _Save:
    events: Sequence[StoredEvent]
    riders: Sequence[Any] = ()
    done: threading.Event = field(default_factory=threading.Event)
    ids: Sequence[int] | None = None
    error: BaseException | None = None


class GroupCommit:
    """The first save to find no commit under way commits on its own thread (no hand-off when it is quiet),
    then commits whatever queued meanwhile, group by group, until the queue is empty."""

    def __init__(self, insert: Insert) -> None:
        self._insert = insert
        self._queued: list[_Save] = []
        self._lock = threading.Lock()
        self._committing = False
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
        if lead:
            try:
                self._alone(save)
            finally:
                self._drain()
        save.done.wait()
        if save.error is not None:
            raise save.error
        return save.ids

    def _drain(self) -> None:
        while True:
            with self._lock:
                group, self._queued = self._queued, []
                if not group:
                    self._committing = False
                    return
            self.group_sizes.append(len(group))
            if len(group) == 1 or not self._together(group):
                for save in group:
                    self._alone(save)

    def _together(self, group: list[_Save]) -> bool:
        try:
            ids = self._insert([e for save in group for e in save.events], [r for save in group for r in save.riders])
        except Exception:
            return False  # commit them one by one: each gets its own outcome
        start = 0
        for save in group:
            save.ids = None if ids is None else list(ids[start:start + len(save.events)])
            start += len(save.events)
            save.done.set()
        return True

    def _alone(self, save: _Save) -> None:
        try:
            save.ids = self._insert(save.events, save.riders)
        except BaseException as error:
            save.error = error
        finally:
            save.done.set()
