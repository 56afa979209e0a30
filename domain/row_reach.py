"""Whether the agencies a plan row names as responsible may see it at an instant, and why not.

A row may name any member of the group (``responsible_not_a_member``), also one whose consents do not cover the
row's category: consent may be obtained afterwards, and the disclosure rules decide what each agency sees at each
moment, not the plan.  But a row its responsible agency cannot see is one it cannot follow up, and nothing said so
(the police named on a *Fritid* row read "Inga rader att följa upp").  So social services is told, truthfully and
as things stand: the disclosure rules' own ``Judge`` decides, row by row, and only the reason is worked out here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, NamedTuple

from domain.case_rules import in_the_group
from domain.catalogue import Catalogue
from domain.facts import Fact
from domain.judge import CUSTODY_UNKNOWN, Judge, missing_consents
from domain.values import Phase

# Why a responsible agency cannot see its row.
NOT_A_MEMBER = "not_a_member"          # it has left the group (a row carried forward names it until taken off)
NO_CONSENT = "no_consent"              # no consent in force covers the agency and the row's category
CONSENT_MISSING = "consent_missing"    # some consenters' cover it, not all of those needed (``missing``)
NO_CUSTODY = "no_custody"              # under 18 with no custody recorded: no consent discloses anything
NOT_COVERED = "not_covered"            # the consents in force do not let it through (any other reason)


class UnseenRow(NamedTuple):
    """A responsible agency that cannot see its row now; ``missing``: consenter ids (``CONSENT_MISSING``)."""

    position: int       # the row's place in the plan: its index in the revision as sent
    row_id: str
    agency: str
    place: int          # the agency's place among the row's responsible agencies
    category: str
    reason: str
    missing: tuple[str, ...] = ()


def responsible_who_cannot_see(case: Any, rows: Iterable[Fact], at: datetime,
                               catalogue: Catalogue) -> tuple[UnseenRow, ...]:
    """For each plan row (a ``plan.row`` fact, as recorded) and each agency it names as responsible, whether that
    agency sees the row at ``at``: those that do not, with why.  Nothing on a closed case: the group's work ended
    with it (rules version 7), no member sees anything under consent, and no row is followed up any more."""
    if case.phase is Phase.CLOSED:
        return ()
    judges: dict[str, Judge] = {}
    unseen = []
    for row in rows:
        for place, agency in enumerate(row.names):
            judge = judges.get(agency)
            if judge is None:
                judge = judges[agency] = Judge(case, agency, at, catalogue)
            if judge.basis_for(row) is None:
                reason, missing = _why_not(case, agency, row.category, at)
                unseen.append(UnseenRow(row.content["position"], row.content["row_id"], agency, place, row.category,
                                        reason, missing))
    return tuple(unseen)


def _why_not(case: Any, agency: str, category: str, at: datetime) -> tuple[str, tuple[str, ...]]:
    if not in_the_group(case, agency):
        return NOT_A_MEMBER, ()
    missing = missing_consents(case, agency, category, at)
    if missing is None:
        return NO_CONSENT, ()
    if missing == (CUSTODY_UNKNOWN,):
        return NO_CUSTODY, ()
    return (CONSENT_MISSING, missing) if missing else (NOT_COVERED, ())
