"""The case-number series a process keeps: one per municipality and year, brought forward by the numbers drawn since.

A series is an aggregate, one event a number drawn, so two processes drawing at once conflict and one draws again.
It was read whole at every referral — one event a case of the year, decrypted — so opening the year's thousandth
case read a thousand events.  Now each process keeps the copy it last used (taken out while in use, so no two
threads share one; put back only as stored) and reads from the copy's own last number on.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.case_numbers import CaseNumberSeries


class KeptSeries:
    def __init__(self, events: Any, repository: Any) -> None:
        self._events, self._repository = events, repository
        self._kept: dict[UUID, CaseNumberSeries] = {}

    def take(self, municipality: str, year: int) -> CaseNumberSeries:
        """The series as stored now: the kept copy brought forward by the numbers drawn since (by any process), or
        read whole; a new one when the year has none yet."""
        series_id = CaseNumberSeries.series_id(municipality, year)
        kept = self._kept.pop(series_id, None)
        if kept is not None:
            # From the copy's own last number on: that number stored as the copy has it says the copy is the stored
            # series' past; if not, the database was restored from an older backup under a running process, and the
            # copy, ahead of it, would draw numbers of cases that no longer exist.
            newer = list(self._events.get(series_id, gt=kept.version - 1))
            if newer and _same_number(kept, newer[0]):
                for event in newer[1:]:
                    kept = event.mutate(kept)
                return kept
        try:
            return self._repository.get(series_id)
        except AggregateNotFoundError:
            return CaseNumberSeries.start(municipality, year)

    def keep(self, series: CaseNumberSeries) -> None:
        """Keep a series as stored (saved, or read and unchanged) for the next referral or lookup of its year."""
        if not series.pending_events:
            self._kept[series.id] = series


def _same_number(series: CaseNumberSeries, stored: Any) -> bool:
    """Whether ``stored``, the series' event at ``series``' version, is the number ``series`` drew last."""
    number = getattr(stored, "number", None)
    return (stored.originator_version == series.version and number is not None
            and series.case_ids.get(number) == getattr(stored, "case_id", None))
