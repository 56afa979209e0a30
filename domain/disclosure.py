"""The disclosure rules (DOMAIN.md): which facts an agency may see at a time, and why.

Pure functions over a case's history: no I/O, no clock.  The agency views,
the feeds, the API and audit replay all ask these functions, so there is
one answer to "what could agency A see at t, and on what basis".

A fact is visible to agency A at t when it was recorded by t and
  * A is its origin and recorded it itself (a fact another agency recorded in A's name, a meeting outcome,
    reaches A as anyone else's does); or
  * A is the lead agency and the fact is case administration; or
  * a legal basis it was recorded under carries it to A; or
  * A is an active group member at t and the consents in force at t cover
    A and the fact's category: under 18, the young person's consent AND one
    from every guardian with custody at t; from 18, the young person's own.
A fact with an audience is never visible outside it.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from copy import deepcopy
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Iterator, NamedTuple, Sequence

from domain.calendar import birthday, end_of_day, start_of_day
from domain.case_events import (
    CaseClosed, ConsentGranted, ConsentNarrowed, ConsentWithdrawn, GuardiansRecorded, MemberJoined, MemberLeft,
    ReferralReceived,
)
from domain.catalogue import Catalogue
from domain.facts import Fact, facts_of
from domain.identity import PersonalIdentityNumber
from domain.judge import Basis, Disclosure, Judge


# Which rules (and which facts an event makes) stored views were built under.  Raised whenever what an agency
# may see of a history changes; views built under another version are rebuilt by the follower on start.
#   1  until 2026-12-03
#   2  a fact from another member needs that member's membership to be visible too; a narrowing is told only
#      to the recipients whose part changed
#   3  every agency's feed is one per municipality (it was so only for social services): a member agency takes
#      part in one municipality's groups, and its users and feeds see that municipality's cases only
#   4  a meeting recorded by a member is its own information, not the case's administration; an outcome recorded
#      in another agency's name reaches that agency under consent, not as its own; a withdrawal is told only to
#      the recipients the consent still had
#   5  a plan row names only the responsible agencies whose memberships the reader may see (a school seeing only
#      `school` learnt from a row naming the police that the police takes part), their consents joining its basis; a
#      LUL 6 § referral is a `crime` fact whatever category it was stored under; a guardian stored under the young
#      person's consenter id has given no consent
#   6  social services, which sees every membership as the case's administration, is shown a member's fact its
#      consents cover without a consent to the membership's category too (it saw none of the members' notes unless
#      a consent also named it for `case`)
#   7  the group's work ends with the case: from its closure no member is an active member, so nothing reaches a
#      member under consent any more (a school went on reading the young person's name, plan and the others'
#      notes a year after closure, under a consent given "tills vidare" for the group's work); each keeps what it
#      recorded itself, and social services, the case's owner, keeps what it saw
# Raised whenever the log's rows of a history would change (a fact's id, kind or category, a basis, a cause), not only
# what an agency may see: a log a rebuild replaced under today's version is held to the events, and rows another
# version wrote are then a finding (services/stored_log.py, ReplacedLog.held).
RULES_VERSION = 7


# Named tuples, not frozen dataclasses: the views make hundreds of thousands a second, and a tuple is made in
# a fraction of the time (judging took 11 % fewer instructions).  Immutable and compared field by field alike.
class Cause(NamedTuple):
    """What made a visibility change happen: the fact's own recording, an event that changed the rules' inputs
    (a consent, the group, custody), or a calendar moment (a consent's first day or end, the 18th birthday)."""

    what: str                          # one of CAUSES
    consent_ids: tuple[str, ...] = ()  # the consents it concerns (a grant, narrowing, withdrawal, start or end)
    agency: str | None = None          # the member that joined or left


CAUSES = ("recorded", "consent_granted", "consent_narrowed", "consent_withdrawn", "guardians_recorded",
          "member_joined", "member_left", "case_closed", "consent_starts", "consent_ends", "turns_18", "calendar", "rules_changed")
RECORDED = (Cause("recorded"),)
# No event's: a rebuild under new rules ended what the log it replaced had left visible and today's rules do not
# show (``ViewRunner.finish_build``).  The events alone never give it; the replaced log does.
RULES_CHANGED = (Cause("rules_changed"),)


class VisibilityChange(NamedTuple):
    """A moment a fact became visible to an agency, stopped being visible, or changed basis — and why."""

    at: datetime
    agency: str
    fact: Fact
    change: str          # "disclosed" | "ended" | "basis_changed"
    basis: Basis         # the basis from now on; for "ended", the last one that held
    cause: tuple[Cause, ...] = ()   # what made it happen (more than one when calendar moments coincide)


def cause_of(event: Any) -> tuple[Cause, ...]:
    """What an event changes of the rules' inputs, as a cause of the changes it brings (RECORDED: nothing but its
    own facts)."""
    if isinstance(event, (ConsentGranted, ConsentNarrowed, ConsentWithdrawn)):
        what = {ConsentGranted: "consent_granted", ConsentNarrowed: "consent_narrowed",
                ConsentWithdrawn: "consent_withdrawn"}[type(event)]
        return (Cause(what, (event.consent_id,)),)
    if isinstance(event, (MemberJoined, MemberLeft)):
        return (Cause("member_joined" if isinstance(event, MemberJoined) else "member_left", agency=event.agency),)
    if isinstance(event, GuardiansRecorded):
        return (Cause("guardians_recorded"),)
    if isinstance(event, CaseClosed):
        return (Cause("case_closed"),)
    return RECORDED


def moment_causes(case: Any, moments: Iterable[Any], agency: str) -> tuple[Cause, ...]:
    """The calendar ``moments`` of ``case`` at one instant (``case.calendar_moments()`` there: a withdrawn consent
    has none) that speak for ``agency``, as causes: the first days and ends of consents whose scope names it
    (merged per kind), the 18th birthday.  ``calendar`` alone when none does."""
    by_kind: dict[str, list[str]] = {}
    for moment in moments:
        if moment.consent_id is not None and agency not in {
                s.agency for s in case.consents[moment.consent_id].scope}:
            continue
        by_kind.setdefault(moment.what, []).extend((moment.consent_id,) if moment.consent_id else ())
    return tuple(Cause(what, tuple(ids)) for what, ids in by_kind.items()) or (Cause("calendar"),)


def disclosures_at(history: Sequence[Any], agency: str, at: datetime, catalogue: Catalogue) -> tuple[Disclosure, ...]:
    """What ``agency`` may see of the case at ``at``, each fact with its basis."""
    replay = Replay(history, catalogue)
    replay.advance_to(at)
    return replay.visible_to(agency, at)


def disclosure_log(history: Sequence[Any], agencies: Iterable[str], until: datetime,
                   catalogue: Catalogue) -> tuple[VisibilityChange, ...]:
    """Every moment up to ``until`` a fact became or stopped being visible to one of ``agencies``.

    Visibility is judged after each event and at each calendar moment (a consent's first day, the end
    of its last day, the 18th birthday), in time order.
    """
    from domain.visibility import LogFold   # its engine imports this module

    return LogFold(history, agencies, catalogue).log(until)


def calendar_points(event: Any) -> tuple[datetime, ...]:
    """The instants an event makes visibility change at later, with no further event: the calendar's part."""
    if isinstance(event, ConsentGranted):
        return (start_of_day(event.valid_from),) + (
            (end_of_day(event.valid_until),) if event.valid_until is not None else ())
    if isinstance(event, ConsentNarrowed) and event.valid_until is not None:
        return (end_of_day(event.valid_until),)
    if isinstance(event, ReferralReceived):
        return (start_of_day(_eighteenth(event)),)
    return ()


class Replay:
    """Folds a case's history forward in time, keeping the facts recorded so far.

    What an agency saw at its last ``visible_to`` is kept, with what it was judged on, and the next answer
    judges only the facts recorded since — as long as no event since concerned that agency's rules (its
    membership, a consent that names it, custody) and no calendar moment lies between the two instants.
    Between those nothing a judge works out can change: the same argument as ``CaseVisibility``'s, which
    the disclosure log is built on."""

    def __init__(self, history: Sequence[Any], catalogue: Catalogue) -> None:
        self._events: Iterator[Any] = iter(history)
        self._next: Any = next(self._events, None)
        self.catalogue = catalogue
        self.case: Any = None
        self.facts: list[Fact] = []
        self._folded = 0                                             # events applied
        self._rule_marks: list[tuple[int, frozenset[str]]] = []      # (events applied, agencies concerned)
        self._moments: list[datetime] = []                           # every calendar moment, in order
        self._seen: dict[str, _Seen] = {}                            # per agency: its last answer

    def advance_to(self, at: datetime) -> None:
        while self._next is not None and self._next.timestamp <= at:
            event, self._next = self._next, next(self._events, None)
            self.apply(event)

    def apply(self, event: Any) -> tuple[Fact, ...]:
        """Fold the case's next event; returns the facts it recorded."""
        return self.fold(event, concerned_by(event, self.case), calendar_points(event))

    def fold(self, event: Any, concerned: frozenset[str] | None, points: tuple[datetime, ...]) -> tuple[Fact, ...]:
        """``apply``, given the event's ``concerned_by`` (read before the event changes the case) and
        ``calendar_points``: the views' engine works both out for itself too, once an event."""
        self.case = event.mutate(self.case)
        self._folded += 1
        if concerned is not None:
            self._rule_marks.append((self._folded, concerned))
        for moment in points:
            insort(self._moments, moment)
        new = facts_of(event, self.case, self.catalogue)
        self.facts.extend(new)
        return new

    def copy(self) -> "Replay":
        """The same fold, to be folded further on its own (the case's containers copied, the frozen facts and
        kept answers shared)."""
        twin = Replay((), self.catalogue)
        twin.case, twin.facts, twin._folded = deepcopy(self.case), list(self.facts), self._folded
        twin._rule_marks, twin._moments, twin._seen = list(self._rule_marks), list(self._moments), dict(self._seen)
        return twin

    def visible_to(self, agency: str, at: datetime) -> tuple[Disclosure, ...]:
        """What ``agency`` sees at ``at`` of every fact so far.

        Never judged before the latest event folded: a reader whose clock is behind the server that recorded
        it (a withdrawal, say) must not be judged at a moment before that event, when it did not yet count."""
        if self.case is None:
            return ()
        at = max(at, self.case.last_recorded_at)
        seen = self._seen.get(agency)
        if seen is not None and self._still_holds(seen, agency, at):
            judge = Judge(self.case, agency, at, self.catalogue, dict(seen.answers))
            new = tuple(d for f in self.facts[seen.facts:] if (d := judge.disclosure(f)) is not None)
            visible, versions = seen.visible + new, seen.versions + _versions(new, seen.visible)
        else:
            judge = Judge(self.case, agency, at, self.catalogue)
            visible = tuple(d for f in self.facts if (d := judge.disclosure(f)) is not None)
            versions = _versions(visible, ())
        self._seen[agency] = _Seen(visible, len(self.facts), self._folded, at, judge.consent_answers(), versions)
        return visible

    def versions_in(self, agency: str, visible: tuple[Disclosure, ...]) -> int:
        """How many events the facts of ``visible`` (an answer of ``visible_to``) come from: the agency's own version
        of the case.  Counted as the answer was made, when it is this agency's latest one."""
        seen = self._seen.get(agency)
        return seen.versions if seen is not None and seen.visible is visible else _versions(visible, ())

    def _still_holds(self, seen: "_Seen", agency: str, at: datetime) -> bool:
        if bisect_right(self._moments, seen.at) != bisect_right(self._moments, at):
            return False  # a consent began or ended, or the young person turned 18, in between
        for folded, concerned in reversed(self._rule_marks):
            if folded <= seen.folded:
                break
            if concerned is EVERY_AGENCY or agency in concerned:
                return False
        return True


@dataclass(frozen=True)
class _Seen:
    visible: tuple[Disclosure, ...]
    facts: int                           # how many of the facts were judged
    folded: int                          # how many events had been folded
    at: datetime
    answers: dict[str, Basis | None]     # the judge's consent answers per category, valid with the above
    versions: int                        # how many events the visible facts come from


def _versions(new: tuple[Disclosure, ...], before: tuple[Disclosure, ...]) -> int:
    """How many events ``new`` adds to ``before``: facts come in event order, an event's parts together."""
    last = before[-1].fact.version if before else None
    count = 0
    for disclosure in new:
        if disclosure.fact.version != last:
            count, last = count + 1, disclosure.fact.version
    return count


RULE_EVENTS = (ConsentGranted, ConsentNarrowed, ConsentWithdrawn, GuardiansRecorded, MemberJoined, MemberLeft,
               CaseClosed)
EVERY_AGENCY: frozenset[str] = frozenset({"*every agency*"})


def concerned_by(event: Any, case: Any) -> frozenset[str] | None:
    """The agencies whose view an event can change beyond its own new facts (None: none).

    A consent only ever speaks for the agencies in its scope (before and after a narrowing), a
    membership only for its agency; custody changes whose consent is needed, so it concerns everyone."""
    if isinstance(event, (MemberJoined, MemberLeft)):
        return frozenset((event.agency,))
    if isinstance(event, CaseClosed) and case is not None:
        return frozenset(case.members)   # the group's members stop being active ones; no one else's view changes
    # A grant is left to RULE_EVENTS (everyone): its first day is a calendar moment, which concerns everyone
    # anyway, so a narrower answer here would never be used.
    if isinstance(event, (ConsentNarrowed, ConsentWithdrawn)):
        record = case.consents.get(event.consent_id) if case is not None else None
        if record is None:
            return EVERY_AGENCY
        return frozenset(s.agency for s in (*record.scope, *getattr(event, "scope", ())))
    if isinstance(event, RULE_EVENTS):
        return EVERY_AGENCY
    return None


def _eighteenth(referral: ReferralReceived) -> date:
    return birthday(PersonalIdentityNumber(referral.subject.personnummer).birth_date, 18)
