"""What the pages show, computed from what the user may see (a ``Look``'s disclosures) — nothing more.

Pure functions: the case's head and phase, the group, the timeline, meetings.  The consents and the consent
picture are ``services.web.consent_views``'; the plan's revisions and their differences ``services.web.plan_views``'.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import urlencode

from domain.calendar import STOCKHOLM, age_on, in_swedish_time
from domain.case import TARGET_AGES
from domain.case_numbers import is_case_number
from domain.catalogue import Catalogue
from domain.judge import Disclosure
from domain.facts import Fact, fact_order
from domain.values import YOUNG_PERSON
from projections.agency_queries import next_meeting, protected_personal_data
from projections.agency_views import phase_of_kinds
from services.authorisation import Place
from services.basis_text import basis_ids, describe_basis, known_consents
from services.audit_text import describe_for_auditor
from services.presentation import PHASES, describe_fact, plan_rows
from services.web.form_texts import CLOSURE_REASONS, MEETING_KINDS
from services.wording import agency_name


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
    # A consent basis told in full on an earlier row: that row's basis cell's id, the row saying it briefly and
    # pointing there ("samma grund som ovan") — the same long sentence on every row made the column unreadable.
    same_basis_as: str = ""
    basis_anchor: str = ""   # the first row of a basis later rows point to: its basis cell's id


# Within one event, how a reader reads it: a meeting before who attended, what came of it and what was decided
# (the facts' own order is by their parts' names, which put the decisions before the meeting).
_READING_ORDER = {"meeting": 0, "meeting.attendee": 1, "meeting.outcome": 2, "meeting.decision": 3}


def in_order(disclosures: Iterable[Disclosure]) -> list[Disclosure]:
    """In the case's order: the server knows the facts' internal order, the page shows none of it."""
    return sorted(disclosures, key=lambda d: (d.fact.version, _READING_ORDER.get(d.fact.kind, 0), fact_order(d.fact)))


def timeline(disclosures: Iterable[Disclosure], catalogue: Catalogue,
             describe: Callable[..., str] = describe_fact, *,
             among: Iterable[Disclosure] | None = None, to_itself: bool | None = None,
             recipient: str) -> list[Item]:
    """The facts as a timeline's rows; an auditor's with ``audit_text.describe_for_auditor``.

    ``among``: everything the reader sees, when ``disclosures`` are only some of it (a meeting's parts, the
    follow-ups): a consent basis is told from the reader's own consent facts, and a follow-up's row from the plan
    rows it sees, which are among those, not these; the young person named from its subject, if it sees it.
    ``to_itself``: the agency reads its own view (an own fact's basis "er egen uppgift"); by default unless an
    auditor's describer is given — an auditor's replay keeps the domain's words.  ``recipient``: the agency the
    facts are disclosed to (the reader's, or the one an auditor replays): a consent basis's end is of its sight
    (``basis_text.lapses``)."""
    ordered = in_order(disclosures)
    pool = ordered if among is None else list(among)
    everything = [d.fact for d in pool]
    known, rows = known_consents(everything), plan_rows(everything)
    young_person = young_person_label(pool, in_sentence=True)
    itself = describe is not describe_for_auditor if to_itself is None else to_itself
    return _referring_back([
        Item(d.fact.recorded_at, agency_name(d.fact.origin, catalogue), _category(d.fact.category, catalogue),
             d.fact.kind, describe(_consenter_named(d.fact, young_person), catalogue, rows, young_person=young_person),
             describe_basis(d.basis, catalogue, known, young_person=young_person, to_itself=itself,
                            recipient=recipient),
             basis_ids(d.basis)) for d in ordered])


def _consenter_named(fact: Fact, young_person: str) -> Fact:
    """A consent fact with its consenter as the pages name them — "Maria Exempel (vårdnadshavare)", "Peter Exempel
    (den unge)" (or "den unge" to a reader that does not see the subject) — where the line said a guardian's name
    with no role beside the young person's role with no name.  The page's only: the command line names guardians by
    number, and the stored fact is left as it is."""
    if not fact.kind.startswith("consent.") or "consenter_name" not in fact.content:
        return fact
    c = fact.content
    said = young_person if c.get("consenter") == YOUNG_PERSON else guardian_label(c["consenter_name"])
    return replace(fact, content={**c, "consenter_name": said})


def _referring_back(items: list[Item]) -> list[Item]:
    """Each consent basis told in full on its first row only; a later row with the same basis (the same consents,
    told alike) points to it.  Bases without consent ids are short ("er egen uppgift", a law) and stay as they are."""
    first: dict[tuple[str, str], int] = {}
    for i, item in enumerate(items):
        if item.basis_ids:
            first.setdefault((item.basis, item.basis_ids), i)
    pointed = {first[(item.basis, item.basis_ids)] for i, item in enumerate(items)
               if item.basis_ids and first[(item.basis, item.basis_ids)] != i}
    result = []
    for i, item in enumerate(items):
        if item.basis_ids and first[(item.basis, item.basis_ids)] != i:
            item = replace(item, same_basis_as=f"grund-{first[(item.basis, item.basis_ids)] + 1}")
        elif i in pointed:
            item = replace(item, basis_anchor=f"grund-{i + 1}")
        result.append(item)
    return result


def guardian_label(name: str) -> str:
    """A guardian as a page names a consenter: the name with the role, as the young person is."""
    return f"{name} (vårdnadshavare)"


def young_person_label(disclosures: Sequence[Disclosure], *, in_sentence: bool = False) -> str:
    """The young person as a page names a consenter or a recipient: by name with the role, as a guardian is
    ("Peter Exempel (den unge)"), where the reader sees the name; "Den unge" alone told no one who.  A reader
    who does not see the case's subject (its name) gets the role alone — "den unge" within a sentence
    (``in_sentence``: "samtycke saknas från den unge").  For the page only: a form's value, an address and the
    access log keep ``young_person``."""
    subject = facts_seen(disclosures, "case.subject")
    if subject:
        return f"{subject[-1].content['name']} (den unge)"
    return "den unge" if in_sentence else "Den unge"


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
    # Skyddade personuppgifter as the reader sees them ({kind, since}: ``agency_queries.protected_personal_data``):
    # every page of the case shows a banner; None when none is recorded or the reader may not see it.
    protection: dict[str, Any] | None = None


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
                phase if place is Place.LEAD and phase in ("referred", "declined") else None,
                protected_personal_data(d.fact for d in disclosures))


def phase_of(disclosures: Sequence[Disclosure], *, in_the_group: bool = False) -> str | None:
    """The phase as far as the reader's facts tell it (social services sees all it needs), as its case list says
    (``phase_of_kinds``: a member in the group knows the case was found eligible)."""
    by_kind: dict[str, list] = {}
    for d in disclosures:
        by_kind.setdefault(d.fact.kind, []).append(d.fact)
    return phase_of_kinds(by_kind, in_the_group=in_the_group)


def closure_reasons(disclosures: Sequence[Disclosure], chosen: str = "") -> list[tuple[str, str]]:
    """The reasons the closure form offers: those that fit the case (``Case.close``) — "Inte aktuell" only a case
    found not eligible, "Målen är nådda" only a case that has had an action plan — and the one a refused form chose,
    so that it comes back as it was sent (each was offered everywhere, and refused only after typing)."""
    unfitting = set()
    if phase_of(disclosures) != "declined":
        unfitting.add("not_eligible")
    if not facts_seen(disclosures, "plan.goal"):
        unfitting.add("goals_met")
    return [(reason, said) for reason, said in CLOSURE_REASONS.items() if reason not in unfitting or reason == chosen]


def closure(disclosures: Sequence[Disclosure]) -> Fact | None:
    """The closure recorded, for the Avslut tab of a closed case; None while open."""
    closed = facts_seen(disclosures, "case.closed")
    return closed[-1] if closed else None


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


def case_number_typed(text: str) -> str | None:
    """What was typed into a case-number box, when it is shaped like one (0180-2026-0042); else None — and then
    it is never shown or used again: a personnummer typed there by mistake must not reach a page, a URL or a query.

    Its second group is the year the case was opened, one the calendar counts: a personnummer typed in groups of
    four (2009-0314-2388) has its month and day there (a samordningsnummer's day plus 60: at most 1291), never such
    a year — it was taken for a number, and carried into the address and the page."""
    typed = text.strip()
    return typed if len(typed) <= 20 and is_case_number(typed) else None


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


def meeting_card(parts: Iterable[Disclosure], catalogue: Catalogue, among: Iterable[Disclosure], *,
                 recipient: str) -> MeetingCard:
    """One meeting's parts as a card; each basis told from the reader's own consent facts (``among``)."""
    ordered = in_order(parts)
    told = own_basis(among, catalogue, recipient=recipient)
    card = MeetingCard(_day(ordered[0].fact.content["held_on"]) if ordered else "")
    by_basis: dict[tuple[str, str], list[str]] = {}

    def line(d: Disclosure, text: str, **more: str) -> MeetingLine:
        return MeetingLine(text, told(d.basis), basis_ids(d.basis), **more)

    for d in ordered:
        f, c = d.fact, d.fact.content
        if f.kind == "meeting":
            card.recorded = line(d, f"Från {agency_name(f.origin, catalogue)}")
            card.recorded_at = f.recorded_at
            card.next_meeting = _day(c["next_meeting"]) if c.get("next_meeting") else None
            card.others = tuple(c.get("other_attendees") or ())
        elif f.kind == "meeting.attendee":
            by_basis.setdefault((told(d.basis), basis_ids(d.basis)), []).append(
                agency_name(c["agency"], catalogue))
        elif f.kind == "meeting.outcome":
            card.outcomes.append(line(d, c["text"], origin=agency_name(c["origin_agency"], catalogue),
                                      category=_category(f.category, catalogue)))
        elif f.kind == "meeting.decision":
            card.decisions.append(line(d, c["text"], category=_category(f.category, catalogue)))
    card.attendees = [MeetingLine(", ".join(sorted(names)), basis, ids) for (basis, ids), names in by_basis.items()]
    return card


def own_basis(among: Iterable[Disclosure], catalogue: Catalogue, *, recipient: str) -> Callable[[Any], str]:
    """How the agency's own pages tell a basis: from its own consent facts, the young person named if it sees the
    subject, an own fact "er egen uppgift" — as its timeline does (``recipient``: the agency itself)."""
    pool = list(among)
    known, young_person = known_consents(d.fact for d in pool), young_person_label(pool, in_sentence=True)
    return lambda basis: describe_basis(basis, catalogue, known, young_person=young_person, to_itself=True,
                                        recipient=recipient)


@dataclass(frozen=True)
class PlannedMeeting:
    """The group's next meeting as the reader's facts tell it: its day, its kind in Swedish ("" when not given), and
    the line saying where it comes from and on what basis the reader sees it."""

    day: str
    kind: str
    line: MeetingLine


def planned_meeting(seen: Sequence[Any], catalogue: Catalogue, among: Iterable[Disclosure], *,
                    recipient: str) -> PlannedMeeting | None:
    """From the facts the reader sees (``agency_queries.SeenFact``): the next meeting they leave standing
    (``agency_queries.next_meeting``); None when none is planned, or none it may see."""
    planned = next_meeting(seen)
    if planned is None:
        return None
    source = planned.source.disclosure
    line = MeetingLine(f"Från {agency_name(source.fact.origin, catalogue)}",
                       own_basis(among, catalogue, recipient=recipient)(source.basis), basis_ids(source.basis))
    return PlannedMeeting(_day(planned.on), MEETING_KINDS.get(planned.kind or "", ""), line)


def replay_query(entry: Any, catalogue: Catalogue) -> str:
    """The replay's query for an access-log entry (an ``AccessEntry``): its reader's agency as of the read's moment —
    what that agency could see when it read, one click from the access log's row; "" for a reader that is no
    agency of the catalogue (an auditor, the command line), which has no view to replay."""
    if entry.agency not in catalogue.agencies:
        return ""
    return "?" + urlencode({"myndighet": entry.agency, "tid": replay_moment(entry.at)})


def replay_moment(at: datetime) -> str:
    """A moment as the replay's form takes it (``typed_moment``) and its field shows it: Swedish time to the
    millisecond, rounded up — rounded down, a fact recorded in that millisecond before the read would be left
    out — and with its offset where the clocks showed that time twice (without a zone it is refused there)."""
    local = (at + timedelta(microseconds=-at.microsecond % 1000)).astimezone(STOCKHOLM)
    wall = local.replace(tzinfo=None)
    return (wall if in_swedish_time(wall) is not None else local).isoformat(timespec="milliseconds")
