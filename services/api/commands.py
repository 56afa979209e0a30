"""The command bodies of the API: one pydantic model per command, turned into the domain's arguments.

Models bound sizes and shapes; the domain decides every rule (and names the
field it refuses).  ``expected_version`` (or an If-Match header) is the
version the client last saw; a stale one gets 409.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, field_validator
from pydantic_core import PydanticCustomError

from domain.group_commands import PlanRowDraft
from domain.values import ClosureReason, ConsentForm, Decision, EntryRoute, FollowUpStatus, Guardian, Instrument
from domain.values import MeetingKind, Outcome, ProtectionKind, ScopeEntry
from services.api.query_numbers import DIGITS

Short = Field(min_length=1, max_length=200)
Text = Field(min_length=1, max_length=4000)
Id = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")
Version = Field(default=None, ge=0, le=1_000_000, description="the version you last saw; 409 if it is stale")
Many = 200
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _written_as_a_day(value: Any) -> Any:
    """A date as YYYY-MM-DD only.  Pydantic's lax mode reads more: ``"referral_date": 0`` was a referral of
    1970-01-01 (and counted in that year's statistics), 1761955200 and "1761955200" seconds since 1970, and a
    midnight with any zone ("2026-11-01T00:00:00+14:00") the date it wrote — not what anyone sending them means."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value   # None: left out (or required, which pydantic says); a date: the web client's own
    if isinstance(value, str) and ISO_DAY.fullmatch(value):
        return value
    raise PydanticCustomError("date_parsing", "a date is written YYYY-MM-DD, e.g. 2026-02-03 (not a number of"
                              " seconds, nor a time)")


# Every date a command names.
Day = Annotated[date, BeforeValidator(_written_as_a_day)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)
    expected_version: int | None = Version

    @field_validator("expected_version", mode="before")
    @classmethod
    def _a_whole_number(cls, value: Any) -> Any:
        # true and 1.0 pass for 1 in pydantic's lax mode: not versions.  (A form's "5" is one: the web client's.)
        # Nor "1_0" or "+5", which int() reads: a version is plain digits (services.api.query_numbers).
        if isinstance(value, (bool, float)) or isinstance(value, str) and not DIGITS.fullmatch(value):
            raise ValueError("expected_version is a whole number, e.g. 5")
        return value

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments for the application's command."""
        return self.model_dump(exclude={"expected_version"})


class Referral(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, json_schema_extra={"examples": [{
        "municipality": "0180", "personnummer": "200901012385", "name": "Elias Exempel",
        "entry_route": "lul6", "referring_agency": "polis", "referral_date": "2026-02-01",
        "summary": "Misstänkt för rån tillsammans med äldre ungdomar.", "summary_category": "crime"}]})
    # Social services opens cases only in its own municipality, which the caseworker's sign-in names: left out, it is
    # that one; given, it must be that one (403 otherwise).
    municipality: str | None = Field(default=None, min_length=4, max_length=4, pattern=r"^[0-9]{4}$",
                                     description="the municipality's code, e.g. 0180; left out: the sign-in's")
    personnummer: str = Field(min_length=10, max_length=13, description="personnummer or samordningsnummer")
    name: str = Short
    entry_route: EntryRoute
    referring_agency: str = Id
    referral_date: Day
    summary: str = Text
    summary_category: str = Id
    # Yes or no, not the case numbers seen: the caseworker decides that this young person gets another case, which
    # a case opened meanwhile does not change; true or false only (a form's "on" is the web client's to read).  The
    # case records the open cases it was opened beside, for social services and auditors (ReferralReceived).
    duplicate_confirmed: StrictBool = Field(
        default=False, description="true: open the case although the municipality has an open case for the same"
                                   " personnummer (the 409 possible_duplicate named it); the case records the open"
                                   " cases it was opened beside, seen by social services and auditors only")


class Eligibility(Command):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, json_schema_extra={"examples": [{
        "accepted": True, "reasons": "Hög risk enligt SAVRY.", "instruments": ["SAVRY"],
        "decided_on": "2026-02-03"}]})
    accepted: StrictBool   # `0` or "no" was read as false: a decision recorded for good from a number or a word
    reasons: str = Text
    instruments: list[Instrument] = Field(default_factory=list, max_length=10)
    decided_on: Day
    outside_target_group_reason: str | None = Field(default=None, max_length=4000)


class GuardianIn(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)
    guardian_id: str | None = Field(default=None, min_length=1, max_length=100,
                                    description="the id of a guardian recorded before; omit for a new one")
    name: str = Short
    has_custody: StrictBool = True   # "off" was read as false: a guardian whose consent would not be asked


class Guardians(Command):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, json_schema_extra={"examples": [{
        "guardians": [{"name": "Maria Exempel", "has_custody": True}]}]})
    guardians: list[GuardianIn] = Field(min_length=1, max_length=10)

    def arguments(self) -> dict[str, Any]:
        return {"guardians": [Guardian(g.guardian_id or "", g.name, g.has_custody) for g in self.guardians]}


class ScopeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)
    agency: str = Id
    categories: list[str] = Field(min_length=1, max_length=20)


def _scope(entries: list[ScopeIn]) -> list[ScopeEntry]:
    return [ScopeEntry(e.agency, tuple(e.categories)) for e in entries]


class Consent(Command):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, json_schema_extra={"examples": [{
        "consenter": "young_person", "scope": [{"agency": "skola", "categories": ["school", "case"]}],
        "purpose": "Samverkan i SIG", "valid_from": "2026-02-03", "valid_until": "2026-08-03",
        "form": "written"}]})
    consenter: str = Field(min_length=1, max_length=100, description="young_person, or a guardian's id")
    scope: list[ScopeIn] = Field(min_length=1, max_length=Many)
    purpose: str = Short
    valid_from: Day
    valid_until: Day | None = None
    form: ConsentForm

    def arguments(self) -> dict[str, Any]:
        return {**super().arguments(), "scope": _scope(self.scope)}


class Narrowing(Command):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, json_schema_extra={"examples": [{
        "consenter": "young_person", "scope": [{"agency": "skola", "categories": ["school"]}],
        "valid_until": "2026-05-01"}]})
    consenter: str = Field(min_length=1, max_length=100)
    scope: list[ScopeIn] = Field(min_length=1, max_length=Many)
    valid_until: Day | None = None

    def arguments(self) -> dict[str, Any]:
        return {**super().arguments(), "scope": _scope(self.scope)}


class Withdrawal(Command):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, json_schema_extra={"examples": [{"consenter": "young_person"}]})
    consenter: str = Field(min_length=1, max_length=100)


class Member(Command):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, json_schema_extra={"examples": [{
        "agency": "skola", "contact_person": "Kim Rektor", "role": "kontaktperson"}]})
    agency: str = Id
    contact_person: str = Short
    role: str = Short


class Departure(Command):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, json_schema_extra={"examples": [{"reason": "Eleven har bytt skola."}]})
    reason: str = Text


class PlanRowIn(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)
    area: str = Short
    goal: str = Text
    how: str = Text
    responsible: str = Short
    responsible_agencies: list[str] = Field(default_factory=list, max_length=20)
    follow_up: str = Field(default="", max_length=4000)
    category: str | None = Field(default=None, max_length=100)
    row_id: str | None = Field(default=None, min_length=1, max_length=100,
                               description="carry a row of the current plan forward")


class Plan(Command):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, json_schema_extra={"examples": [{
        "main_goal": "Elias fullföljer årskurs 9 utan nya brott.",
        "rows": [{"area": "Skola", "goal": "Närvaro över 90 %", "how": "Daglig avstämning",
                  "responsible": "Mentor", "responsible_agencies": ["skola"]}],
        "young_person_took_part": True}]})
    main_goal: str = Field(min_length=1, max_length=400)
    rows: list[PlanRowIn] = Field(min_length=1, max_length=Many)
    # Who drew this revision up with social services ("i samråd med individen och berörda parter"): true or false
    # only; left out, it is recorded as not stated.
    young_person_took_part: StrictBool | None = Field(
        default=None, description="whether the young person took part in drawing up this revision; null or left"
                                  " out: not recorded")
    guardians_took_part: list[str] = Field(
        default_factory=list, max_length=10, description="the ids of the case's recorded guardians who took part")
    not_taking_part_reason: str | None = Field(
        default=None, max_length=200, description="why the young person did not take part: required when"
                                                  " young_person_took_part is false, refused beside true")

    def arguments(self) -> dict[str, Any]:
        return {"main_goal": self.main_goal, "rows": [
            PlanRowDraft(r.area, r.goal, r.how, r.responsible, tuple(r.responsible_agencies), r.follow_up,
                         r.category, r.row_id) for r in self.rows],
                "young_person_took_part": self.young_person_took_part,
                "guardians_took_part": tuple(self.guardians_took_part),
                "not_taking_part_reason": self.not_taking_part_reason}


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)
    category: str = Id
    origin_agency: str = Id
    text: str = Text


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)
    text: str = Text
    # Required, as the web form's is: under a default `case` every member seeing the case saw the decision,
    # whatever it was about ("Medicinering prövas" reached the school and the police).
    category: str = Field(min_length=1, max_length=100)


class Meeting(Command):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, json_schema_extra={"examples": [{
        "held_on": "2026-02-10", "attendees": ["skola"], "other_attendees": ["Elias"],
        "outcomes": [{"category": "school", "origin_agency": "skola", "text": "Närvaron har ökat."}],
        "decisions": [{"text": "Nytt möte om fyra veckor.", "category": "case"}], "next_meeting": "2026-03-10"}]})
    held_on: Day
    attendees: list[str] = Field(default_factory=list, max_length=50)
    other_attendees: list[str] = Field(default_factory=list, max_length=50)
    outcomes: list[OutcomeIn] = Field(default_factory=list, max_length=Many)
    decisions: list[DecisionIn] = Field(default_factory=list, max_length=Many)
    next_meeting: Day | None = None

    def arguments(self) -> dict[str, Any]:
        return {**super().arguments(),
                "outcomes": [Outcome(o.category, o.origin_agency, o.text) for o in self.outcomes],
                "decisions": [Decision(d.text, d.category) for d in self.decisions]}


class NextMeeting(Command):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, json_schema_extra={"examples": [
        {"next_meeting": "2026-03-10", "kind": "natverksmote"}, {"next_meeting": None}]})
    # Required, null to call the meeting off: a body that forgot the day must not call a meeting off.
    next_meeting: Day | None = Field(description="the day of the group's next meeting, from today on (a meeting"
                                                 " already planned is moved); null: call off the meeting planned")
    kind: MeetingKind | None = Field(default=None, description="natverksmote (nätverksmöte) or individmote"
                                                               " (individmöte); left out: not said; with null"
                                                               " next_meeting, left out")


class Contribution(Command):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, json_schema_extra={"examples": [{
        "category": "school", "text": "Närvaro 80 % senaste månaden."}]})
    category: str = Id
    text: str = Text
    legal_basis: str | None = Field(default=None, min_length=1, max_length=100)


class FollowUp(Command):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, json_schema_extra={"examples": [{
        "row_id": "3b1f…", "status": "partly", "note": "Närvaron har ökat till 85 %."}]})
    row_id: str = Field(min_length=1, max_length=100)
    status: FollowUpStatus
    note: str = Text


class Closure(Command):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, json_schema_extra={"examples": [{
        "reason": "goals_met", "outcome": "Målen i planen är nådda."}]})
    reason: ClosureReason
    outcome: str = Text


class Protection(Command):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, json_schema_extra={"examples": [
        {"protected": True, "kind": "skyddad_folkbokforing", "since": "2026-02-10"}, {"protected": False}]})
    protected: StrictBool = Field(description="true: the young person has protected personal data (skyddade"
                                              " personuppgifter) of `kind`; false: no longer has")
    kind: ProtectionKind | None = Field(default=None, description="sekretessmarkering or skyddad_folkbokforing;"
                                                                  " required with protected true, left out with false")
    since: Day | None = Field(default=None, description="from which day (not in the future); left out: today")


class CheckpointFile(BaseModel):
    """A checkpoint file as GET /audit/ledger/checkpoints (or `sigill audit export`) gave it, unchanged.  Each
    checkpoint is read as the command line reads the file (services.audit.checkpoints_of), which names the field
    at fault; only the document's outline is checked here."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "format": "sigill-ledger-checkpoints/1",
        "checkpoints": [{"notification_id": 42, "link": "9f" * 32, "signed_at": "2026-03-03T12:00:00+00:00",
                         "public_key": "MCowBQYDK2VwAyEAm5Jc1TbPnrwaVjEj0qWzWAk2mJ1ABC=",
                         "signature": "c2lnbmF0dXJl" * 7 + "c2lnbmF0dXJlAA=="}],
        "access_log": [{"seq": 17, "link": "4e" * 32, "signed_at": "2026-03-03T12:05:00+00:00",
                        "public_key": "MCowBQYDK2VwAyEAm5Jc1TbPnrwaVjEj0qWzWAk2mJ1ABC=",
                        "signature": "c2lnbmF0dXJl" * 7 + "c2lnbmF0dXJlAA=="}]}]})
    format: str = Field(description="sigill-ledger-checkpoints/1")
    checkpoints: list[Any] = Field(description="notification_id, link (hex), signed_at, public_key and signature"
                                   " (base64) of each")
    access_log: list[Any] = Field(default_factory=list, description=(
        "the access log's last signed checkpoint (seq, link, signed_at, public_key, signature), which the access log"
        " is held to; absent from a file exported before 2026-12-06, which still verifies the ledger"))
