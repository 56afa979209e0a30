"""How one agency is judged to see one fact at one instant: the disclosure rules' judgement, and its answer.

``domain.disclosure`` holds the rules as a whole (the module's docstring states them), the fold of a case's history
(``Replay``) and the disclosure log; this module the judge they all ask, fact by fact (``Judge``), and what it
answers: a fact as shown to the agency (``Disclosure``) and why (``Basis``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from domain.calendar import age_on, local_date
from domain.case_rules import in_the_group
from domain.catalogue import Catalogue
from domain.facts import Fact, withheld_variant
from domain.values import YOUNG_PERSON


@dataclass(frozen=True)
class Basis:
    """Why a fact is visible: as its origin, as case owner, by law, or under these consents."""

    kind: str                            # "origin" | "owner" | "law" | "consent"
    consent_ids: tuple[str, ...] = ()
    legal_basis: str | None = None

    def describe(self, catalogue: Catalogue) -> str:
        if self.kind == "origin":
            return "egen uppgift (myndigheten är ursprung)"
        if self.kind == "owner":
            return "ärendets ägare (socialtjänsten leder ärendet)"
        if self.kind == "law":
            return f"lag: {catalogue.legal_basis(self.legal_basis or '').name}"
        return "samtycke " + ", ".join(cid[:8] for cid in self.consent_ids)


ORIGIN, OWNER = Basis("origin"), Basis("owner")


# A named tuple, not a frozen dataclass: the views make hundreds of thousands a second, and a tuple is made in
# a fraction of the time (judging took 11 % fewer instructions).  Immutable and compared field by field alike.
class Disclosure(NamedTuple):
    fact: Fact
    basis: Basis


class Judge:
    """Decides visibility for one agency at one instant; consent answers are cached per category."""

    def __init__(self, case: Any, agency: str, at: datetime, catalogue: Catalogue,
                 consent_answers: dict[str, Basis | None] | None = None,
                 picture: ConsentPicture | None = None) -> None:
        self.case, self.agency, self.at, self.catalogue = case, agency, at, catalogue
        self._lead = catalogue.lead_agency
        self.is_lead = agency == self._lead
        self.is_member = self.is_lead or in_the_group(case, agency)   # each member keeps its own (ORIGIN) after
        self._consent_cache = {} if consent_answers is None else consent_answers
        self._told_cache: dict[tuple[str, str], _Told | None] = {}        # (named agency, category): ``_told``
        self._joined_bases: dict[tuple[str, ...], Basis] = {}             # consent ids: the basis they make
        self._picture = picture   # the consents at ``case`` and ``at``: made when first asked, unless given

    def consent_answers(self) -> dict[str, Basis | None]:
        return dict(self._consent_cache)

    def moved_to(self, case: Any, at: datetime, picture: ConsentPicture | None = None) -> None:
        """Judge a later state of the case.  Only while nothing this judge caches has changed since: the
        agency's membership and the consents, custody and calendar moments behind its consent answers."""
        self.case, self.at, self._picture = case, at, picture

    def basis_for(self, fact: Fact) -> Basis | None:
        disclosed = self._shown(fact)
        return None if disclosed is None else disclosed.basis

    def disclosure(self, fact: Fact) -> Disclosure | None:
        """The fact as this agency is shown it, and why; None when it may not see it.  A plan row names only the
        responsible agencies whose memberships the agency may see (rules version 5): a school seeing `school`
        but not `case` learnt from a row naming the police that the police take part.

        A row shown so is a fact of its own (``withheld_variant``): when the names it may see change, the row as
        shown before ends and the row as shown now is disclosed, each in the log, the view and the feeds — a
        consumer told only "its basis changed" would have kept the names it held."""
        # The views ask this some 30 times an event: the rule's steps in one function, each answer of the consents
        # looked up where it was worked out before (``_consent_for``, ``_told``).
        if fact.audience is not None and self.agency not in fact.audience:
            return None
        if fact.origin == self.agency and fact.recorded_by is None:   # not ``attributed``
            return Disclosure(fact, ORIGIN)
        if self.is_lead and fact.administrative:
            return Disclosure(fact, OWNER)
        if fact.legal_basis and self._law_carries(fact):
            return Disclosure(fact, _law(fact.legal_basis))
        if not self.is_member:
            return None
        category = fact.category
        basis = self._consent_cache.get(category, _UNASKED)
        if basis is _UNASKED:
            basis = self._consent_for(category)
        if basis is None:
            return None
        ids = basis.consent_ids
        # A fact from another member says that member is in the group: it is shown only where that membership may
        # be seen too (a school without `health` must not learn from a note's origin that BUP takes part).
        told = self._told(fact.origin, category)
        if told is not None:
            if told.consent is None:
                return None
            ids = _joined(ids, told.consent)
        names = fact.names
        if not names:
            return Disclosure(fact, basis if ids is basis.consent_ids else self._joined_basis(ids))
        # The agencies a plan row names as responsible: the row is shown, naming those whose memberships may be
        # seen (their consents join its basis) and withholding the others (``disclosure``).
        shown = []
        for agency in names:
            told = self._told(agency, category)
            if told is None:
                shown.append(agency)
            elif told.consent is not None:
                shown.append(agency)
                ids = _joined(ids, told.consent)
        basis = basis if ids is basis.consent_ids else self._joined_basis(ids)
        return Disclosure(fact if len(shown) == len(names) else withheld_variant(fact, tuple(shown)), basis)

    # ``basis_for``'s own: the rule's answer however ``disclosure`` is replaced (a test shows a row as an older
    # rules version did, by the basis alone).
    _shown = disclosure

    def consent_for(self, category: str) -> Basis | None:
        """The consents that carry ``category`` to the agency at this instant, whether or not it is a member (the
        rule's consent half alone: an auditor's ``domain.standing`` asks it); None when they do not."""
        return self._consent_for(category)

    def _consent_for(self, category: str) -> Basis | None:
        if category not in self._consent_cache:
            self._consent_cache[category] = self._consent_basis(category)
        return self._consent_cache[category]

    def _told(self, agency: str, category: str) -> _Told | None:
        """What a fact of ``category`` tells beyond it by naming ``agency``: its membership's category and the
        consent that covers it (None: not covered), when that is another category and another agency than the
        reader and the lead (whose part in the case is the case itself); else None.  Nothing, to the lead: it sees
        every membership as the case's administration (a school's note its consents covered stayed hidden from
        social services for want of a consent to `case`, the school's membership's category: rules version 6)."""
        key = (agency, category)
        if key in self._told_cache:   # valid as long as the consent answers it holds are: this judge's lifetime
            return self._told_cache[key]
        answer = None
        if not (self.is_lead or agency == self.agency or agency == self._lead):
            known = self.catalogue.agencies.get(agency)
            told = known.membership_category if known is not None else "case"
            answer = None if told == category else _Told(told, self._consent_for(told))
        self._told_cache[key] = answer
        return answer

    def _joined_basis(self, ids: tuple[str, ...]) -> Basis:
        basis = self._joined_bases.get(ids)
        if basis is None:
            basis = self._joined_bases[ids] = Basis("consent", consent_ids=ids)
        return basis

    def _law_carries(self, fact: Fact) -> bool:
        basis = self.catalogue.legal_bases.get(fact.legal_basis or "")
        if basis is None or basis.recipient != self.agency:
            return False
        if fact.origin not in basis.senders or fact.category not in basis.categories:
            return False
        return basis.covers_age(age_on(self.case.born, local_date(fact.recorded_at)))

    def _consent_basis(self, category: str) -> Basis | None:
        picture = self._picture
        if picture is None:
            picture = self._picture = ConsentPicture(self.case, self.at)
        own = self._covering(picture.in_force, YOUNG_PERSON, category)
        if not own:
            return None
        needed = picture.needed
        if needed is None:
            return None
        ids = list(own)
        for guardian in needed[1:]:
            if guardian == YOUNG_PERSON:   # stored before ids were checked: her own consent is not a guardian's
                return None
            theirs = self._covering(picture.in_force, guardian, category)
            if not theirs:
                return None
            ids.extend(theirs)
        return Basis("consent", consent_ids=tuple(ids))

    def _covering(self, in_force: tuple[Any, ...], consenter: str, category: str) -> tuple[str, ...]:
        return tuple(sorted(
            c.consent_id for c in in_force
            if c.consenter == consenter and any(s.covers(self.agency, category) for s in c.scope)))


class ConsentPicture:
    """The consents of a case in force at one instant, and whose consents are needed then (``consenters_needed``):
    what every agency's consent answers at that instant are worked out from, the same for each of them.  Made for
    one state of the case at one instant and shared by the judges of that instant (``CaseVisibility._judge``); a
    judge moved to a later state or instant makes its own anew (``Judge.moved_to``)."""

    __slots__ = ("_case", "_at", "_in_force", "_needed")

    def __init__(self, case: Any, at: datetime) -> None:   # worked out when first asked: most instants never are
        self._case, self._at, self._in_force, self._needed = case, at, None, _UNASKED

    @property
    def in_force(self) -> tuple[Any, ...]:
        if self._in_force is None:
            self._in_force = tuple(c for c in self._case.consents.values() if c.in_force_at(self._at))
        return self._in_force

    @property
    def needed(self) -> tuple[str, ...] | None:
        if self._needed is _UNASKED:
            self._needed = consenters_needed(self._case, self._at)
        return self._needed


def consenters_needed(case: Any, at: datetime) -> tuple[str, ...] | None:
    """Whose consents must all cover a part for it to be disclosed at ``at`` (DOMAIN.md): from 18 the young
    person's alone; under 18 the young person's and every custodial guardian's.  None under 18 with no custody
    recorded: whose consent is missing cannot be known, so nothing is disclosed by consent."""
    if age_on(case.born, local_date(at)) >= 18:
        return (YOUNG_PERSON,)
    custodians = tuple(g.guardian_id for g in case.guardians.values() if g.has_custody)
    return (YOUNG_PERSON, *custodians) if custodians else None


# ``missing_consents``' answer while under 18 with no custody recorded: whose consent is missing cannot be known.
CUSTODY_UNKNOWN = "\x00custody unknown"


def missing_consents(case: Any, agency: str, category: str, at: datetime) -> tuple[str, ...] | None:
    """Whose consents (consenter ids) are missing for ``agency`` to see ``category`` at ``at``, while someone's in
    force covers it; None when nobody's does; ``(CUSTODY_UNKNOWN,)`` under 18 with no custody recorded.  The
    rule's own terms (``consenters_needed``), said to social services, which sees every consent whole; whether the
    agency sees is the ``Judge``'s to say, this only says why not."""
    covering = {c.consenter for c in case.consents.values()
                if c.in_force_at(at) and any(s.covers(agency, category) for s in c.scope)}
    if not covering:
        return None
    needed = consenters_needed(case, at)
    if needed is None:
        return (CUSTODY_UNKNOWN,)
    return tuple(c for c in needed if c not in covering)


class _Told(NamedTuple):
    category: str
    consent: Basis | None


_UNASKED = object()   # a category whose consent answer is not worked out yet (None is an answer: not covered)
_LAW_BASES: dict[str, Basis] = {}   # one basis a legal basis, shared: immutable, compared by value


def _law(legal_basis: str) -> Basis:
    basis = _LAW_BASES.get(legal_basis)
    if basis is None:
        basis = _LAW_BASES[legal_basis] = Basis("law", legal_basis=legal_basis)
    return basis


def _joined(ids: tuple[str, ...], also: Basis) -> tuple[str, ...]:
    return ids + tuple(c for c in also.consent_ids if c not in ids)
