"""What one statistics table may show: each count from 1 to 4 as "<5", and in a breakdown that adds up to a known
total another cell hidden ("..") while a "<5" could be computed back (``suppress``); a median only over 5 cases or
more (``median_shown``); a whole table with some cells hidden on top (``publish``).

``domain.statistics`` counts the breakdowns (``RawStatistics``); ``domain.statistics_reader`` reads everything
``publish`` shows at once, as a reader knowing the domain's rules would, and decides which cells to hide on top.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any, Collection, Mapping, Sequence

SMALL = "<5"          # a count from 1 to 4 (primary suppression), as Swedish official statistics show it
HIDDEN = ".."         # a count hidden so that a "<5" beside it cannot be computed back (secondary suppression)
SMALLEST_SHOWN = 5    # counts from 1 to this less one are suppressed; a median needs at least this many cases

Cell = int | str      # a count, or SMALL / HIDDEN


@dataclass(frozen=True)
class Breakdown:
    """Counts by one property.  ``parts_of``: the breakdown adds up to that total (a partition), so that one
    hidden cell could be computed back from it; None for counts that do not add up to anything (a case counted
    under each agency of its group).  ``bounds``: cell -> (at least, at most) that the domain's rules and another
    breakdown's counts set on it (the cases closed as not eligible are at most the declined ones, say), taken from
    the true counts so that they are as tight as anything a reader can work out from what is shown."""

    key: str
    cells: dict[str, int]
    parts_of: int | None
    within: tuple[str, str] | None = None   # (breakdown, cell) whose count ``parts_of`` is: accepted cases, say
    bounds: dict[str, tuple[int, int]] = field(default_factory=dict)
    total_name: str | None = None   # a total other breakdowns add up to as well ("cases"), so one count to a reader
    # A breakdown whose cells are this one's rows (the cases by sex, of the aktuella by sex): while a row is from 1 to
    # 4 every cell here is hidden.  Else a 0 beside it — no girl among the aktuella, beside "<5" girls — told every
    # one of those few the same decision, though their count was protected.
    rows_of: str | None = None


@dataclass(frozen=True)
class RawStatistics:
    cases: int
    breakdowns: tuple[Breakdown, ...]
    days: dict[str, list[int]] = field(default_factory=dict)   # median's name -> one number per case



def shown(count: int) -> Cell:
    """A count as it may be shown: 1–4 as "<5"."""
    return SMALL if 0 < count < SMALLEST_SHOWN else count


def suppress(cells: Mapping[str, int], parts_of: int | None = None, *, total_hidden: bool = False,
             bounds: Mapping[str, tuple[int, int]] | None = None, hide: Collection[str] = ()) -> dict[str, Cell]:
    """The cells as they may be shown.

    Primary: each count from 1 to 4 is "<5".  Secondary, for a breakdown that adds up to a total (``parts_of``):
    the total is treated as known whether or not it is shown here (the number of cases is shown anyway, and a
    sub-total is often a cell elsewhere), so while the total minus the cells shown pins a hidden cell down to one
    value — a "<5" is 1 to 4 and a ".." 5 or more, as anyone reading this rule knows, each within the ``bounds``
    other breakdowns set on it — the smallest other non-zero cell is hidden too ("..", the first in order among
    equals).  One "<5" alone is always pinned; two whose sum is 2 (or 8) are each 1 (or 4); a "<5" beside a ".."
    that add up to 6 are 1 and 5; a "<5" beside a ".." known to be at least its true count (the declined cases,
    when as many were closed as not eligible) is pinned too.  When no non-zero cell is left to hide and one is still
    pinned, every cell is hidden (".."): the breakdown then says nothing beyond its total.  Under a total of 5 every
    non-zero cell is "<5" already and the total is itself shown as "<5".
    ``total_hidden``: the total is itself suppressed where it is shown (accepted cases, a cell of the eligibility
    breakdown): every cell is hidden, zeros too.  Its cells would otherwise bound it — three non-zero cells make it
    at least 3, two "<5" at most 8 — and a bound on a hidden cell is what gives a "<5" beside it back.
    ``hide``: cells hidden beforehand because they bound a cell of another breakdown (``deidentify``): in a breakdown
    with a total only counts of 5 or more, so that a ".." beside cells shown is still 5 or more."""
    if total_hidden:
        return {key: HIDDEN for key in cells}
    out: dict[str, Cell] = {key: HIDDEN if key in hide else shown(value) for key, value in cells.items()}
    if parts_of is None:
        return out
    others = [key for _, _, key in sorted((value, n, key) for n, (key, value) in enumerate(cells.items())
                                          if not isinstance(out[key], str) and value > 0)]
    if parts_of < SMALLEST_SHOWN:
        return out
    while _pinned(out, parts_of, bounds or {}):
        if not others:
            return {key: HIDDEN for key in cells}
        out[others.pop(0)] = HIDDEN
    return out


def _pinned(out: Mapping[str, Cell], total: int, bounds: Mapping[str, tuple[int, int]]) -> bool:
    """Whether the total minus the cells shown gives one hidden cell back exactly: each "<5" is 1 to 4, each ".."
    5 to the total, each within its bounds."""
    hidden = []
    for key, value in out.items():
        if isinstance(value, str):
            lo, hi = (1, SMALLEST_SHOWN - 1) if value == SMALL else (SMALLEST_SHOWN, total)
            at_least, at_most = bounds.get(key, (lo, hi))
            hidden.append((max(lo, at_least), min(hi, at_most)))
    if not hidden:
        return False
    rest = total - sum(value for value in out.values() if not isinstance(value, str))
    lows, highs = sum(lo for lo, _ in hidden), sum(hi for _, hi in hidden)
    return any(max(lo, rest - (highs - hi)) >= min(hi, rest - (lows - lo)) for lo, hi in hidden)


def median_shown(days: Sequence[int]) -> float | None:
    """The median, over at least 5 cases, in whole units (half up); None (not shown) over fewer.  Whole: the mean of
    the middle two ends in .5 only over an even number of cases, and that parity gave a hidden count back (6 with a
    plan and 1 without, shown "..", "<5" — 5 and 2, or 6 and 1 — beside a median of 12.5 days: a red team,
    2026-12-05)."""
    if len(days) < SMALLEST_SHOWN:
        return None
    return float(math.floor(statistics.median(days) + 0.5))



# A cell hidden because it bounds a count of another breakdown: (breakdown, cell), (breakdown, None) for every cell
# of it, or ("medians", name) for a median.
Hide = tuple[str, str | None]


def publish(raw: RawStatistics, hide: Sequence[Hide]) -> dict[str, Any]:
    breakdowns: dict[str, dict[str, Any]] = {}
    by_key = {b.key: b for b in raw.breakdowns}
    for b in raw.breakdowns:
        total: Cell | None = None if b.parts_of is None else shown(b.parts_of)
        if b.within is not None:   # its total is a cell of a breakdown before it: shown as that cell is
            total = breakdowns[b.within[0]]["cells"][b.within[1]]
        every = ((b.key, None) in hide or (b.within is not None and isinstance(total, str))
                 or (b.rows_of is not None and any(0 < n < SMALLEST_SHOWN for n in by_key[b.rows_of].cells.values())))
        cells = {cell for key, cell in hide if key == b.key and cell is not None}
        breakdowns[b.key] = {"total": total, "cells": suppress(b.cells, b.parts_of, bounds=b.bounds,
                                                               total_hidden=every, hide=cells)}
    medians = {name: None if ("medians", name) in hide else median_shown(values) for name, values in raw.days.items()}
    return {"cases": shown(raw.cases), "breakdowns": breakdowns, "medians": medians}

