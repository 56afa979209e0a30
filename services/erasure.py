"""Erasure (gallring) of a closed case: the decision recorded, then the case's data key destroyed.

Only a closed case is culled — a declined one too once it is closed (`not_eligible`), as the retention rule counts
it (``domain/retention.py``: an open case is never due; until 2026-12-05 a declined case not closed was erased).

The record comes first, so that no key is destroyed without one (where the tables' owner is kept apart from the
application's role, the key table refuses it: ``gateways/database_roles.py``); a crash between the two leaves a
record whose key still stands, and erasing again completes it.  The follower then sends each agency that knew the
case its erasure message (within its next calendar round).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from domain.case_rules import has_control_character
from domain.errors import CaseErased, DomainError, InvalidInput
from domain.values import Phase

DECISION_LENGTH = 200
# A personnummer or samordningsnummer, with or without century and separator: never in the plaintext record.
# The separator may be any dash a word processor puts there (en dash, minus) or a no-break space.
_PERSONNUMMER = re.compile(r"(?<!\d)(\d{2})?\d{6}[-+ \u00a0\u2010-\u2015\u2212]?\d{4}(?!\d)")
CULLABLE = (Phase.CLOSED,)   # as the retention rule: a declined case is open until closed


class ErasureRecords(Protocol):
    def record(self, case_id: UUID, municipality: str, decision: str, erased_by: str) -> bool: ...
    def of(self, case_id: UUID) -> dict[str, Any] | None: ...


class CaseStillOpen(DomainError):
    """Culling follows a case's closure: an open case is not erased."""

    code = "case_open"


@dataclass(frozen=True)
class Erased:
    case_id: UUID
    case_number: str | None   # None: it was erased before, its number no longer readable
    already: bool             # erased before: nothing was done now


def decision_reference(text: str) -> str:
    """The decision's reference as the record keeps it, in plain text: a diary number, say — never a personnummer."""
    stated = text.strip()
    if not stated or len(stated) > DECISION_LENGTH or has_control_character(text):
        raise InvalidInput(f"--decision: the decision's reference (e.g. its diary number), 1–{DECISION_LENGTH}"
                           " characters, no control character", field="--decision")
    if _PERSONNUMMER.search(stated):
        raise InvalidInput("--decision holds what looks like a personnummer: the record is kept in plain text after"
                           " the case is gone — give the decision's diary number, not who it concerns",
                           field="--decision")
    return stated


def check_names_no_one(stated: str, case: Any) -> None:
    """The reference must not name whom the case concerns: the young person's or a guardian's name (any part of
    it, as a word), or the young person's personnummer however it is written.  The shape check above cannot know a
    name; the case, read before its key is destroyed, does.  The refusal repeats none of it."""
    digits = re.sub(r"\D", "", stated)
    words = set(re.findall(r"\w+", stated.casefold()))
    names = [case.subject.name, *(g.name for g in case.known_guardians.values())]
    named = any(part in words for name in names for part in re.findall(r"\w+", name.casefold()) if len(part) > 1)
    if named or case.subject.personnummer[2:] in digits:
        raise InvalidInput("--decision names whom the case concerns (a name or the personnummer): the record is kept"
                           " in plain text after the case is gone — give the decision's diary number only",
                           field="--decision")


def erase_case(app: Any, records: ErasureRecords, case_id: UUID, decision: str, erased_by: str, *,
               even_if_open: bool = False) -> Erased:
    """Record the erasure of a closed case and destroy its key.  ``even_if_open``: a case the
    decision concerned that is open again only because the database was restored from a backup taken before it
    was closed (it would be closed again by a new command, which the restore's procedure does not allow first)."""
    stated = decision_reference(decision)
    try:
        case = app.get_case(case_id)
    except CaseErased:
        if records.of(case_id) is None:   # destroyed with no decision on record: say so, do not paper over it
            raise CaseErased(f"case {case_id} is erased already, with no erasure decision on record (`sigill audit"
                             " verify` lists such keys)") from None
        return Erased(case_id, None, already=True)
    if case.phase not in CULLABLE and not even_if_open:
        raise CaseStillOpen(_still_open(case))
    check_names_no_one(stated, case)
    records.record(case_id, case.municipality, stated, erased_by)
    app.keystore.destroy(case_id)
    return Erased(case_id, case.case_number, already=False)


def _still_open(case: Any) -> str:
    """Why the case is not culled, and what to do next: a declined case is closed with the reason that fits it."""
    restored = "; after a restore, a case closed since the backup: --even-if-open"
    if case.phase is Phase.DECLINED:
        return (f"case {case.case_number} was found not eligible but is not closed: culling follows closure — close"
                " the case first, with the reason not_eligible (the web client's Avslut, or POST"
                f" /api/v1/cases/{{id}}/closure), then erase it{restored}")
    return f"case {case.case_number} is {case.phase.value}: culling follows closure — close the case first{restored}"
