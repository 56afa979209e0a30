"""Which municipality a case belongs to: what narrows social services' feeds, over HTTP and on Kafka alike.

Social services is one agency id across every municipality of an installation,
so its disclosure log covers them all; each reader (a caseworker over HTTP, a
municipality's topic on Kafka) may only have its own municipality's cases.

The answer comes from the views' ``case_municipality`` table, not from the
case's events: the views write it in the transaction that logs the case's
referral, and keep it after erasure — so even a process that never saw a case
before its key was destroyed can tell its municipality to delete it.  A
municipality code (``0180``) beside a random case id is not personal data.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable
from uuid import UUID

REMEMBERED = 100_000  # cases; a case never moves to another municipality, so what is remembered stays true


class CaseMunicipalities:
    """A remembering lookup of a case's municipality; None for a case the views have no municipality for."""

    def __init__(self, municipality_of: Callable[[UUID], str | None], size: int = REMEMBERED) -> None:
        """``municipality_of``: the stored lookup (``PostgresAgencyViewStore.case_municipality``)."""
        self._municipality_of, self.size = municipality_of, size
        self._known: OrderedDict[UUID, str] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, case_id: UUID) -> str | None:
        """The case's municipality code, erased or not; None when unknown (its messages are then withheld)."""
        with self._lock:
            if case_id in self._known:
                self._known.move_to_end(case_id)
                return self._known[case_id]
        found = self._municipality_of(case_id)
        if found is None:
            # Not remembered: a case in the log has its row, so this is a store whose views were built before
            # the table existed; `sigill views rebuild` fills it, and then the case is found.
            return None
        with self._lock:
            self._known[case_id] = found
            if len(self._known) > self.size:
                self._known.popitem(last=False)
        return found
