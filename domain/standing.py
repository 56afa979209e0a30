"""An agency's standing in a case at an instant, for auditors: what the disclosure rules' inputs were for it then.

A replay lists the facts an agency could see at t, each with its basis; it cannot say why it lists nothing, or why a
category is missing ("the police joined only the next day", "the mother withdrew hers").  This module states the
inputs the rules judged on — membership, the consents in force naming the agency, custody, age, closure — and asks
the rules themselves for their answer (``Judge``, ``consenters_needed``, ``missing_consents``): it never decides
anything they do not.  For JO and IVO only: it tells of every consent and member, which no agency may be shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple, Sequence

from domain.calendar import age_on, birthday, end_of_day, local_date, start_of_day
from domain.case_events import CaseClosed, MemberJoined, MemberLeft
from domain.catalogue import Catalogue
from domain.disclosure import Replay
from domain.judge import CUSTODY_UNKNOWN, Judge, consenters_needed, missing_consents
from domain.values import YOUNG_PERSON, ConsentRecord, scope_for

# Why an agency saw nothing at t (``Standing.why_nothing``).
NEVER_A_MEMBER = "never_a_member"         # not in the group at t, nor at any time
NOT_YET_A_MEMBER = "not_yet_a_member"     # it joined the group only after t
NO_LONGER_A_MEMBER = "no_longer_a_member" # it had left the group by t
CASE_CLOSED = "case_closed"               # the case was closed by t: no member sees anything under consent (rules 7)
NO_CUSTODY = "no_custody"                 # under 18 with no custody recorded: no consent discloses anything
CONSENT_MISSING = "consent_missing"       # some consenters' consents cover a category, not all those needed
NO_COVERING_CONSENT = "no_covering_consent"   # no consent in force names the agency
NOTHING_RECORDED = "nothing_recorded"     # consent covered categories, but nothing in them was recorded by t
WHY_NOTHING = (NEVER_A_MEMBER, NOT_YET_A_MEMBER, NO_LONGER_A_MEMBER, CASE_CLOSED, NO_CUSTODY, CONSENT_MISSING,
               NO_COVERING_CONSENT, NOTHING_RECORDED)

# How a missing consenter's consent stopped covering the category (``Lapse.how``).
WITHDRAWN, EXPIRED, NOT_STARTED, NARROWED = "withdrawn", "expired", "not_started", "narrowed"


class Lapse(NamedTuple):
    """A missing consenter's latest consent that named the agency and category, and why it did not cover them at t:
    withdrawn (``when`` the instant), ended (``when`` its last day), not yet begun (its first day), or narrowed."""

    consent_id: str
    how: str
    when: datetime | date | None


@dataclass(frozen=True)
class HeldConsent:
    """A consent in force at t in which the agency is a recipient: its part for the agency, and whether its
    consenter's consent counts at t (a guardian's does not from the 18th birthday, nor without custody)."""

    consent_id: str
    consenter: str
    categories: tuple[str, ...]
    valid_until: date | None
    counts: bool


@dataclass(frozen=True)
class Cover:
    """One category a consent in force names for the agency: the consents that carry it to the agency at t (its
    basis, empty when not covered), else whose consents are missing (consenter ids; ``CUSTODY_UNKNOWN`` under 18
    with no custody recorded) and how each one's consent lapsed."""

    category: str
    consent_ids: tuple[str, ...]
    missing: tuple[str, ...] = ()
    lapses: tuple[tuple[str, tuple[Lapse, ...]], ...] = ()

    @property
    def covered(self) -> bool:
        return bool(self.consent_ids)


@dataclass(frozen=True)
class Standing:
    agency: str
    at: datetime
    lead: bool
    member: bool                    # what the rules count as an active member at t (the lead always is)
    since: datetime | None          # a member: when it joined
    until: datetime | None          # a member: when that membership ended after t (left, or the case closed)
    until_closed: bool              # ``until`` is the case's closure
    left_at: datetime | None        # not a member: when it last left before t
    joins_at: datetime | None       # not a member: when it next joined after t
    closed_at: datetime | None      # the case's closure, when by t
    member_at_closure: bool         # it was in the group when the case closed
    eighteenth_birthday: date
    under_18: bool
    custodians: tuple[str, ...] | None   # under 18: guardian ids with custody at t (None: no custody recorded)
    guardian_names: dict[str, str]       # every guardian recorded by t, in the order first recorded
    consents: tuple[HeldConsent, ...]
    covers: tuple[Cover, ...]

    def why_nothing(self) -> str:
        """Why the agency saw nothing at t: the first of the rules' conditions that failed for it."""
        if not self.member:
            if self.closed_at is not None and self.member_at_closure:
                return CASE_CLOSED
            if self.left_at is not None:
                return NO_LONGER_A_MEMBER
            return NOT_YET_A_MEMBER if self.joins_at is not None else NEVER_A_MEMBER
        if any(c.covered for c in self.covers):
            return NOTHING_RECORDED
        if any(c.missing == (CUSTODY_UNKNOWN,) for c in self.covers):
            return NO_CUSTODY
        if any(c.missing for c in self.covers):
            return CONSENT_MISSING
        return NO_COVERING_CONSENT


def standing_at(history: Sequence[Any], agency: str, at: datetime, catalogue: Catalogue) -> Standing | None:
    """``agency``'s standing in the case of ``history`` at ``at`` (None: the case did not exist yet), folded from the
    events through the disclosure rules' own fold and judge.  Periods of membership are read from the whole history:
    an auditor is told that the agency joined only after ``at``."""
    replay = Replay(history, catalogue)
    replay.advance_to(at)
    return standing_of(replay.case, history, agency, at, catalogue)


def standing_of(case: Any, history: Sequence[Any], agency: str, at: datetime, catalogue: Catalogue
                ) -> Standing | None:
    """``standing_at`` of the case ``history`` leaves at ``at``, already folded there (``Replay.advance_to(at)``):
    an auditor's replay folds it once for what the agency saw and for its standing."""
    if case is None:
        return None
    judge = Judge(case, agency, at, catalogue)
    joined, left, closed = _group_moments(history, agency)
    since = case.members[agency].joined_at if agency in case.members else None
    after = [t for t in left if t > at] + ([closed] if closed is not None and closed > at else [])
    until = min(after) if since is not None and after else None
    needed = consenters_needed(case, at)
    under_18 = age_on(case.born, local_date(at)) < 18
    return Standing(
        agency=agency, at=at, lead=judge.is_lead, member=judge.is_member, since=since, until=until,
        until_closed=until is not None and until == closed,
        left_at=max((t for t in left if t <= at), default=None) if since is None else None,
        joins_at=min((t for t in joined if t > at), default=None) if since is None else None,
        closed_at=closed if closed is not None and closed <= at else None,
        member_at_closure=agency in case.members,
        eighteenth_birthday=birthday(case.born, 18), under_18=under_18,
        custodians=(needed[1:] if needed is not None else None) if under_18 else (),
        guardian_names={g: known.name for g, known in case.known_guardians.items()},
        consents=tuple(_held(c, agency, needed) for c in _in_force_naming(case, agency, at)),
        # By id, the order a consent's scope keeps its categories in (``scope_for``) and every scope is told in.
        covers=tuple(_cover(judge, case, agency, category, at) for category in sorted(catalogue.categories)
                     if any(category in scope_for(c.scope, agency) for c in _in_force_naming(case, agency, at))))


def _group_moments(history: Sequence[Any], agency: str) -> tuple[list[datetime], list[datetime], datetime | None]:
    """When ``agency`` joined and left the group, and when the case closed, over the whole history."""
    joined, left, closed = [], [], None
    for event in history:
        if isinstance(event, MemberJoined) and event.agency == agency:
            joined.append(event.timestamp)
        elif isinstance(event, MemberLeft) and event.agency == agency:
            left.append(event.timestamp)
        elif isinstance(event, CaseClosed):
            closed = event.timestamp
    return joined, left, closed


def _in_force_naming(case: Any, agency: str, at: datetime) -> list[ConsentRecord]:
    """The consents in force at ``at`` that name ``agency``: the young person's first, then the guardians' in the
    order they were first recorded, each one's by when it was granted."""
    order = {YOUNG_PERSON: 0, **{g: n for n, g in enumerate(case.known_guardians, start=1)}}
    return sorted((c for c in case.consents.values() if c.in_force_at(at) and scope_for(c.scope, agency)),
                  key=lambda c: (order.get(c.consenter, len(order)), c.granted_at, c.consent_id))


def _held(record: ConsentRecord, agency: str, needed: tuple[str, ...] | None) -> HeldConsent:
    return HeldConsent(record.consent_id, record.consenter, scope_for(record.scope, agency), record.valid_until,
                       counts=needed is not None and record.consenter in needed)


def _cover(judge: Judge, case: Any, agency: str, category: str, at: datetime) -> Cover:
    basis = judge.consent_for(category)
    if basis is not None:
        return Cover(category, basis.consent_ids)
    missing = missing_consents(case, agency, category, at) or ()
    return Cover(category, (), missing, tuple((m, _lapses(case, m, agency, category, at)) for m in missing
                                              if m != CUSTODY_UNKNOWN))


def _lapses(case: Any, consenter: str, agency: str, category: str, at: datetime) -> tuple[Lapse, ...]:
    """The consenter's latest consent granted by ``at`` that ever named ``agency`` for ``category``, and how it
    stopped covering them; () when it gave none."""
    ever = [c for c in case.consents.values() if c.consenter == consenter and c.granted_at <= at
            and category in scope_for(c.granted_scope or c.scope, agency)]
    if not ever:
        return ()
    last = max(ever, key=lambda c: (c.granted_at, c.consent_id))
    if last.withdrawn_at is not None and last.withdrawn_at <= at:
        return (Lapse(last.consent_id, WITHDRAWN, last.withdrawn_at),)
    if at < start_of_day(last.valid_from):
        return (Lapse(last.consent_id, NOT_STARTED, last.valid_from),)
    if last.valid_until is not None and at >= end_of_day(last.valid_until):
        return (Lapse(last.consent_id, EXPIRED, last.valid_until),)
    return (Lapse(last.consent_id, NARROWED, None),)
