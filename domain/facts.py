"""A case's history seen as facts: each event, or each part of one, with its origin and category.

Disclosure decides fact by fact, so an event that holds several kinds of
information (a meeting's outcomes, a plan's rows, a consent's recipients) is
split into parts here, each with the category its content reveals.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Callable, Mapping

from domain import case_events as ev
from domain.catalogue import Catalogue
from domain.identity import PersonalIdentityNumber
from domain.values import ROUTE_TELLS, YOUNG_PERSON, PlanParticipation, scope_for


@dataclass(frozen=True)
class Fact:
    fact_id: str                 # "<event version>" or "<event version>.<part>": stable within the case
    version: int                 # the event's position in the case's history
    kind: str
    category: str
    origin: str                  # the agency the information comes from
    recorded_at: datetime
    content: Mapping[str, Any] = field(compare=False, hash=False)
    administrative: bool = False         # the case owner (social services) sees it as administration
    audience: frozenset[str] | None = None  # when set, no agency outside it may ever see the fact
    legal_basis: str | None = None       # a ground other than consent the fact was recorded under
    # The agency that recorded the fact in the origin's name (a meeting's minutes giving what each agency said, a
    # referral social services registered); None when the origin recorded it itself.  Such a fact is *attributed*:
    # the origin sees it under consent like anyone, not as its own — nothing but the recorder vouches that it said
    # so, and a recorder could otherwise send any agency anything, unconsented, as "its own information".
    # Auditors are shown the recorder; members are not (a member recording a meeting is itself information).
    recorded_by: str | None = None
    # The agencies besides its origin whose part in the group the fact's content tells: a plan row's responsible
    # agencies.  A reader is shown only those whose memberships it may see (``Judge.disclosure``).
    names: tuple[str, ...] = ()

    @property
    def attributed(self) -> bool:
        return self.recorded_by is not None


VARIANT = "~"   # a fact id's mark of a fact shown with names withheld: "13.row.0~skola"


def withheld_variant(fact: Fact, shown: tuple[str, ...]) -> Fact:
    """A plan row as shown naming only ``shown`` of its responsible agencies: a fact of its own, its id the row's
    marked with the names shown, so that showing more or fewer names ends one and discloses the other."""
    return replace(fact, fact_id=f"{fact.fact_id}{VARIANT}{'+'.join(shown)}",
                   content={**fact.content, "responsible_agencies": shown}, names=shown)


def as_shown(facts: Mapping[str, Fact], fact_id: str) -> Fact | None:
    """The fact a stored id names, from the case's recorded facts by id (None: the history names no such fact): a
    row shown with names withheld made again from its row and the names its id carries."""
    fact = facts.get(fact_id)
    if fact is not None or VARIANT not in fact_id:
        return fact
    recorded_id, _, shown = fact_id.partition(VARIANT)
    recorded = facts.get(recorded_id)
    return None if recorded is None else withheld_variant(recorded, tuple(shown.split("+")) if shown else ())


def fact_order(fact: Any) -> tuple:
    """The order facts happened in (anything with ``version`` and ``fact_id``): by event, then by part,
    numbered parts by number (``row.2`` before ``row.10``, which comparing the ids as strings would put last)."""
    parts = fact.fact_id.partition(VARIANT)[0].split(".")[1:]   # a variant sorts where its fact does
    return (fact.version, *((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts))


def facts_of(event: Any, case: Any, catalogue: Catalogue) -> tuple[Fact, ...]:
    """The facts one event records, given the case as it stands just after the event."""
    builder = _BUILDERS.get(type(event))
    return builder(event, case, catalogue, _Maker(event, catalogue.lead_agency)) if builder else ()


class _Maker:
    def __init__(self, event: Any, lead: str) -> None:
        self.event, self.lead = event, lead

    def __call__(self, kind: str, category: str, content: Mapping[str, Any], *, part: str | None = None,
                 origin: str | None = None, administrative: bool = True, audience: frozenset[str] | None = None,
                 legal_basis: str | None = None, attributed: bool = False, names: tuple[str, ...] = ()) -> Fact:
        version = self.event.originator_version
        return Fact(
            fact_id=str(version) if part is None else f"{version}.{part}", version=version, kind=kind,
            category=category, origin=origin or self.event.recorded_by.agency, recorded_at=self.event.timestamp,
            content=content, administrative=administrative, audience=audience, legal_basis=legal_basis,
            recorded_by=self.event.recorded_by.agency if attributed else None, names=tuple(names))


def _referral(e: ev.ReferralReceived, case: Any, catalogue: Catalogue, fact: _Maker) -> tuple[Fact, ...]:
    identity = PersonalIdentityNumber(e.subject.personnummer)
    route_basis = e.entry_route if e.entry_route in catalogue.legal_bases else None
    category = ROUTE_TELLS.get(e.entry_route, e.summary_category)
    return (
        fact("case.opened", "case", {"case_number": e.case_number, "municipality": e.municipality}, part="case"),
        fact("case.subject", "case", {"name": e.subject.name, "personnummer": identity.formatted(),
                                      "birth_date": identity.birth_date}, part="subject"),
        # Social services records the referral in the referring agency's name: attributed, as a meeting's outcome
        # in another's name is (it could otherwise send that agency anything, as its own).
        # Filed where its route says (a LUL 6 § notification: `crime`), also when stored before that was checked.
        fact("referral", category, {
            "entry_route": e.entry_route, "referring_agency": e.referring_agency, "referral_date": e.referral_date,
            "summary": e.summary, "category": category}, part="referral", origin=e.referring_agency,
            legal_basis=route_basis, attributed=e.referring_agency != e.recorded_by.agency),
        # That social services opened the case knowing of other open cases for the young person: its own
        # administration, for it (and auditors) alone — to a member it would tell that another case exists.
        *((fact("referral.duplicate_confirmed", "case", {"open_cases": tuple(
            {"case_id": c.case_id, "case_number": c.case_number} for c in e.despite_open_cases)},
            part="duplicate_confirmed", audience=frozenset({fact.lead})),) if e.despite_open_cases else ()),
    )


def _eligibility(e: ev.EligibilityDecided, case: Any, catalogue: Catalogue, fact: _Maker) -> tuple[Fact, ...]:
    return (fact("eligibility", "assessment", {
        "accepted": e.accepted, "reasons": e.reasons, "instruments": e.instruments, "decided_on": e.decided_on,
        "outside_target_group_reason": e.outside_target_group_reason}),)


def _guardians(e: ev.GuardiansRecorded, case: Any, catalogue: Catalogue, fact: _Maker) -> tuple[Fact, ...]:
    return (fact("guardians", "family", {"guardians": tuple(
        {"guardian_id": g.guardian_id, "name": g.name, "has_custody": g.has_custody} for g in e.guardians)}),)


def _consent_facts(kind: str, e: Any, case: Any, fact: _Maker, scope: tuple, extra: Mapping[str, Any]) -> tuple:
    """The owner sees the whole consent; each recipient only its own part of it."""
    record = case.consents[e.consent_id]
    consenter = "den unge" if record.consenter == YOUNG_PERSON else case.known_guardians[record.consenter].name
    common = {"consent_id": e.consent_id, "consenter": record.consenter, "consenter_name": consenter, **extra}
    whole = fact(kind, "case", {**common, "scope": tuple((s.agency, s.categories) for s in record.scope)},
                 part="owner", audience=frozenset({fact.lead}))
    parts = tuple(
        fact(kind, "case", {**common, "categories": scope_for(record.scope, agency)}, part=f"to.{agency}",
             audience=frozenset({agency}), administrative=False)
        for agency in sorted({s.agency for s in scope}) if agency != fact.lead)
    return (whole, *parts)


def _consent_granted(e: ev.ConsentGranted, case: Any, catalogue: Catalogue, fact: _Maker) -> tuple[Fact, ...]:
    return _consent_facts("consent.granted", e, case, fact, e.scope, {
        "purpose": e.purpose, "valid_from": e.valid_from, "valid_until": e.valid_until, "form": e.form})


def _consent_narrowed(e: ev.ConsentNarrowed, case: Any, catalogue: Catalogue, fact: _Maker) -> tuple[Fact, ...]:
    # A recipient is told when its own part changed — fewer categories, none left, or an earlier end — and only
    # then: telling one whose part stayed as it was would tell it that the consent had other recipients.
    record = case.consents[e.consent_id]
    before, until = record.narrowed_from or (record.granted_scope, record.valid_until)
    changed = tuple(s for s in before if until != record.valid_until
                    or scope_for(before, s.agency) != scope_for(record.scope, s.agency))
    return _consent_facts("consent.narrowed", e, case, fact, changed, {"valid_until": e.valid_until})


def _consent_withdrawn(e: ev.ConsentWithdrawn, case: Any, catalogue: Catalogue, fact: _Maker) -> tuple[Fact, ...]:
    # Told to the recipients it still had: one a narrowing left out was told then, and telling it now would tell
    # it that the consent went on for others.
    still = tuple(s for s in case.consents[e.consent_id].scope if s.categories)
    return _consent_facts("consent.withdrawn", e, case, fact, still, {})


def _membership(kind: str) -> Callable[..., tuple[Fact, ...]]:
    def build(e: Any, case: Any, catalogue: Catalogue, fact: _Maker) -> tuple[Fact, ...]:
        content = {"agency": e.agency, **({"contact_person": e.contact_person, "role": e.role}
                                          if kind == "member.joined" else {"reason": e.reason})}
        return (fact(kind, catalogue.membership_category(e.agency), content),)
    return build


def _plan(e: ev.PlanRevised, case: Any, catalogue: Catalogue, fact: _Maker) -> tuple[Fact, ...]:
    # Who drew the plan up travels with its goal: the plan's administration (`case`), shown to whoever sees the goal.
    # Guardians by id only: their names are the `family` fact's, which a reader of the goal may not see.
    goal = fact("plan.goal", "case", {"revision": e.revision, "main_goal": e.main_goal,
                                      **participation_content(e.participation)}, part="goal")
    rows = tuple(fact("plan.row", row.category, {
        "revision": e.revision, "row_id": row.row_id, "area": row.area, "goal": row.goal, "how": row.how,
        "responsible": row.responsible, "responsible_agencies": row.responsible_agencies,
        "follow_up": row.follow_up, "position": i}, part=f"row.{i}", names=row.responsible_agencies)
        for i, row in enumerate(e.rows))
    return (goal, *rows)


def participation_content(participation: PlanParticipation | None) -> dict[str, Any]:
    """A plan revision's participation as its goal fact carries it; ``young_person_took_part`` None: not recorded
    (a revision stored before it was asked, or one recorded without it)."""
    if participation is None:
        return {"young_person_took_part": None, "guardians_took_part": (), "not_taking_part_reason": None}
    return {"young_person_took_part": participation.young_person, "guardians_took_part": participation.guardians,
            "not_taking_part_reason": participation.not_taking_part_reason or None}


def _meeting(e: ev.MeetingHeld, case: Any, catalogue: Catalogue, fact: _Maker) -> tuple[Fact, ...]:
    # The meeting itself, its attendance and its decisions are the case's administration when social services
    # records them; a member's record of a meeting is its own information, which reaches social services
    # through consent or law like any other member's.
    by_lead = e.recorded_by.agency == fact.lead
    meeting = {"meeting_id": e.meeting_id, "held_on": e.held_on}
    core = fact("meeting", "case", {**meeting, "other_attendees": e.other_attendees,
                                    "next_meeting": e.next_meeting}, part="meeting", administrative=by_lead)
    attendees = tuple(fact("meeting.attendee", catalogue.membership_category(a), {**meeting, "agency": a},
                           part=f"attendee.{a}", administrative=by_lead) for a in e.attendees)
    outcomes = tuple(fact("meeting.outcome", o.category, {**meeting, "text": o.text, "origin_agency": o.origin_agency},
                          part=f"outcome.{i}", origin=o.origin_agency, administrative=False,
                          attributed=o.origin_agency != e.recorded_by.agency)
                     for i, o in enumerate(e.outcomes))
    decisions = tuple(fact("meeting.decision", d.category, {**meeting, "text": d.text}, part=f"decision.{i}",
                           administrative=by_lead)
                      for i, d in enumerate(e.decisions))
    return (core, *attendees, *outcomes, *decisions)


def _meeting_scheduled(e: ev.MeetingScheduled | ev.MeetingCalledOff, case: Any, catalogue: Catalogue, fact: _Maker
                       ) -> tuple[Fact, ...]:
    # The group's next meeting as social services planned it: of category `case` and the lead's administration, as
    # a meeting's own "next meeting" is (its `meeting` fact), so it reaches exactly those who could see that one.
    # Called off, the same kind says so with no day (a reader's latest such fact, or later meeting, is the plan).
    scheduled = isinstance(e, ev.MeetingScheduled)
    return (fact("meeting.scheduled", "case", {
        "next_meeting": e.scheduled_on if scheduled else None, "meeting_kind": e.meeting_kind if scheduled else None,
        "called_off": None if scheduled else e.called_off}),)


def _contribution(e: ev.ContributionRecorded, case: Any, catalogue: Catalogue, fact: _Maker) -> tuple[Fact, ...]:
    return (fact("contribution", e.category, {"contribution_id": e.contribution_id, "agency": e.agency,
                                              "category": e.category, "text": e.text},
                 origin=e.agency, administrative=False, legal_basis=e.legal_basis),)


def _follow_up(e: ev.FollowUpRecorded, case: Any, catalogue: Catalogue, fact: _Maker) -> tuple[Fact, ...]:
    return (fact("follow_up", e.row_category, {"row_id": e.row_id, "status": e.status, "note": e.note,
                                               "agency": e.agency}, origin=e.agency, administrative=False),)


def _calendar(e: ev.CalendarPassed, case: Any, catalogue: Catalogue, fact: _Maker) -> tuple[Fact, ...]:
    return tuple(fact("calendar", "case", {"at": m.at, "what": m.what, "consent_id": m.consent_id},
                      part=f"moment.{i}", audience=frozenset({fact.lead})) for i, m in enumerate(e.moments))


def _protection(e: ev.ProtectionRecorded | ev.ProtectionLifted, case: Any, catalogue: Catalogue, fact: _Maker
                ) -> tuple[Fact, ...]:
    # The case's administration, of category `case` and origin social services, as the case's opening is: it reaches
    # exactly those who see that the case exists, through the rules unchanged.  Lifted, the same kind says so (a
    # reader's latest such fact is the state it is told).
    protected = isinstance(e, ev.ProtectionRecorded)
    return (fact("case.protected", "case", {"protected": protected, "kind": e.kind if protected else None,
                                            "since": e.since}),)


def _closure(e: ev.CaseClosed, case: Any, catalogue: Catalogue, fact: _Maker) -> tuple[Fact, ...]:
    return (fact("case.closed", "case", {"reason": e.reason, "outcome": e.outcome}),)


_BUILDERS: dict[type, Callable[..., tuple[Fact, ...]]] = {
    ev.ReferralReceived: _referral,
    ev.EligibilityDecided: _eligibility,
    ev.GuardiansRecorded: _guardians,
    ev.ConsentGranted: _consent_granted,
    ev.ConsentNarrowed: _consent_narrowed,
    ev.ConsentWithdrawn: _consent_withdrawn,
    ev.MemberJoined: _membership("member.joined"),
    ev.MemberLeft: _membership("member.left"),
    ev.PlanRevised: _plan,
    ev.MeetingHeld: _meeting,
    ev.MeetingScheduled: _meeting_scheduled,
    ev.MeetingCalledOff: _meeting_scheduled,
    ev.ContributionRecorded: _contribution,
    ev.FollowUpRecorded: _follow_up,
    ev.CaseClosed: _closure,
    ev.ProtectionRecorded: _protection,
    ev.ProtectionLifted: _protection,
    ev.CalendarPassed: _calendar,
}
