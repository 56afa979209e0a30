"""Cases folded from their events, kept per worker and reused while the case's stored version is unchanged.

Reading a case means loading, decrypting and folding every one of its events;
that is the same work for every reader until the case changes.  What is kept
is agency-neutral (the case's state and every fact so far): each read still
asks the disclosure rules, for the reader's agency and the present moment,
what of it they may see — so a cached case can never show one agency what
was judged for another, nor miss a consent that lapsed since.

Before each reuse the case's newer events are read (one indexed query; a
read learns the latest stored version from the access log's transaction,
which reads it anyway, and asks for events only when there are newer ones):
any write — the reader's own, another worker's, another agency's withdrawal
of consent — makes the case newer.  Only the newer events are read and
folded into a copy (a case written by two workers in turn would otherwise
be read whole, all its events decrypted, at every other write) — every newer
event, as a first read folds every stored one, even one stamped by a host
whose clock is ahead of ours.  A case whose data key was destroyed is not
served from here either.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Iterable
from uuid import UUID

from domain.disclosure import Replay
from services.application import CaseApplication

SIZE = 2_000


class JudgedCases:
    def __init__(self, app: CaseApplication, *, size: int = SIZE) -> None:
        self.app, self._size = app, size
        self._kept: OrderedDict[UUID, Replay] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = self.extensions = 0
        app.keystore.when_destroyed(self.forget)

    def forget(self, case_id: UUID) -> None:
        """The case's key was destroyed (erased): its decrypted fold leaves memory now, read again or not."""
        with self._lock:
            self._kept.pop(case_id, None)

    def replay(self, case_id: UUID) -> Replay:
        """The case as it stands now, folded; CaseNotFound or CaseErased as ``app.replay`` would raise.

        A kept case is brought up to date by one query for the events after it: none means it is current."""
        kept = self.cached(case_id)
        if kept is None:
            return self.loaded(case_id)
        return self.refreshed(kept, list(self.app.events.get(case_id, gt=kept.case.version)))

    def refreshed(self, kept: Replay, newer: list[Any]) -> Replay:
        """``kept`` with the case's events after it (read by the caller) folded in: ``kept`` itself if none."""
        if not newer:
            self.hits += 1
            return kept
        self.extensions += 1
        return self.extended(kept, newer)

    def cached(self, case_id: UUID) -> Replay | None:
        """The case as this worker last folded it (perhaps stale: see ``brought_to``); None if not kept, or if its
        key was destroyed since."""
        with self._lock:
            kept = self._kept.get(case_id)
        if kept is None:
            return None
        if self.app.keystore.data_key(case_id, create=False) is None:
            with self._lock:
                self._kept.pop(case_id, None)   # erased: its decrypted fold is not kept a moment longer
            return None
        return kept

    def brought_to(self, replay: Replay, stored: int | None) -> Replay:
        """``replay`` if it holds every event up to ``stored`` (the case's latest stored version, read after
        ``replay`` was taken), else extended by every newer event — or the case loaded whole if it is gone."""
        if stored is None or stored < replay.case.version:
            return self.loaded(replay.case.id)   # no longer stored as folded: let the load say why
        if replay.case.version == stored:
            self.hits += 1
            return replay
        self.extensions += 1
        return self.extended(replay, self.app.events.get(replay.case.id, gt=replay.case.version))

    def loaded(self, case_id: UUID) -> Replay:
        """The case read and folded whole (every stored event), and kept."""
        self.misses += 1
        replay = self.app.replay(case_id)
        self._keep(case_id, replay)
        return replay

    def extended(self, replay: Replay | None, newer: Iterable[Any], *, keep: bool = True) -> Replay:
        """``replay`` (None: a new case) with the case's next events folded into a copy (the kept one is never
        changed), kept too unless ``keep`` is false (events not yet committed must not be reused)."""
        grown = Replay((), self.app.catalogue) if replay is None else replay.copy()
        for event in newer:
            grown.apply(event)
        if keep:
            self._keep(grown.case.id, grown)
        return grown

    def kept(self, replay: Replay) -> Replay:
        """``replay``, a fold of the case's committed events (an ``extended(keep=False)`` whose events were committed
        since), kept for the next reads."""
        self._keep(replay.case.id, replay)
        return replay

    def _keep(self, case_id: UUID, replay: Replay) -> None:
        # The fold holds exactly events 1..case.version; it is reused only while that is the latest stored.
        with self._lock:
            self._kept[case_id] = replay
            self._kept.move_to_end(case_id)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
