"""The progress line of a long command: how far, out of about how many, and about how long is left.

An operator rebuilding the views of millions of events (minutes at a few thousand events a second) needs to know
whether to wait or come back: a bare count said neither.  Totals are counted by notification id, so they are
"about" (an id a rolled-back transaction took is never used), and a run that passes its total (new events stored
meanwhile) stops naming one rather than say more than 100 %.
"""

from __future__ import annotations

import sys
import time
from typing import Callable

from services.wording import EVENTS, counted, swedish_number

ESTIMATE_AFTER = 5.0   # seconds before a rate is worth an estimate: the first batches include start-up


def progress_line(verb: str, count: int, total: int | None, elapsed: float, unit: tuple[str, str] = EVENTS,
                  about: bool = True) -> str:
    """``bearbetat 120 000 av cirka 1 000 000 händelser (12 %), cirka 3 min kvar …`` (digits grouped by narrow
    no-break spaces, as Swedish writes them and the command line's other counts: "1,000" reads as a decimal).
    ``unit``: the word for one and for many, the number the count, or the total when there is one, gives it
    ("bearbetat 1 händelse", "läst 0 av 1 ärende": it said "1 händelser")."""
    if not total or count > total:
        return f"{verb} {counted(count, *unit)} …"
    share = (f"{verb} {swedish_number(count)} av {'cirka ' if about else ''}{counted(total, *unit)}"
             f" ({100 * count // total} %)")
    if elapsed < ESTIMATE_AFTER or count == 0 or count == total:
        return share + " …"
    return f"{share}, cirka {_duration((total - count) * elapsed / count)} kvar …"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes} min"


def shown(verb: str, total: int | None, clock: Callable[[], float] = time.monotonic,
          unit: tuple[str, str] = EVENTS, about: bool = True) -> Callable[[int], None]:
    """A progress callback that rewrites one line on standard error (the result goes to standard output)."""
    started, width = clock(), [0]

    def show(count: int) -> None:
        line = progress_line(verb, count, total, clock() - started, unit, about)
        # Padded over a longer line before it (no terminal escapes: stderr is often a log file).
        print(f"\r{line:<{width[0]}}", end="", file=sys.stderr, flush=True)
        width[0] = max(width[0], len(line))
    return show
