"""What the pages show, computed from what the user may see (a ``Look``'s disclosures) — nothing more.

Pure functions: the consent picture (which agency may see which category
now, and until when), the group, the timeline, meetings.  The plan's
revisions and their differences are ``services.web.plan_views``'.  The consent picture asks the
disclosure rules' own ``Judge``, over a case rebuilt from the consent,
guardian and membership facts social services sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any, Callable, Iterable, Sequence

from domain.calendar import age_on, birthday, local_date
from domain.case import TARGET_AGES
from domain.case_numbers import CASE_NUMBER
from domain.catalogue import Catalogue
from domain.judge import CUSTODY_UNKNOWN, Disclosure, Judge, missing_consents
from domain.facts import Fact, fact_order
from domain.values import YOUNG_PERSON, ConsentRecord, Guardian, Phase, ScopeEntry
from projections.agency_views import phase_of_kinds
from services.authorisation import Place
from services.presentation import (PHASES, agency_name, basis_ids, describe_basis, describe_fact, known_consents,
                                   plan_rows)
from services.web.texts import CLOSURE_REASONS


@dataclass(frozen=True)
class Item:
    """One line of a timeline: when, from whom, what, and why the reader may see it.

    No fact id and no event version: the internal ones count the case's events, and a page needs neither."""

    when: datetime
    origin: str
    category: str
    kind: str
    text: str
    basis: str
    basis_ids: str = ""   # a consent basis's consent ids (short), for an auditor's precision; "" for others


# Within one event, how a reader reads it: a meeting before who attended, what came of it and what was decided
# (the facts' own order is by their parts' names, which put the decisions before the meeting).
_READING_ORDER = {"meeting": 0, "meeting.attendee": 1, "meeting.outcome": 2, "meeting.decision": 3}


def in_order(disclosures: Iterable[Disclosure]) -> list[Disclosure]:
    """In the case's order: the server knows the facts' internal order, the page shows none of it."""
    return sorted(disclosures, key=lambda d: (d.fact.version, _READING_ORDER.get(d.fact.kind, 0), fact_order(d.fact)))


def timeline(disclosures: Iterable[Disclosure], catalogue: Catalogue,
             describe: Callable[..., str] = describe_fact, *,
             among: Iterable[Disclosure] | None = None) -> list[Item]:
    """The facts as a timeline's rows; an auditor's with ``presentation.describe_for_auditor``.

    ``among``: everything the reader sees, when ``disclosures`` are only some of it (a meeting's parts, the
    follow-ups): a consent basis is told from the reader's own consent facts, and a follow-up's row from the plan
    rows it sees, which are among those, not these."""
    ordered = in_order(disclosures)
    everything = [d.fact for d in (ordered if among is None else among)]
    known, rows = known_consents(everything), plan_rows(everything)
    return [Item(d.fact.recorded_at, agency_name(d.fact.origin, catalogue),
                 _category(d.fact.category, catalogue), d.fact.kind, describe(d.fact, catalogue, rows),
                 describe_basis(d.basis, catalogue, known), basis_ids(d.basis)) for d in ordered]


def _category(category: str, catalogue: Catalogue) -> str:
    return catalogue.category(category).name.split(" (")[0]


def facts_seen(disclosures: Iterable[Disclosure], *kinds: str) -> list[Fact]:
    """The facts of these kinds among what the user sees, in the order they happened."""
    return sorted((d.fact for d in disclosures if d.fact.kind in kinds), key=fact_order)


# -- the case's head: number and phase ------------------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    case_number: str | None
    phase: str | None
    closed: bool = False   # the reader sees the closure (a `case` fact): its pages offer no forms, a notice instead
    # When the latest fact the reader sees was recorded: what "has anything happened?" asks, where the version
    # number its forms carry (to refuse a stale form) says nothing to a caseworker.
    last_change: datetime | None = None
    # "referred" or "declined": the group, the plan and meetings need an accepted eligibility decision, so their
    # forms are not offered (they were, and refused only once typed: "Den unge är inte bedömd som aktuell ännu").
    waiting: str | None = None


# The phases a member's list can show: it is in the group only of a case found eligible, decided once (a member's
# filter offered "aktualiserad" and "inte aktuell", which could only ever list nothing), and lists no closed case
# (rules version 7: the group's work ends with the case).
MEMBER_PHASES = {p: PHASES[p] for p in ("accepted", "active")}


def head(disclosures: Sequence[Disclosure], place: Place) -> Head:
    """The head of the case as the reader in ``place`` sees it."""
    number = next((f.content["case_number"] for f in facts_seen(disclosures, "case.opened")), None)
    phase = phase_of(disclosures, in_the_group=place is Place.MEMBER)
    last = max((d.fact.recorded_at for d in disclosures), default=None)
    # Social services only: a member is in the group, so the case was found eligible (its phase says so, though the
    # decision, an assessment, is no fact it sees: ``phase_of_kinds``).
    return Head(number, PHASES.get(phase or "", None), phase == "closed", last,
                phase if place is Place.LEAD and phase in ("referred", "declined") else None)


def phase_of(disclosures: Sequence[Disclosure], *, in_the_group: bool = False) -> str | None:
    """The phase as far as the reader's facts tell it (social services sees all it needs), as its case list says
    (``phase_of_kinds``: a member in the group knows the case was found eligible)."""
    by_kind: dict[str, list] = {}
    for d in disclosures:
        by_kind.setdefault(d.fact.kind, []).append(d.fact)
    return phase_of_kinds(by_kind, in_the_group=in_the_group)


def closure_reasons(disclosures: Sequence[Disclosure], chosen: str = "") -> list[tuple[str, str]]:
    """The reasons the closure form offers: those that fit the case (``Case.close``) — "Inte aktuell" only a case found
    not eligible, "Målen är nådda" only a case that has had an action plan — and the one a refused form chose, so that
    it comes back as it was sent (each was offered everywhere, and refused only after typing)."""
    unfitting = set()
    if phase_of(disclosures) != "declined":
        unfitting.add("not_eligible")
    if not facts_seen(disclosures, "plan.goal"):
        unfitting.add("goals_met")
    return [(reason, said) for reason, said in CLOSURE_REASONS.items() if reason not in unfitting or reason == chosen]


# -- the group -------------------------------------------------------------------------------------------------


def members(disclosures: Sequence[Disclosure]) -> dict[str, dict[str, Any]]:
    """The agencies in the group now (as far as the reader may know), with contact person and role."""
    current: dict[str, dict[str, Any]] = {}
    for f in facts_seen(disclosures, "member.joined", "member.left"):
        if f.kind == "member.joined":
            current[f.content["agency"]] = {**f.content, "joined_at": f.recorded_at}
        else:
            current.pop(f.content["agency"], None)
    return current


def outside_target_group(disclosures: Sequence[Disclosure], today: date) -> str | None:
    """Whether the young person is outside the target group 15–25 on the eligibility decision's day (then a reason
    is required to find them eligible), as far as the page can know: that day lies between the referral date and
    today (the domain refuses any other).  "under_15" or "over_25" when on every such day; "maybe" when on some, or
    when the referral date is not seen; None when on none, or when the birth date is not seen."""
    subject = facts_seen(disclosures, "case.subject")
    if not subject:
        return None
    born, referrals = subject[0].content["birth_date"], facts_seen(disclosures, "referral")
    first = referrals[0].content["referral_date"] if referrals else None
    if age_on(born, today) < TARGET_AGES.start:
        return "under_15"
    if first is None:
        return "maybe"
    if age_on(born, first) >= TARGET_AGES.stop:
        return "over_25"
    return None if age_on(born, first) in TARGET_AGES and age_on(born, today) in TARGET_AGES else "maybe"


def guardians(disclosures: Sequence[Disclosure]) -> list[dict[str, Any]]:
    recorded = facts_seen(disclosures, "guardians")
    return [dict(g) for g in recorded[-1].content["guardians"]] if recorded else []


# -- consents --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentRow:
    record: ConsentRecord
    consenter_name: str
    state: str           # "in_force" | "not_yet" | "expired" | "withdrawn"


def consents(disclosures: Sequence[Disclosure], now: datetime) -> list[ConsentRow]:
    """Every consent as social services sees it (the owner's whole copy), as it stands now."""
    records: dict[str, ConsentRecord] = {}
    names: dict[str, str] = {}
    for f in facts_seen(disclosures, "consent.granted", "consent.narrowed", "consent.withdrawn"):
        c = f.content
        if "scope" not in c:
            continue  # a recipient's part: the page for the owner uses the whole consent
        scope = tuple(ScopeEntry(a, tuple(cs)) for a, cs in c["scope"])
        names[c["consent_id"]] = c["consenter_name"]
        if f.kind == "consent.granted":
            records[c["consent_id"]] = ConsentRecord(
                c["consent_id"], c["consenter"], scope, c["purpose"], c["valid_from"], c["valid_until"], c["form"],
                f.recorded_at, granted_scope=scope)
        elif c["consent_id"] in records and f.kind == "consent.narrowed":
            records[c["consent_id"]] = replace(records[c["consent_id"]], scope=scope, valid_until=c["valid_until"])
        elif c["consent_id"] in records:
            records[c["consent_id"]] = replace(records[c["consent_id"]], withdrawn_at=f.recorded_at)
    return [ConsentRow(r, names[r.consent_id], _state(r, now)) for r in records.values()]


def _state(record: ConsentRecord, now: datetime) -> str:
    if record.withdrawn_at is not None and record.withdrawn_at <= now:
        return "withdrawn"
    if record.in_force_at(now):
        return "in_force"
    return "not_yet" if record.valid_until is None or local_date(now) <= record.valid_until else "expired"


@dataclass(frozen=True)
class Cell:
    visible: bool
    until: date | None = None       # the first end date among the consents needed; None: until further notice
    basis: str = ""
    pending: bool = False           # consent covers it, but the agency is not in the group (yet)
    missing: tuple[str, ...] = ()   # not visible: whose consent is missing while others' cover it
    consent_ids: tuple[str, ...] = ()   # visible or pending: the consents it rests on


@dataclass
class Picture:
    """Which agency may see which category now, under consent, and when that lapses."""

    agencies: list[str]
    categories: list[str]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    member: dict[str, bool] = field(default_factory=dict)
    turns_18: date | None = None    # while under 18: the day guardians' consents stop counting
    closed: bool = False            # the case is closed: no member sees anything under consent any more
    closed_on: date | None = None   # the day it was closed (Stockholm), for the cards: "… sedan ärendet avslutades"
    declined: bool = False          # found not eligible: no group is formed, no consent is granted any more


_PROBE_ORIGIN = "\x00nobody"  # a fact from no agency: only consent can make it visible


def case_seen(disclosures: Sequence[Disclosure], rows: Sequence[ConsentRow]) -> Any | None:
    """The case as the disclosure rules' ``Judge`` needs it, rebuilt from what social services sees (the young
    person's birth date, the group, the consents ``rows``, custody, the closure); None without the subject."""
    subject = facts_seen(disclosures, "case.subject")
    if not subject:
        return None
    closed = bool(facts_seen(disclosures, "case.closed"))   # the group's work ended with it (rules version 7)
    return SimpleNamespace(
        born=subject[0].content["birth_date"], members=members(disclosures), phase=Phase.CLOSED if closed else None,
        consents={r.record.consent_id: r.record for r in rows},
        guardians={g["guardian_id"]: Guardian(g["guardian_id"], g["name"], g["has_custody"])
                   for g in guardians(disclosures)})


def picture(disclosures: Sequence[Disclosure], catalogue: Catalogue, now: datetime) -> Picture | None:
    rows = consents(disclosures, now)
    case = case_seen(disclosures, rows)
    if case is None:
        return None
    born: date = case.born
    group = case.members
    closure = facts_seen(disclosures, "case.closed")   # the group's work ended with it (rules version 7)
    closed = case.phase is Phase.CLOSED
    declined = not closed and phase_of(disclosures) == "declined"   # no agency joins it, no consent is given
    named = {e.agency for r in rows for e in r.record.scope}
    # Social services is in the picture once a consent names it: the members' contributions reach it by consent.
    lead = catalogue.lead_agency
    taking_part = {**group, lead: None}
    agencies = sorted(named | set(group), key=lambda a: agency_name(a, catalogue))
    result = Picture(agencies, list(catalogue.categories), member={a: a in taking_part for a in agencies},
                     closed=closed, closed_on=local_date(closure[-1].recorded_at) if closure else None,
                     declined=declined)
    eighteen = birthday(born, 18)
    result.turns_18 = eighteen if local_date(now) < eighteen else None
    ends = {r.record.consent_id: r.record.valid_until for r in rows}
    known = known_consents(d.fact for d in disclosures)
    for agency in agencies:
        if declined and agency not in taking_part:   # it never joins: nothing to show "när den är med i gruppen"
            result.cells.update({(agency, category): Cell(False) for category in result.categories})
            continue
        # An agency outside the group sees nothing; show what consent would let it see once it joins.
        as_member = (case if agency in taking_part
                     else SimpleNamespace(**{**vars(case), "members": {**group, agency: None}}))
        judge = Judge(as_member, agency, now, catalogue)
        for category in result.categories:
            probe = Fact("probe", 0, "probe", category, _PROBE_ORIGIN, now, {})
            basis = judge.basis_for(probe)
            if basis is None:   # on a declined or closed case no consent opens anything: none is "missing"
                result.cells[agency, category] = Cell(
                    False, missing=() if declined or closed else _missing(case, agency, category, now))
                continue
            dates = [ends[c] for c in basis.consent_ids if ends.get(c) is not None]
            result.cells[agency, category] = Cell(agency in taking_part, min(dates) if dates else None,
                                                  describe_basis(basis, catalogue, known),
                                                  pending=agency not in taking_part, consent_ids=basis.consent_ids)
    return result


NO_CUSTODY = "vårdnadshavare med vårdnad (ingen är registrerad)"


def _missing(case: Any, agency: str, category: str, now: datetime) -> tuple[str, ...]:
    """Whose consent is missing for ``agency`` to see ``category`` now, when someone's in force covers it: the rule
    of DOMAIN.md (under 18 the young person's and every custodial guardian's; from 18 the young person's alone),
    from the consents social services sees (all of them).  () when nobody's covers it: then nothing is "missing"
    but a consent altogether, which the "–" says."""
    return missing_labels(missing_consents(case, agency, category, now) or (), case.guardians)


def missing_labels(missing: Iterable[str], guardians_by_id: dict[str, Guardian]) -> tuple[str, ...]:
    """Consenters whose consents are missing (``missing_consents``), as a page names them."""
    return tuple(NO_CUSTODY if c == CUSTODY_UNKNOWN else consenter_label(c, guardians_by_id) for c in missing)


def consenter_label(consenter: str, guardians_by_id: dict[str, Guardian]) -> str:
    if consenter == YOUNG_PERSON:
        return "den unge"
    known = guardians_by_id.get(consenter)
    return f"{known.name} (vårdnadshavare)" if known is not None else consenter


def idle(picture_: Picture | None, rows: Sequence[ConsentRow]) -> dict[str, tuple[int, int, tuple[str, ...]]]:
    """For each consent in force: how many of its scope's parts (agency × category) disclose nothing now for want
    of another consenter's consent, of how many, and whose consents are missing — "gäller" alone misled: a consent
    in force without a guardian's beside it lets nothing out.  Only consents with such parts are listed."""
    if picture_ is None:
        return {}
    result = {}
    for row in rows:
        if row.state != "in_force":
            continue
        parts = [(s.agency, c) for s in row.record.scope for c in s.categories]
        cells = [picture_.cells.get(p) for p in parts]
        waiting = [cell for cell in cells if cell is not None and cell.missing]
        if waiting:
            result[row.record.consent_id] = (len(waiting), len(parts),
                                             tuple(dict.fromkeys(m for cell in waiting for m in cell.missing)))
    return result


def short_id(consent_id: str) -> str:
    """A consent's id as its card shows it (and the link to a new consent with the same scope names it)."""
    return consent_id[:8]


def same_scope(rows: Sequence[ConsentRow], shown: str, agencies: Iterable[str], categories: Iterable[str],
               today: date) -> dict[str, Any] | None:
    """A new consent's form filled from the consent whose card shows the id ``shown`` (``?samma_som=``): its
    scope as it stands now, only the recipients and categories the form still offers, its purpose and its end —
    three consents (the young person's and two guardians') are mostly the same, and each was 99 boxes to tick.
    Not who consents, nor how (written or oral): that is each consenter's own, for the caseworker to choose.  It
    starts today if the consent copied started earlier (a consent given now is not recorded as given before),
    and ends when it ends unless that is before the new one starts (then the end is left for the caseworker to
    write: a consent cannot end before it starts, and the empty field would read "tills vidare" only if left so).
    None for an id no consent of the page has, or more than one: the page then shows the empty form."""
    found = [r.record for r in rows if short_id(r.record.consent_id) == shown]
    if len(found) != 1:
        return None
    record, offered_agencies, offered_categories = found[0], set(agencies), set(categories)
    starts = max(record.valid_from, today)
    return {"scope": [f"{s.agency}:{c}" for s in record.scope if s.agency in offered_agencies
                      for c in s.categories if c in offered_categories],
            "purpose": record.purpose, "valid_from": starts.isoformat(),
            "valid_until": record.valid_until.isoformat() if record.valid_until and record.valid_until >= starts
            else None}


def extract_recipients(disclosures: Sequence[Disclosure], now: datetime) -> list[tuple[str, str]]:
    """Whom the extract may be made for now (``Case.check_extract_for``): the young person, and while they are under
    18 each guardian with custody."""
    return consenters_now(disclosures, now)


def consenters_now(disclosures: Sequence[Disclosure], now: datetime) -> list[tuple[str, str]]:
    """Who may give a consent now (``Case.grant_consent``): the young person, and while they are under 18 each
    guardian with custody — from the 18th birthday a guardian's consent no longer counts, and is refused."""
    subject = facts_seen(disclosures, "case.subject")
    under_18 = bool(subject) and local_date(now) < birthday(subject[0].content["birth_date"], 18)
    return consenters(disclosures) if under_18 else [(YOUNG_PERSON, "Den unge")]


def consenters(disclosures: Sequence[Disclosure]) -> list[tuple[str, str]]:
    """Who may give a consent: the young person, and each guardian with custody."""
    return [(YOUNG_PERSON, "Den unge")] + [(g["guardian_id"], f"{g['name']} (vårdnadshavare)")
                                           for g in guardians(disclosures) if g["has_custody"]]


def case_number_typed(text: str) -> str | None:
    """What was typed into a case-number box, when it is shaped like one (0180-2026-0042); else None — and then
    it is never shown or used again: a personnummer typed there by mistake must not reach a page, a URL or a query."""
    typed = text.strip()
    return typed if len(typed) <= 20 and CASE_NUMBER.match(typed) else None


# -- meetings --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingLine:
    """One thing said of a meeting, as the reader may see it, with its basis."""

    text: str
    basis: str
    basis_ids: str = ""
    origin: str = ""      # an outcome's: the agency whose information it is
    category: str = ""    # an outcome's or a decision's category, in Swedish


@dataclass
class MeetingCard:
    """A meeting as a caseworker reads minutes: when, who took part, what came out of it, what was decided —
    of the parts the reader may see (a member may see a meeting's outcome but not the meeting itself)."""

    held_on: str
    recorded: MeetingLine | None = None     # the meeting itself: "Från Socialtjänsten", and its basis
    recorded_at: datetime | None = None
    next_meeting: str | None = None
    others: tuple[str, ...] = ()            # attendees outside the agencies, as recorded
    attendees: list[MeetingLine] = field(default_factory=list)   # agencies, grouped by their basis
    outcomes: list[MeetingLine] = field(default_factory=list)
    decisions: list[MeetingLine] = field(default_factory=list)


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def meeting_card(parts: Iterable[Disclosure], catalogue: Catalogue, among: Iterable[Disclosure]) -> MeetingCard:
    """One meeting's parts as a card; each basis told from the reader's own consent facts (``among``)."""
    ordered = in_order(parts)
    known = known_consents(d.fact for d in among)
    card = MeetingCard(_day(ordered[0].fact.content["held_on"]) if ordered else "")
    by_basis: dict[tuple[str, str], list[str]] = {}

    def line(d: Disclosure, text: str, **more: str) -> MeetingLine:
        return MeetingLine(text, describe_basis(d.basis, catalogue, known), basis_ids(d.basis), **more)

    for d in ordered:
        f, c = d.fact, d.fact.content
        if f.kind == "meeting":
            card.recorded = line(d, f"Från {agency_name(f.origin, catalogue)}")
            card.recorded_at = f.recorded_at
            card.next_meeting = _day(c["next_meeting"]) if c.get("next_meeting") else None
            card.others = tuple(c.get("other_attendees") or ())
        elif f.kind == "meeting.attendee":
            by_basis.setdefault((describe_basis(d.basis, catalogue, known), basis_ids(d.basis)), []).append(
                agency_name(c["agency"], catalogue))
        elif f.kind == "meeting.outcome":
            card.outcomes.append(line(d, c["text"], origin=agency_name(c["origin_agency"], catalogue),
                                      category=_category(f.category, catalogue)))
        elif f.kind == "meeting.decision":
            card.decisions.append(line(d, c["text"], category=_category(f.category, catalogue)))
    card.attendees = [MeetingLine(", ".join(sorted(names)), basis, ids) for (basis, ids), names in by_basis.items()]
    return card
