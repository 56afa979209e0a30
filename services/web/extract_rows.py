"""The printable extract's rows: every read of the case, a list's or a feed's reads of it gathered by reader and day.

A case list is a read of every case it shows (``case_list_reads.CASE_LIST``), so a caseworker who opens the list
thirty times a day put thirty "ärendelistan" rows into the young person's extract, among which the reads of the
case's content were hard to find.  The same reader's list reads of one day, for one purpose, are one row: when
the first and the last were, and how many.  Every other read keeps its own row; the rows keep the order of each
one's first read.  (The API's extract, for programs, lists every read as it is.)

A feed read is logged alike, one entry for each case on a page of the feed (``feed:<agency>``, an auditor's
``audit.feed:<agency>``): an agency's system polling its feed put a row into the extract for each page that carried
the case, hundreds of the same line.  They are gathered by the same key (reader, feed, purpose, day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from domain.calendar import STOCKHOLM
from services.access_entry import AccessEntry, AccessRecord

GATHERED = frozenset({"case_list", "audit.case_list", "retention_due", "audit.retention_due"})   # lists
GATHERED_KINDS = frozenset({"feed", "audit.feed"})   # feeds, read as ``feed:<agency>``


@dataclass
class ExtractRow:
    entry: AccessEntry          # the row's read (a gathered row's first)
    last: datetime | None = None   # a gathered row's last read; None: one read
    count: int = 1


def extract_rows(records: Iterable[AccessRecord]) -> list[ExtractRow]:
    rows: list[ExtractRow] = []
    gathered: dict[tuple[str, str, str, str, date], ExtractRow] = {}
    for record in records:
        e = record.entry
        if not gathered_read(e.what):
            rows.append(ExtractRow(e))
            continue
        key = (e.subject, e.agency, e.what, e.purpose, e.at.astimezone(STOCKHOLM).date())
        row = gathered.get(key)
        if row is None:
            rows.append(gathered.setdefault(key, ExtractRow(e)))
        else:
            row.last, row.count = e.at, row.count + 1
    return rows


def gathered_read(what: str) -> bool:
    """Whether a read is of a list or a feed: one of many alike, gathered into a row for each reader and day."""
    return what in GATHERED or what.partition(":")[0] in GATHERED_KINDS
