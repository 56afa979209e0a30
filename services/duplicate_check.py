"""Before a referral opens a case: the open cases of the municipality that already concern the same young person.

A second case opened silently split the group's work between two cases.  The cases are found from the lead's case
list (every case of the municipality, with its phase) and each one's young person from the lead's sealed view of it
(``CaseLists.young_persons``): no index of personnummer, plain or hashed, is kept for this.  An erased case has no
row in the views and its key is destroyed: it is never found.  Telling the caseworker that a case exists is a read
of that case; the caller logs it (``DUPLICATE_CHECK``).

The views are written after the events (by the follower, or by a worker catching them up before a list), and they wait
at a case whose key is damaged: a referral stored a moment before may be in no view yet.  So the check reads the
views' position first, then their rows, then the referrals and closures stored after that position, decoded as the
views would decode them — every referral committed before the check began is counted, in the views or after them.
A referral committed while the check runs is not: the caller holds the municipality's turn
(``services.ports.ReferralTurns``) across the check and its own append, so that none is.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol
from uuid import UUID

from domain.case_events import CaseClosed, ReferralReceived
from domain.errors import InvalidPersonalIdentityNumber
from domain.identity import PersonalIdentityNumber

DUPLICATE_CHECK = "duplicate_check"   # what the access log calls the read of a case found by the check
CLOSED = "closed"


class OpenCases(Protocol):
    def caught_up(self) -> int: ...

    def cases(self, agency: str, municipality: str | None = None, *, caught_up: bool = True
              ) -> list[dict[str, Any]]: ...

    def young_persons(self, case_ids: list[UUID]) -> dict[UUID, str]: ...

    def opened_and_closed_after(self, position: int) -> list[Any]: ...


def open_cases_of(lists: OpenCases, lead: str, municipality: str, personnummer: Any, today: date
                  ) -> tuple[tuple[UUID, str], ...]:
    """The open cases (not closed; an erased one is in no list) of ``municipality`` whose young person has this
    personnummer, as (case id, case number), oldest number first.  None for a personnummer that does not parse: the
    referral is refused for it (422) when the case is opened."""
    digits = digits_of(personnummer, today)
    if digits is None:
        return ()
    position = lists.caught_up()   # before the rows: they are at this position or past it, never behind
    # Read as they stand: caught up just now, and whatever is stored past the position is read below.
    rows = [r for r in lists.cases(lead, municipality, caught_up=False) if r["phase"] != CLOSED and r["case_number"]]
    persons = lists.young_persons([r["case_id"] for r in rows])
    found = {r["case_id"]: r["case_number"] for r in rows if persons.get(r["case_id"]) == digits}
    for event in lists.opened_and_closed_after(position):   # stored, perhaps in no view yet
        if isinstance(event, ReferralReceived) and event.municipality == municipality \
                and event.subject.personnummer == digits:
            found[event.originator_id] = event.case_number
        elif isinstance(event, CaseClosed):
            found.pop(event.originator_id, None)   # a closed case is never opened again
    return tuple(sorted(found.items(), key=lambda case: case[1]))


def digits_of(personnummer: Any, today: date) -> str | None:
    """The personnummer as its twelve digits, as cases are compared by; None for one that does not parse (the
    referral is refused for it when its case is opened)."""
    try:
        return PersonalIdentityNumber.parse(personnummer, today=today).digits
    except InvalidPersonalIdentityNumber:
        return None
