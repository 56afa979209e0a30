"""The cases this process saved last, kept in memory so the next command need not re-read them.

A case is *taken* out while a command works on it, so two threads never
share one object, and *kept* again only after its save succeeded: a failed
command never puts back a half-changed case.  The copy may be stale when
another process wrote since; the application then decides again on the
stored state.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any
from uuid import UUID

SIZE = 2_000


class WorkingSet:
    def __init__(self, size: int = SIZE) -> None:
        self._cases: OrderedDict[UUID, Any] = OrderedDict()
        self._size, self._lock = size, threading.Lock()

    def take(self, case_id: UUID) -> Any | None:
        with self._lock:
            return self._cases.pop(case_id, None)

    def keep(self, case: Any) -> None:
        with self._lock:
            self._cases[case.id] = case
            while len(self._cases) > self._size:
                self._cases.popitem(last=False)

    def forget(self, case_id: UUID) -> None:
        with self._lock:
            self._cases.pop(case_id, None)
