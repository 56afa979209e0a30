"""The printable extract's rows: every read of the case, with a case list's reads of it gathered by reader and day.

A case list is a read of every case it shows (``case_service.CASE_LIST``), so a caseworker who opens the list
thirty times a day put thirty "ärendelistan" rows into the young person's extract, among which the reads of the
case's content were hard to find.  The same reader's list reads of one day, for one purpose, are one row: when
the first and the last were, and how many.  Every other read keeps its own row; the rows keep the order of each
one's first read.  (The API's extract, for programs, lists every read as it is.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from domain.calendar import STOCKHOLM
from services.access_entry import AccessEntry, AccessRecord

GATHERED = frozenset({"case_list", "audit.case_list", "retention_due", "audit.retention_due"})   # lists


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
        if e.what not in GATHERED:
            rows.append(ExtractRow(e))
            continue
        key = (e.subject, e.agency, e.what, e.purpose, e.at.astimezone(STOCKHOLM).date())
        row = gathered.get(key)
        if row is None:
            rows.append(gathered.setdefault(key, ExtractRow(e)))
        else:
            row.last, row.count = e.at, row.count + 1
    return rows
