"""The case: one young person's social intervention group, led by social services.

Each command checks its rules, then triggers one event; state changes only
in the events' ``apply_to``.  Time is a parameter (``at``): the domain never
reads a clock.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain import case_events as ev
from domain.calendar import age_on, birthday, local_date
from domain.case_rules import (
    SHORT_TEXT, check_accepted, check_choice, check_in_time_order, check_lead, check_not_before_birth,
    check_not_in_future, check_open, check_optional_text, check_text, first_repeat, recording_time,
)
from domain.calendar_commands import CalendarCommands
from domain.catalogue import Catalogue
from domain.consent_commands import ConsentCommands
from domain.group_commands import GroupCommands
from domain.protection_commands import ProtectionCommands
from domain.errors import (
    EligibilityAlreadyDecided, ExtractRecipientRefused, GuardiansUnchanged, InvalidInput, OutsideTargetGroup,
)
from domain.identity import PersonalIdentityNumber
from domain.values import (
    ROUTE_TELLS, YOUNG_PERSON, Actor, ConsentRecord, EntryRoute, Guardian, Instrument, Membership, OpenCase, Phase,
    PlanParticipation, Protection, YoungPerson,
)

TARGET_AGES = range(15, 26)  # 15–25 inclusive
_CONTAINERS = (dict, list, set)


def _container_copy(value: Any) -> Any:
    return type(value)(value) if type(value) in _CONTAINERS else value


class Case(ConsentCommands, GroupCommands, CalendarCommands, ProtectionCommands, Aggregate):
    """Consent commands live in ``ConsentCommands``, the group's work in ``GroupCommands``, the
    calendar's moments in ``CalendarCommands``, protected personal data in ``ProtectionCommands``."""

    # Class-level too: a case restored from a snapshot taken before protection was recorded has no such attribute.
    protection: Protection | None = None
    # Class-level too: who took part in drawing up the current plan (``PlanRevised``; None: not recorded), for a case
    # restored from a snapshot taken before it was kept.
    plan_participation: PlanParticipation | None = None

    def __init__(self, recorded_by: Actor, case_number: str, municipality: str, subject: YoungPerson,
                 entry_route: str, referring_agency: str, referral_date: date, summary: str,
                 summary_category: str, despite_open_cases: tuple[OpenCase, ...] = ()) -> None:
        self.case_number = case_number
        self.despite_open_cases = despite_open_cases
        self.municipality = municipality
        self.referral_date = referral_date
        self.subject = subject
        self.born = PersonalIdentityNumber(subject.personnummer).birth_date
        self.phase = Phase.REFERRED
        self.guardians: dict[str, Guardian] = {}        # as recorded now
        self.known_guardians: dict[str, Guardian] = {}  # everyone ever recorded
        self.consents: dict[str, ConsentRecord] = {}
        self.members: dict[str, Membership] = {}
        self.plan_revision = 0
        self.main_goal: str | None = None
        self.plan_rows: dict = {}
        self.plan_participation = None
        self.protection = None   # skyddade personuppgifter as recorded now (ProtectionRecorded, ProtectionLifted)
        self.last_recorded_at = self.created_on

    def __deepcopy__(self, memo: dict) -> Case:
        """A copy that events can change without changing this case: new containers, the same values.

        Everything a case holds is immutable (frozen records, dates, strings) except its containers, which
        events change by putting new records in, never by changing one held.  Copying one level is therefore
        exact, and a tenth of the cost of the generic deep copy (a write copies the case twice)."""
        twin = object.__new__(type(self))
        twin.__dict__.update({name: _container_copy(value) for name, value in vars(self).items()})
        memo[id(self)] = twin
        return twin

    # -- opening ---------------------------------------------------------

    @classmethod
    def receive_referral(cls, *, case_number: str, municipality: str, personnummer: str, name: str,
                         entry_route: str, referring_agency: str, referral_date: date, summary: str,
                         summary_category: str, by: Actor, at: datetime, catalogue: Catalogue,
                         case_id: UUID | None = None, despite_open_cases: Iterable[OpenCase] = ()) -> Case:
        """Open a case from a referral; only social services opens cases.  ``despite_open_cases``: the open cases
        of the municipality for the same young person that social services confirmed it opens this one beside."""
        check_lead(catalogue, by, "open a case")
        catalogue.municipality(municipality)
        identity = PersonalIdentityNumber.parse(personnummer, today=local_date(at))
        check_choice(entry_route, EntryRoute, "entry_route")
        catalogue.agency(referring_agency, field="referring_agency")
        _check_route_fits_referrer(entry_route, referring_agency, catalogue)
        catalogue.category(summary_category, field="summary_category")
        _check_route_fits_category(entry_route, summary_category)
        check_not_in_future(referral_date, at, "referral_date")
        check_not_before_birth(referral_date, identity.birth_date, "referral_date")
        _check_route_basis_applies(entry_route, summary_category, identity.birth_date, referral_date, catalogue)
        return cls._create(
            ev.ReferralReceived, id=case_id or uuid4(), timestamp=at, recorded_by=by,
            case_number=case_number, municipality=municipality,
            subject=YoungPerson(identity.digits, check_text(name, "name", max_length=SHORT_TEXT)),
            entry_route=entry_route, referring_agency=referring_agency, referral_date=referral_date,
            summary=check_text(summary, "summary"), summary_category=summary_category,
            despite_open_cases=tuple(OpenCase(str(c.case_id), c.case_number) for c in despite_open_cases),
        )

    def decide_eligibility(self, *, accepted: bool, reasons: str, instruments: Iterable[str],
                           decided_on: date, by: Actor, at: datetime, catalogue: Catalogue,
                           outside_target_group_reason: str | None = None) -> None:
        """Social services decides whether the young person is relevant for a group."""
        self._check_command(by, at, catalogue, lead_only="decide eligibility")
        if self.phase is not Phase.REFERRED:
            raise EligibilityAlreadyDecided("eligibility has already been decided for this case")
        check_decision_day(decided_on, self.referral_date, at)
        instruments = tuple(check_choice(i, Instrument, f"instruments.{n}") for n, i in enumerate(instruments))
        repeat = first_repeat(instruments)
        if repeat is not None:
            raise InvalidInput(f"the instrument '{repeat[1]}' is named twice: name each once",
                               field=f"instruments.{repeat[0]}")
        reason = check_optional_text(outside_target_group_reason, "outside_target_group_reason")
        check_reason_outside_target_group(accepted, self.born, decided_on, reason)
        self._trigger(ev.EligibilityDecided, at, by, accepted=accepted, reasons=check_text(reasons, "reasons"),
                      instruments=instruments, decided_on=decided_on, outside_target_group_reason=reason or None)

    def record_guardians(self, *, guardians: Iterable[Guardian], by: Actor, at: datetime,
                         catalogue: Catalogue) -> None:
        """Record who has custody from now on; each guardian keeps its id across records."""
        self._check_command(by, at, catalogue, lead_only="record guardians")
        guardians = tuple(guardians)
        self._check_guardian_ids(guardians)
        recorded = tuple(   # each refusal at its guardian's place in the list (guardians.1.name), as the API promises
            Guardian(g.guardian_id or str(uuid4()), check_text(g.name, f"guardians.{n}.name", max_length=SHORT_TEXT),
                     bool(g.has_custody))
            for n, g in enumerate(guardians))
        if not recorded:
            raise InvalidInput("at least one guardian must be recorded", field="guardians")
        if {g.guardian_id: g for g in recorded} == self.guardians:
            raise GuardiansUnchanged("these guardians are already recorded so (the same names and custody): change"
                                     " something, or there is nothing to record", field="guardians")
        self._trigger(ev.GuardiansRecorded, at, by, guardians=recorded)

    def _check_guardian_ids(self, guardians: tuple[Guardian, ...]) -> None:
        """A given id must be a guardian recorded before, once.  Consents are kept by consenter id: a guardian under
        the young person's id would have the young person's own consent counted as the guardian's (a 16-year-old's
        consent alone opening the case to the school), and two guardians under one id would be one, whose consent
        alone stood for both."""
        seen: set[str] = set()
        for i, g in enumerate(guardians):
            if not g.guardian_id:
                continue   # a new guardian: its id is made here
            if g.guardian_id not in self.known_guardians:
                raise InvalidInput("no guardian with this id was recorded in this case; leave the id out for a new"
                                   " guardian", field=f"guardians.{i}.guardian_id")
            if g.guardian_id in seen:
                raise InvalidInput("this guardian is listed twice", field=f"guardians.{i}.guardian_id")
            seen.add(g.guardian_id)

    # -- queries -----------------------------------------------------------

    def age_on(self, day: date) -> int:
        return age_on(self.born, day)

    @property
    def eighteenth_birthday(self) -> date:
        return birthday(self.born, 18)

    def check_extract_for(self, recipient: str, at: datetime) -> None:
        """Whom the extract (who has read what) may be handed to at ``at``: the young person; a guardian only with
        custody and while the young person is under 18 — after that it would tell a guardian, say, that child
        psychiatry read the file, which the young person's own consent decides."""
        if recipient == YOUNG_PERSON:
            return
        guardian = self.guardians.get(recipient)
        if guardian is None or not guardian.has_custody:
            raise ExtractRecipientRefused("the extract is for the young person or a guardian with custody (a"
                                          " guardian's id from this case)", field="recipient")
        if self.age_on(local_date(at)) >= 18:
            raise ExtractRecipientRefused("the young person is 18 or older: the extract is theirs alone",
                                          field="recipient")

    def extract_leaves_out_readers(self, recipient: str) -> bool:
        """Whether the extract made for ``recipient`` leaves out who read and why (names, ids, roles, purposes,
        systems' names): a guardian's, while the young person has skyddade personuppgifter recorded — a protection
        is often against a parent, and a reader's name or a purpose typed can tell where the young person now is
        (``services.guardian_extract``).  The young person's own is whole; ending the protection makes it whole."""
        return recipient != YOUNG_PERSON and self.protection is not None

    def recording_time(self, now: datetime) -> datetime:
        """When a command handled at ``now`` is recorded: not before the latest event (see ``case_rules``)."""
        return recording_time(self.last_recorded_at, now)

    def is_member(self, agency: str, catalogue: Catalogue) -> bool:
        return agency == catalogue.lead_agency or agency in self.members

    # -- internals ---------------------------------------------------------

    def _check_command(self, by: Actor, at: datetime, catalogue: Catalogue, *, lead_only: str | None = None,
                       needs_accepted: str | None = None) -> None:
        check_in_time_order(self.last_recorded_at, at)
        if lead_only:
            check_lead(catalogue, by, lead_only)
        if needs_accepted:
            check_accepted(self.phase, needs_accepted)
        else:
            check_open(self.phase)

    def _trigger(self, event_class: type, at: datetime, by: Actor, **fields: object) -> None:
        self.trigger_event(event_class, timestamp=at, recorded_by=by, **fields)


def _check_route_fits_category(entry_route: str, summary_category: str) -> None:
    tells = ROUTE_TELLS.get(entry_route)
    if tells is not None and summary_category != tells:
        raise InvalidInput(f"a referral by the route '{entry_route}' tells of a suspected crime: file its summary"
                           f" under '{tells}'", field="summary_category")


def _check_route_fits_referrer(entry_route: str, referring_agency: str, catalogue: Catalogue) -> None:
    """A LUL 6 § notification comes from the police; a route backed by law only from its senders."""
    basis = catalogue.legal_bases.get(entry_route)
    if basis is not None and referring_agency not in basis.senders:
        raise InvalidInput(f"a {basis.name} cannot come from '{referring_agency}'", field="referring_agency")


def check_decision_day(decided_on: date, referral_date: date, at: datetime) -> None:
    """An eligibility decision's day: not in the future, not before the referral it decides on."""
    check_not_in_future(decided_on, at, "decided_on")
    if decided_on < referral_date:
        raise InvalidInput(f"the decision is dated before the referral date ({referral_date}): social services"
                           " decides on a referral it has received", field="decided_on")


def check_reason_outside_target_group(accepted: bool, born: date, decided_on: date, reason: str | None) -> None:
    """Accepting someone outside 15–25 on the decision's day needs a recorded reason."""
    if accepted and age_on(born, decided_on) not in TARGET_AGES and not reason:
        raise OutsideTargetGroup("the young person is outside the target group 15–25: record a reason to accept",
                                 field="outside_target_group_reason")


def _check_route_basis_applies(entry_route: str, summary_category: str, born: date, referral_date: date,
                               catalogue: Catalogue) -> None:
    """A route backed by law cites that law's conditions as a contribution's legal basis does: its categories, and
    for one that applies under 18 only (LUL 6 §: "någon som inte har fyllt arton år"; SoL 14 kap. 1 §: a child) the
    young person under 18 on the referral's date.  An adult "LUL 6 §-underrättelse" cited a law that cannot apply."""
    basis = catalogue.legal_bases.get(entry_route)
    if basis is None:
        return
    if summary_category not in basis.categories:
        raise InvalidInput(f"a {basis.name} does not carry the category '{summary_category}': file its summary under"
                           f" one of {', '.join(sorted(basis.categories))}", field="summary_category")
    if not basis.covers_age(age_on(born, referral_date)):
        raise InvalidInput(f"a {basis.name} concerns only someone under {basis.under_age} on its date: the young"
                           f" person was {basis.under_age} or older on the referral date; choose the route 'known' or"
                           " 'other'", field="entry_route")
