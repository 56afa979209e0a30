"""Which closed cases are due for culling (gallring): for the operator who culls them and for social services.

Culling itself stays an operator's act under a recorded decision (``services.erasure``, `sigill erase`); this only
lists.  The rule is ``domain.retention``'s.  The read is in two steps, the cheap one first:

1. From the views' plaintext columns, one query: every closed case of the municipality (the lead's case list) with
   the latest time among the facts the lead's view holds of it, the calendar's left out (they are no entries).  A
   fact's time is its event's, so a case whose latest such time is inside the retention period is not due — most
   closed cases, in a municipality that culls.
2. The rest are read through the application (their events, under their keys: one round trip for the keys), and
   the rule decides on the whole history — anything stored after the views' position, and the closure's reason,
   which no plaintext column holds.

A list is a read of every case it shows, logged before it is shown as a case list's reads are: ``retention_due``
("gallringslistan"), an auditor's (and the command line's) ``audit.retention_due``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable
from uuid import UUID

from domain.retention import DueForCulling, culling_due_from, due_for_culling
from services.authorisation import check_reads_retention
from services.errors import CaseNotFound, DamagedDataKey
from services.principals import Principal, Role

log = logging.getLogger("sigill.retention")
RETENTION_DUE, AUDIT_RETENTION_DUE = "retention_due", "audit.retention_due"   # the access log's names of the read
PROGRESS_EVERY = 100


@dataclass(frozen=True)
class DueList:
    years: int                      # the retention period the list was made under
    as_of: datetime                 # the application's clock when it was made
    municipality: str | None        # None: every municipality (an auditor's, the command line's)
    cases: list[DueForCulling]      # by case number
    unreadable: int = 0             # cases whose data key is damaged: whether they are due cannot be told


class CaseRetention:
    """Mixed into ``CaseService`` (its ``app``, ``access_log``, ``lists``, ``catalogue``, ``retention_years``)."""

    app: Any
    access_log: Any
    lists: Any
    catalogue: Any
    retention_years: int

    def due_for_culling(self, p: Principal, municipality: str | None = None,
                        purpose: str | Callable[[UUID], str] = "",
                        progress: Callable[[int, int], None] | None = None) -> DueList:
        """The closed cases of the municipality (social services: their own, when none is named) whose retention
        period has run out at the application's clock; each case listed is a read, logged before it is returned.
        ``purpose``: one for every case, or each case's own (the web's, stated for one case only, as its case
        list's).  ``progress`` is told (cases read, of how many) now and then."""
        if municipality is None and not p.has(Role.AUDITOR):
            municipality = p.municipality
        municipality = None if municipality is None else municipality.strip()
        check_reads_retention(p, municipality, self.catalogue)   # a member: 403 whatever it asks
        if municipality is not None:
            self.catalogue.municipality(municipality, field="municipality")   # an unknown one: 422
        started, now, years = time.monotonic(), self.app.clock.now(), self.retention_years
        closed = self.lists.closed_cases(municipality) if self.lists is not None else []
        candidates = [case_id for case_id, latest in closed
                      if latest is None or now >= culling_due_from(latest, years)]
        due, unreadable = self._confirmed(candidates, now, progress)
        what = AUDIT_RETENTION_DUE if p.has(Role.AUDITOR) else RETENTION_DUE
        stated = (lambda case_id: purpose) if isinstance(purpose, str) else purpose
        self.access_log.record_all(self._entry(p, c.case_id, what, stated(c.case_id))  # type: ignore[attr-defined]
                                   for c in due)
        log.info("cases due for culling in %s: %d closed, %d read, %d due, in %.2f s", municipality or "every"
                 " municipality", len(closed), len(candidates), len(due), time.monotonic() - started)
        return DueList(years, now, municipality, due, unreadable)

    def _confirmed(self, case_ids: list[UUID], now: datetime, progress: Callable[[int, int], None] | None
                   ) -> tuple[list[DueForCulling], int]:
        """Each candidate's history read and judged by the rule; erased cases (tombstones) and those whose key is
        damaged left out, the latter counted."""
        self.app.keystore.warm(case_ids)   # the keys in one round trip, not one per case
        due, unreadable = [], 0
        for n, case_id in enumerate(case_ids, 1):
            try:
                found = due_for_culling(self.app.history(case_id), now, self.retention_years)
            except CaseNotFound:
                found = None
            except DamagedDataKey:
                unreadable += 1
                found = None
            if found is not None:
                due.append(found)
            if progress is not None and (n % PROGRESS_EVERY == 0 or n == len(case_ids)):
                progress(n, len(case_ids))
        return due, unreadable
