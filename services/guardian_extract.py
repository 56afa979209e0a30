"""The extract (loggutdrag) as made for someone: whole, or — a guardian's while the young person has skyddade
personuppgifter recorded (``Case.extract_leaves_out_readers``) — without what can point to where the young person is.

A protection is often against a parent.  A guardian's extract listed every reader by name ("Kurator, skolan …" is, in
real use, the counsellor's own name at the new school), each read's purpose as typed ("inför flytt till …"), the
readers' ids and roles and an agency system's name, and a read of the protection tab as "skyddade personuppgifter".
Left out: the reader (``subject``, ``reader_name`` — a system's name is its reader name — and ``roles``) and the
purpose.  Kept: the reading agency (its kind, "Skolan", never which school), the time, and what kind of thing was
read — but a read of the protection tab is a read of the case (``CASE_READ``), the protection being what the
extract must not tell.  The access log itself is untouched: this is what the extract shows, not what was logged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from services.access_entry import AccessEntry, AccessRecord

PROTECTION_READ = "protection"   # the web's tab Skyddade personuppgifter, as the access log records its read
CASE_READ = "case"               # "ärendet": what a limited extract says a read of that tab was


@dataclass(frozen=True)
class MadeExtract:
    """The reads an extract lists, and whether the readers and purposes are left out of it (each read's
    ``subject``, ``reader_name``, ``roles`` and ``purpose`` then empty: a page leaves out their columns, the API
    answers null)."""

    records: list[AccessRecord]
    readers_left_out: bool = False


def made_for(records: Sequence[AccessRecord], leave_out_readers: bool) -> MadeExtract:
    if not leave_out_readers:
        return MadeExtract(list(records))
    return MadeExtract([AccessRecord(r.seq, _without_reader(r)) for r in records], readers_left_out=True)


def _without_reader(record: AccessRecord) -> AccessEntry:
    e = record.entry
    what = CASE_READ if e.what.partition(":")[0] == PROTECTION_READ else e.what
    return replace(e, subject="", reader_name="", roles="", purpose="", what=what)
