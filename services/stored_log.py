"""The stored disclosure log beside the one the events give: does what was recorded (and sent to the agencies'
feeds) say what the disclosure rules say of the case's history?

The views write the log as they judge each event; the rules can replay it from the events alone
(``CaseApplication.disclosures``).  The two are the same by construction — the same engine makes both —
so a difference means the views were built under other rules, from another history (a rebuild is due), or
something wrote the table that should not have.  Compared as multisets of (time, agency, fact, change,
basis, cause): the order within one batch is the writer's, not a rule's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from domain.disclosure import Basis, Cause, VisibilityChange

Key = tuple


@dataclass(frozen=True)
class Agreement:
    compared: int                  # stored rows compared
    only_stored: list[Key]         # in the table, not in the events' log
    only_replayed: list[Key]       # in the events' log, not in the table
    without_cause: int             # stored rows written before causes were (compared without theirs)

    @property
    def agrees(self) -> bool:
        return not self.only_stored and not self.only_replayed


def stored_change(row: Mapping[str, Any]) -> tuple[Basis, tuple[Cause, ...] | None]:
    """A stored row's basis and cause (None: written before causes were stored)."""
    b = row["basis"]
    basis = Basis(b["kind"], tuple(b.get("consent_ids") or ()), b.get("legal_basis"))
    if row.get("cause") is None:
        return basis, None
    return basis, tuple(Cause(c["what"], tuple(c.get("consent_ids") or ()), c.get("agency")) for c in row["cause"])


def compare(stored: Iterable[Mapping[str, Any]], replayed: Iterable[VisibilityChange]) -> Agreement:
    """The stored rows (erasure rows left out) against the log replayed from the events."""
    rows = [r for r in stored if r["change"] != "erased"]
    without_cause = sum(1 for r in rows if r.get("cause") is None)
    with_cause = without_cause == 0   # rows from before causes were stored: compare every row without them

    def of_row(r: Mapping[str, Any]) -> Key:
        basis, cause = stored_change(r)
        return (r["at"], r["agency"], r["fact_id"], r["change"], basis) + ((cause,) if with_cause else ())

    def of_change(c: VisibilityChange) -> Key:
        return (c.at, c.agency, c.fact.fact_id, c.change, c.basis) + ((c.cause,) if with_cause else ())

    table, events = Counter(map(of_row, rows)), Counter(map(of_change, replayed))
    order = lambda key: (key[0], key[1], key[2], key[3])  # noqa: E731 - time, agency, fact, change
    return Agreement(len(rows), sorted((table - events).elements(), key=order),
                     sorted((events - table).elements(), key=order), without_cause)
