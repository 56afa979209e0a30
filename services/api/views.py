"""Response shapes: what the API answers of a case to its readers, each fact with the basis that lets the reader
see it — and what a write answers.

The auditors' shapes are apart (``audit_views``, ``stored_log_views``), as are the access log's
(``access_log_views``): this module holds what every reader is answered, and the fact and basis shapes the
others build on.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable, Literal, Mapping
from uuid import UUID

from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from domain.catalogue import Catalogue
from domain.judge import Basis, Disclosure
from domain.facts import Fact
from domain.values import ProtectionKind
from projections.shown_facts import shown_content
from services.basis_text import describe_basis


class BasisOut(BaseModel):
    kind: Literal["origin", "owner", "law", "consent"]
    consent_ids: list[str] = Field(default_factory=list)
    legal_basis: str | None = None
    description: str = Field(description="why the fact is visible, in Swedish")


FactIds = Callable[[str], str]   # a case's internal fact id -> its public id (projections/fact_ids.py)


class FactOut(BaseModel):
    fact_id: str = Field(description="the fact's public id: opaque, the same for every agency that sees the fact,"
                                     " and forever; it counts nothing (no event version). A plan row shown with"
                                     " responsible agencies withheld is a fact of its own, with an id of its own:"
                                     " its `row_id` is the row's for everyone",
                         examples=["gbdcmhytmxdwahr2eohksmlu"])
    kind: str
    category: str
    origin: str
    recorded_at: datetime
    content: dict[str, Any]


class VisibleFactOut(FactOut):
    basis: BasisOut


class Written(BaseModel):
    case_id: UUID
    version: int = Field(description="your version of the case after the write: send it as expected_version")
    created: str | int | None = Field(default=None, description="what the command created: a consent id, a plan"
                                                                " revision, a meeting id, a case number…")


class RowWarning(BaseModel):
    """A row of the revision names as responsible an agency that cannot see the row as it was recorded: saved all
    the same (consent may come later; the disclosure rules decide what each agency sees at each moment), but the
    agency cannot follow the row up until it can see it."""

    code: Literal["responsible_cannot_see_row"]
    message: str = Field(description="why, for people")
    field: str = Field(description="where the revision sent names the agency: body.rows.N.responsible_agencies.M")
    row: int = Field(description="the row's index in the revision sent")
    row_id: str
    agency: str
    category: str = Field(description="the row's category")
    reason: Literal["no_consent", "consent_missing", "no_custody", "not_a_member", "not_covered"] = Field(
        description="no_consent: no consent in force covers the category for the agency; consent_missing: some"
                    " consenters' do, not all of those needed (missing_consenters); no_custody: under 18 with no"
                    " guardian with custody recorded; not_a_member: it has left the group; not_covered: any other")
    missing_consenters: list[str] = Field(description="consent_missing: whose consents are missing (young_person,"
                                                      " or a guardian's id)")


class PlanWritten(Written):
    warnings: list[RowWarning] = Field(description="each responsible agency that cannot see its row now; the"
                                                   " revision is saved all the same (social services only)")


class ProtectedPersonalData(BaseModel):
    """Skyddade personuppgifter: the young person's identity is protected (Skatteverket)."""

    kind: ProtectionKind
    since: date = Field(description="from which day, as social services recorded it")


PROTECTED_NOTE = ("the young person has protected personal data (skyddade personuppgifter), as far as the facts you"
                  " see tell (the fact case.protected, category case); null: none recorded, lifted, or not yours to"
                  " see. Nothing of who sees what changes with it: apply your own protected-identity handling")


class CaseView(BaseModel):
    case_id: UUID
    version: int = Field(description="your version: the number of the case's events you can see")
    facts: list[VisibleFactOut]
    protected_personal_data: ProtectedPersonalData | None = Field(default=None, description=PROTECTED_NOTE)


def _no_default(schema: dict[str, Any]) -> None:
    """A field left out when None: the schema says neither null nor a default (it is there, or absent)."""
    schema.pop("default", None)


class PlanView(BaseModel):
    case_id: UUID
    version: int
    revision: int | None = Field(description="your revision: how many of the plan's revisions you can see, up to"
                                             " this one (the plan's own number when you see its goal, as social"
                                             " services does); null without a plan to see")
    main_goal: str | None = Field(description="null when you may not see the goal")
    main_goal_basis: BasisOut | None = Field(default=None, description="why you may see the main goal, as each"
                                                                       " row's `basis`; null when you may not see"
                                                                       " the goal")
    rows: list[VisibleFactOut]
    # Who drew the revision up: part of the goal, seen with it.
    young_person_took_part: bool | None = Field(
        default=None, description="whether the young person took part in drawing up the revision; null when not"
                                  " recorded (every revision before 2026-12-05) or when you may not see the goal")
    guardians_took_part: list[str] = Field(default_factory=list,
                                           description="the ids of the case's guardians who took part")
    not_taking_part_reason: str | None = Field(default=None,
                                               description="why the young person did not take part")
    # Social services only: absent (never null) from a member's answer, whose reader may not know others' consents.
    warnings: list[RowWarning] | SkipJsonSchema[None] = Field(
        default=None, exclude_if=lambda warnings: warnings is None, json_schema_extra=_no_default,
        description="social services only (absent from a member's answer): each responsible agency of the current"
                    " plan that cannot see its row as things stand at this read, as the plan command's `warnings`"
                    " (`field` names the agency's place in the current revision as it was sent; N is also the row's"
                    " index in `rows`); [] when every responsible agency sees its row")


class MeetingOut(BaseModel):
    meeting_id: str
    held_on: date
    parts: list[VisibleFactOut]


class MeetingsView(BaseModel):
    case_id: UUID
    version: int
    meetings: list[MeetingOut]
    next_meeting: date | None = Field(default=None, description="the group's next meeting as the facts you see tell"
                                      " it: the latest scheduling (meeting.scheduled) or meeting's next_meeting,"
                                      " whichever was recorded last, a meeting held before one already recorded"
                                      " planning nothing; null: none planned, called off,"
                                      " or not yours to see (category case)")
    next_meeting_kind: str | None = Field(default=None, description="natverksmote or individmote when the"
                                          " scheduling said; null otherwise")


class CaseListItem(BaseModel):
    case_id: UUID
    case_number: str | None
    phase: str | None
    next_meeting: date | None = None
    plan_revision: int | None = None
    plan_follow_up: dict[Literal["achieved", "partly", "not_achieved", "ongoing", "none"], int] | None = Field(
        None, description="the current plan's rows you see, by their latest follow-up's status (none: not followed up"
                          " yet)")
    facts: int
    consents_in_force: int | None = None
    next_consent_end: date | None = None
    protected_personal_data: ProtectedPersonalData | None = Field(default=None, description=PROTECTED_NOTE)


class CaseList(BaseModel):
    cases: list[CaseListItem]
    total: int = Field(description="how many cases your whole list holds (more than `cases` when paged)")


class CaseRef(BaseModel):
    case_id: UUID


class Principal(BaseModel):
    subject: str
    name: str
    agency: str
    roles: list[str]
    municipality: str | None


Known = Mapping[str, Mapping[str, Any]]   # services.basis_text.known_consents: the consents the reader sees


def basis_out(basis: Basis, catalogue: Catalogue, known: Known | None = None, *, recipient: str) -> BasisOut:
    """``known``: the description says who consented and until when, for the consents the reader itself sees
    (the ids stay in ``consent_ids``); a consent it does not see is told by its id alone.  ``recipient``: the
    agency the fact is disclosed to, whose sight's end is told (``basis_text.lapses``)."""
    return BasisOut(kind=basis.kind, consent_ids=list(basis.consent_ids), legal_basis=basis.legal_basis,  # type: ignore[arg-type]
                    description=describe_basis(basis, catalogue, known, recipient=recipient))


def fact_out(fact: Fact, ids: FactIds, content: dict[str, Any] | None = None, *, lead: bool = False) -> FactOut:
    """A fact as a member or caseworker sees it: its public id, never the event version or internal id, and
    no content field that counts parts hidden from the reader (``projections/shown_facts.py``; ``lead``: the
    reader is social services, which sees every revision of the plan)."""
    return FactOut(fact_id=ids(fact.fact_id), kind=fact.kind, category=fact.category, origin=fact.origin,
                   recorded_at=fact.recorded_at, content=jsonable_encoder(
                       shown_content(fact.kind, fact.content, lead=lead) if content is None else content))


def visible_out(d: Disclosure, catalogue: Catalogue, ids: FactIds, known: Known | None = None, *,
                lead: bool = False, recipient: str) -> VisibleFactOut:
    return VisibleFactOut(**vars(fact_out(d.fact, ids, lead=lead)),
                          basis=basis_out(d.basis, catalogue, known, recipient=recipient))
