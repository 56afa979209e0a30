"""Each case's statistics input (``domain.statistics.figures_of``) kept per process, by the stored version it was
folded at, so that a statistics run decodes only the cases that changed since the last.

A run used to decrypt, decode and fold every event of every case of the municipality (58,000 events for 2,000
cases: ~1.5 s a request) though a case's figures change only when it gets a new event.  Kept here is the little
``figures_of`` makes of a case (``CaseFigures``: dates, bands and counts, no name or personnummer), or that it had
nothing to count — per case, for the stored version it was folded at, and per cut-off (``ended``: an evaluator's
year reads only the events recorded before its end; None: all of them).  A run reads every case's latest version
in one query (``app.case_versions``) and reuses what is kept at that version; any newer event, whoever wrote it,
makes the case newer and it is read again, whole.

An erased case (its data key destroyed) leaves at once: told as the key cache is (``keystore.when_destroyed``), and
— should a notification be missed — a run asks each case's key before it reuses anything (``statistics``): one
destroyed is counted erased, as its events would read, and its figures dropped.  What a run folds while a key is
being destroyed is not kept (``keep`` with the ``epoch`` it began at).  Only a case whose key was read and whose
events decoded is kept: a damaged key or a case without events is read again every run, as before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.statistics import CaseFigures

# Cases kept: a municipality has some 2,000–10,000; a process serving a few of them keeps each one's
# (a CaseFigures is well under a kilobyte).  The least recently used go first.
SIZE = 20_000

Cutoff = datetime | None   # an evaluator's year end, or None: the case as it stands


class KeptFigures:
    def __init__(self, keystore: Any, *, size: int = SIZE) -> None:
        self._kept: OrderedDict[UUID, tuple[int, dict[Cutoff, CaseFigures | None]]] = OrderedDict()
        self._size, self._lock = size, threading.Lock()
        self.epoch = 0   # moves on at every erasure told: a fold begun before one is not kept
        keystore.when_destroyed(self.forget)

    def forget(self, case_id: UUID) -> None:
        """The case's key was destroyed (erased): nothing of it is kept a moment longer."""
        with self._lock:
            self.epoch += 1
            self._kept.pop(case_id, None)

    def drop(self, case_id: UUID) -> None:
        """A case a run found erased (an erasure this process was not told of): gone.  No fold under way is
        stopped by it, unlike ``forget``: every run over a municipality with erased cases would keep nothing."""
        with self._lock:
            self._kept.pop(case_id, None)

    def __contains__(self, case_id: UUID) -> bool:
        with self._lock:
            return case_id in self._kept

    def get(self, case_id: UUID, version: int, ended: Cutoff) -> tuple[bool, CaseFigures | None]:
        """(True, the figures kept — None: nothing to count) if the case was folded at ``version`` up to
        ``ended``; (False, None) if it must be read."""
        with self._lock:
            kept = self._kept.get(case_id)
            if kept is None or kept[0] != version or ended not in kept[1]:
                return False, None
            self._kept.move_to_end(case_id)
            return True, kept[1][ended]

    def keep(self, case_id: UUID, version: int, ended: Cutoff, figures: CaseFigures | None, epoch: int) -> None:
        """What the case's events up to ``version`` (its latest when read) count, read since ``epoch``: not kept
        if a key was destroyed meanwhile (it may be this case's, told before its figures were here to forget)."""
        with self._lock:
            if epoch != self.epoch:
                return
            kept = self._kept.get(case_id)
            if kept is None or kept[0] != version:
                if kept is not None and kept[0] > version:
                    return   # another run has read it newer
                kept = (version, {})
                self._kept[case_id] = kept
            kept[1][ended] = figures
            self._kept.move_to_end(case_id)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
