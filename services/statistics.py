"""Follow-up statistics for a municipality and a period: who may ask, which cases, the one access-log entry.

The counting is ``domain.statistics``', the suppression ``domain.statistics_reader``' (pure). Here: the period read
from what a user typed, the municipality's cases listed from the views' ``case_municipality`` (kept in plaintext,
erased cases too), their events read through the application a few hundred cases a round trip (``histories``) and
folded — only those of the cases that changed since this process last folded them (``services.kept_figures``) —
and the run recorded.

**The access log.** A run reads the content of every case of the municipality, but shows no case: it is recorded as
one entry, not one per case — an entry per case would put "uppföljningsstatistik" into every young person's extract
(and a yearly run by each caseworker would bury the reads of their case), while telling them nothing about their
case that the statistics do not say of everyone's.  The entry's case column is ``STATISTICS_RUN``, an id no case has
(so no extract lists it; an auditor finds every run in the access log by reader, time or that id), and what it read
says the municipality and the period: ``statistics:0180:2026-01-01:2026-12-31``.  No case key seals it, so the
reader's name and purpose are not kept with it (the subject, agency, roles and time are); it is logged before the
answer leaves, and a run that cannot be logged is refused, as every read is.  The application log gets one line
per run too (``sigill.statistics``: the municipality, period, how many cases and how long; no user).

**Two runs of a year.** Social services and auditors read a year as its cases stand now: they may read the cases
themselves.  An evaluator may read none, so it reads a year only once it has ended, and as its cases stood at its
end (the events recorded before 1 January, Swedish time): run a day apart, the year's figures differed by one young
person's referral or decision, with their kön, age band and route (a red team, 2026-12-05).  It reads it from the
day after (``SETTLING``): for a while after midnight events stamped before it are still being recorded (a host whose
clock stands behind, as commands tolerate up to ``CLOCK_SKEW``; a command under way), and a run at 00:01 differed
from one at 00:10 by a case a host four minutes behind took in (a red team, 2026-12-06).  And a case erased
later drops out of its year, so an evaluator's year is made once, at the first evaluator's read, kept as made
(``PublishedStatistics``) and served to every later one: read before and after one erasure, the year differed by
that young person (a red team, 2026-12-06).  Neither kept nor served while a case's key is damaged (the key's
409): a year told without that case and later with it gave the case by the difference.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable
from uuid import UUID, uuid5, NAMESPACE_URL

from domain import statistics as s
from domain.statistics_reader import deidentify
from domain.suppression import Cell, shown
from domain.case_events import ReferralReceived
from domain.erasure import ErasedEvent
from domain.calendar import EARLIEST_DAY, LATEST_DAY, STOCKHOLM, local_date
from domain.errors import InvalidInput, YearNotEnded
from services.access_entry import AccessEntry
from services.authorisation import check_reads_statistics, reads_statistics_as_they_stand
from services.case_queries import HISTORIES_CHUNK
from services.errors import DamagedDataKey
from services.kept_figures import KeptFigures
from services.ports import PublishedStatistics
from services.principals import Principal
from services.typed_time import OUTSIDE_CALENDAR, UnreadableMoment, typed_day

log = logging.getLogger("sigill.statistics")
STATISTICS_RUN = uuid5(NAMESPACE_URL, "urn:sigill:statistics")   # the access log's case column for a run: no case
STATISTICS = "statistics"                                          # what the access log says a run read
PROGRESS_EVERY = 100
# How long after a year's end an evaluator waits before reading it: far longer than the clock skew a command is
# recorded under (``CLOCK_SKEW``) and a command under way across midnight, so that no event stamped before the end
# is stored after a run.
SETTLING = timedelta(days=1)


_ERASED = object()   # a case counted apart (``_outcome``); one whose key is damaged is its DamagedDataKey


def _outcome(events: list[Any] | DamagedDataKey, ended: datetime | None) -> Any:
    """What one case's events (as ``app.histories`` reads them) count: its figures, None for nothing to count,
    ``_ERASED``, or the DamagedDataKey that left it unreadable."""
    if isinstance(events, DamagedDataKey):
        return events
    if not events:
        return None   # in the views but without events: nothing to count
    if isinstance(events[0], ErasedEvent):
        return _ERASED
    if isinstance(events[0], ReferralReceived):
        recorded = events if ended is None else [e for e in events if e.timestamp < ended]
        if recorded:   # none: a referral typed in after the year's end
            return s.figures_of(recorded)
    return None


def latest_year_settled(now: datetime) -> int:
    """The latest year an evaluator reads at ``now``: one that ended a day (``SETTLING``) ago or more, Swedish time."""
    return local_date(now - SETTLING).year - 1


@dataclass(frozen=True)
class Period:
    municipality: str
    start: date
    end: date


def day_typed(text: str, field: str) -> date:
    """A date written YYYY-MM-DD (``typed_time.typed_day``), or InvalidInput naming ``field``."""
    try:
        return typed_day(text)
    except UnreadableMoment as unread:
        if unread.why == OUTSIDE_CALENDAR:   # written right: "YYYY-MM-DD" sent the reader looking for a typing error
            raise InvalidInput(f"{field}: a date from {EARLIEST_DAY} to {LATEST_DAY}", field=field) from None
        raise InvalidInput(f"{field}: a date is written YYYY-MM-DD, e.g. 2026-01-01", field=field) from None


def period_of(catalogue: Any, municipality: str, start: str, end: str,
              names: tuple[str, str, str] = ("municipality", "from", "to")) -> Period:
    """The period asked for, a whole calendar year (``domain.statistics.check_calendar_year``); InvalidInput naming
    the field (``names``: as the caller's input calls them)."""
    catalogue.municipality(municipality.strip(), field=names[0])
    first, last = day_typed(start, names[1]), day_typed(end, names[2])
    if first > last:
        raise InvalidInput(f"{names[2]}: the period ends ({last}) before it starts ({first})", field=names[2])
    s.check_calendar_year(first, last, names[1:])
    return Period(municipality.strip(), first, last)


@dataclass(frozen=True)
class Statistics:
    """A run's answer: the period and the de-identified figures (``domain.statistics_reader.deidentify``)."""

    period: Period
    figures: dict[str, Any]
    erased: Cell      # the municipality's erased cases, of every period (their referral date cannot be read)
    unreadable: Cell  # cases whose data key is damaged: left out, so that the figures say they are incomplete
    fixed_at: datetime | None = None   # an evaluator's ended year: when its figures were made and kept as they are
    at_year_end: bool = False   # the cases counted as they stood at the year's end (an evaluator's), not as today


def _answer(found: Statistics) -> dict[str, Any]:
    """What is kept of an evaluator's year: the de-identified answer alone (counts, "<5", "..", medians)."""
    return {"figures": found.figures, "erased": found.erased, "unreadable": found.unreadable}


def _as_published(period: Period, answer: dict[str, Any], made_at: datetime) -> Statistics:
    return Statistics(period, answer["figures"], answer["erased"], answer["unreadable"], fixed_at=made_at,
                      at_year_end=True)


class CaseStatistics:
    """Mixed into ``CaseService`` (its ``app``, ``access_log``, ``lists``, ``catalogue``, ``kept_figures``)."""

    app: Any
    kept_figures: KeptFigures
    access_log: Any
    lists: Any
    catalogue: Any
    published_statistics: PublishedStatistics | None   # None: an evaluator's year made anew each run

    def statistics(self, p: Principal, municipality: str, start: str, end: str,
                   progress: Callable[[int], None] | None = None,
                   names: tuple[str, str, str] = ("municipality", "from", "to")) -> Statistics:
        """The de-identified follow-up statistics of the cases referred in the municipality from ``start`` to
        ``end``; ``progress`` is told how many cases have been read, now and then."""
        check_reads_statistics(p, municipality.strip(), self.catalogue)   # a member: 403 whatever it asks
        period = period_of(self.catalogue, municipality, start, end, names)
        ended = None if reads_statistics_as_they_stand(p, period.municipality, self.catalogue) else (
            self._year_ended(period, names[2]))
        published = self.published_statistics if ended is not None else None
        kept = published.published(period.municipality, period.end.year) if published is not None else None
        if kept is not None:
            self._record_run(p, period)
            log.info("statistics for %s, %s to %s: served as published at %s", period.municipality, period.start,
                     period.end, kept[1].isoformat())
            return _as_published(period, *kept)
        started = time.monotonic()
        case_ids = self.lists.municipality_cases(period.municipality) if self.lists is not None else []
        self._record_run(p, period)
        figures, erased, damaged = self._figures(case_ids, progress, ended)
        if damaged and ended is not None:
            # Not served either: an evaluator told the year without the case, and later with it (kept), or twice
            # without it around an erasure, had that young person by the difference.  Answered once the key is back.
            raise damaged[0]
        unreadable = len(damaged)
        raw = s.tabulate(figures, period.start, period.end, agencies=self._member_agencies(),
                         categories=list(self.catalogue.categories))
        log.info("statistics for %s, %s to %s: %d cases read (%d in the period) in %.1f s", period.municipality,
                 period.start, period.end, len(case_ids), raw.cases, time.monotonic() - started)
        found = Statistics(period, deidentify(raw), shown(erased), shown(unreadable), at_year_end=ended is not None)
        if published is None:
            return found
        return _as_published(period, *published.publish(period.municipality, period.end.year, _answer(found),
                                                         self.app.clock.now()))

    def _record_run(self, p: Principal, period: Period) -> None:
        """The run's one access-log entry, before the answer leaves (a run that cannot be logged is refused)."""
        self.access_log.record(AccessEntry(self.app.clock.now(), STATISTICS_RUN, p.subject, p.agency, p.role_names,
                                           f"{STATISTICS}:{period.municipality}:{period.start}:{period.end}"))

    def _year_ended(self, period: Period, field: str) -> datetime:
        """The year's end (1 January after it, Swedish time), for a reader who may see no case; YearNotEnded while
        the year runs, and on the day after (``SETTLING``)."""
        if period.end.year > latest_year_settled(self.app.clock.now()):
            raise YearNotEnded(f"{field}: an evaluator reads a year once it has ended and a day has passed, as its"
                               f" cases stood at its end ({period.end.year} from {period.end.year + 1}-01-02)",
                               field=field)
        return datetime(period.end.year + 1, 1, 1, tzinfo=STOCKHOLM)

    def _figures(self, case_ids: list[UUID], progress: Callable[[int], None] | None, ended: datetime | None = None
                 ) -> tuple[list[s.CaseFigures], int, list[DamagedDataKey]]:
        """Each case folded from its events — given ``ended``, those recorded before it alone, so that every run
        says the same — erased cases and those whose key is damaged counted apart.  What a case counts is kept
        by its latest version (``KeptFigures``): a case unchanged since a run is not read again."""
        figures: list[s.CaseFigures] = []
        erased, damaged = 0, []
        versions = self.app.case_versions(case_ids)   # one round trip: which cases changed since they were kept
        n = 0
        # A few hundred cases a round trip: their keys, then the events of those that changed (``histories``).
        for start in range(0, len(case_ids), HISTORIES_CHUNK):
            for outcome in self._outcomes(case_ids[start:start + HISTORIES_CHUNK], versions, ended):
                n += 1
                if isinstance(outcome, DamagedDataKey):
                    damaged.append(outcome)
                elif outcome is _ERASED:
                    erased += 1
                elif outcome is not None:
                    figures.append(outcome)
                if progress is not None and (n % PROGRESS_EVERY == 0 or n == len(case_ids)):
                    progress(n)
        return figures, erased, damaged

    def _outcomes(self, chunk: list[UUID], versions: dict[UUID, int], ended: datetime | None) -> list[Any]:
        """What each case of ``chunk`` counts, in its order: its figures, None (nothing to count), ``_ERASED`` or
        the case's DamagedDataKey — kept figures at the case's latest version, else its events read and folded (and kept)."""
        kept, epoch = self.kept_figures, self.kept_figures.epoch
        keys = self.app.keystore.warm(chunk)   # asked before anything kept is used: an erasure not told is seen
        outcomes: dict[UUID, Any] = {}
        for case_id in chunk:
            if case_id not in versions:
                outcomes[case_id] = None   # in the views but without events: nothing to count
            elif case_id in keys and keys[case_id] is None:
                kept.drop(case_id)          # its key destroyed: read, its events would all be tombstones
                outcomes[case_id] = _ERASED
            elif case_id in keys:
                found, figures = kept.get(case_id, versions[case_id], ended)
                if found:
                    outcomes[case_id] = figures
        for case_id, events in self.app.histories([c for c in chunk if c not in outcomes]):
            outcomes[case_id] = outcome = _outcome(events, ended)
            if outcome is not _ERASED and not isinstance(outcome, DamagedDataKey) and events:   # a readable case's
                kept.keep(case_id, events[-1].originator_version, ended, outcome, epoch)
        return [outcomes[case_id] for case_id in chunk]

    def _member_agencies(self) -> list[str]:
        return [a.id for a in self.catalogue.agencies.values() if not a.lead]
