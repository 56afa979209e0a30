"""Response shapes: what the API answers, each fact with the basis that lets the reader see it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable, Literal, Mapping, Sequence
from uuid import UUID

from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from domain.catalogue import Catalogue
from domain.disclosure import CAUSES, VisibilityChange
from domain.judge import CUSTODY_UNKNOWN, Basis, Disclosure
from domain.standing import WHY_NOTHING, Standing
from domain.facts import Fact
from domain.values import ProtectionKind
from projections.shown_facts import shown_content
from services.presentation import describe_basis, describe_cause, describe_standing, known_at


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


class AuditFactOut(FactOut):
    event_version: int = Field(description="the event's position in the case's history (auditors only)")
    recorded_by: str | None = Field(None, description="the agency that recorded the fact in its origin's name (a"
                                                      " meeting's minutes, a referral social services registered);"
                                                      " null when the origin recorded it itself (auditors only)")


class AuditVisibleFactOut(AuditFactOut):
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


class CauseOut(BaseModel):
    what: Literal[CAUSES] = Field(description="recorded: the fact's own recording; consent_granted, "  # type: ignore[valid-type]
                                  "consent_narrowed, consent_withdrawn, guardians_recorded, member_joined, member_left,"
                                  " case_closed (the group's members no longer active ones):"
                                  " an event that changed the rules' inputs; consent_starts, consent_ends, turns_18:"
                                  " a calendar moment (calendar: a moment no longer in the case); rules_changed: a rebuild"
                                  " under new disclosure rules ended what the log it replaced had left visible")
    consent_ids: list[str] = Field(default_factory=list, description="the consents it concerns")
    agency: str | None = Field(None, description="the member that joined or left")


class ChangeOut(BaseModel):
    at: datetime
    agency: str
    change: Literal["disclosed", "ended", "basis_changed"]
    fact: AuditFactOut
    basis: BasisOut = Field(description="the basis from then on; for ended, the last one that held")
    cause: list[CauseOut] = Field(description="what made the change happen")
    cause_description: str = Field(description="the cause in Swedish")


class StandingConsentOut(BaseModel):
    consent_id: str
    consenter: str = Field(description="young_person, or the guardian's id in the case")
    categories: list[str] = Field(description="what it covers for this agency (its part, not others')")
    valid_until: date | None = None
    counts: bool = Field(description="whether its consenter's consent counted at the moment: a guardian's does not"
                                     " from the 18th birthday, nor without custody")


class StandingLapseOut(BaseModel):
    consenter: str
    consent_id: str = Field(description="the consenter's latest consent that named the agency for the category")
    how: Literal["withdrawn", "expired", "not_started", "narrowed"]
    when: datetime | date | None = Field(None, description="withdrawn: when; expired: its last day; not_started:"
                                                           " its first day")


class StandingCategoryOut(BaseModel):
    category: str
    covered: bool
    consent_ids: list[str] = Field(description="the consents that carried it to the agency (empty: not covered)")
    missing: list[str] = Field(description="whose consents were missing for it to be covered: young_person, a"
                                           " guardian's id, or custody_unknown (under 18, no custody recorded)")
    lapses: list[StandingLapseOut] = Field(description="how each missing consenter's consent stopped covering it"
                                                       " (none listed: they gave none)")


class StandingOut(BaseModel):
    """The agency's standing at the moment, from the events through the disclosure rules: for auditors only."""
    lead: bool
    member: bool = Field(description="an active member of the group at the moment (the lead always is)")
    member_since: datetime | None = None
    member_until: datetime | None = Field(None, description="when that membership ended after the moment")
    member_until_closure: bool = Field(False, description="member_until is the case's closure")
    left_at: datetime | None = Field(None, description="not a member: when it last left before the moment")
    joins_at: datetime | None = Field(None, description="not a member: when it next joined after the moment")
    closed_at: datetime | None = Field(None, description="the case's closure, when by the moment")
    under_18: bool
    eighteenth_birthday: date
    custodians: list[str] | None = Field(description="under 18: the guardians with custody (ids; null: none"
                                                     " recorded); from 18: empty, the guardians' consents no longer"
                                                     " count")
    consents: list[StandingConsentOut] = Field(description="the consents in force naming the agency")
    categories: list[StandingCategoryOut] = Field(description="each category those consents name for the agency")
    why_nothing: Literal[WHY_NOTHING] | None = Field(  # type: ignore[valid-type]
        None, description="when the agency saw nothing: the first of the rules' conditions that failed")
    description: list[str] = Field(description="the same in Swedish, as the command line and the web client say it")


class Replayed(BaseModel):
    case_id: UUID
    agency: str
    as_of: datetime
    facts: list[AuditVisibleFactOut]
    standing: StandingOut | None = Field(None, description="the agency's standing at the moment; null: the case did"
                                                           " not exist yet")
    notes: list[str] = Field(default_factory=list, description=(
        "what the facts do not say by themselves, in Swedish, as `sigill audit replay` and the web client's replay"
        " say it: the case was registered only after the moment (\"Obs: ärendet registrerades först …\"), or the"
        " moment is beyond the present minute (\"Obs: tidpunkten ligger i framtiden …\": the answer counts the"
        " events stored now); empty otherwise"))


def standing_out(standing: Standing, visible: int, catalogue: Catalogue) -> StandingOut:
    told = describe_standing(standing, visible, catalogue, by_role=False)
    lines = ([told.why_nothing] if told.why_nothing else []) + [
        f"{heading}: {line}" for heading, lines in told.sections for line in lines]
    return StandingOut(
        lead=standing.lead, member=standing.member, member_since=standing.since, member_until=standing.until,
        member_until_closure=standing.until_closed, left_at=standing.left_at, joins_at=standing.joins_at,
        closed_at=standing.closed_at, under_18=standing.under_18, eighteenth_birthday=standing.eighteenth_birthday,
        custodians=None if standing.custodians is None else list(standing.custodians),
        consents=[StandingConsentOut(consent_id=c.consent_id, consenter=c.consenter, categories=list(c.categories),
                                     valid_until=c.valid_until, counts=c.counts) for c in standing.consents],
        categories=[StandingCategoryOut(
            category=c.category, covered=c.covered, consent_ids=list(c.consent_ids),
            missing=[_consenter_out(m) for m in c.missing],
            lapses=[StandingLapseOut(consenter=m, consent_id=x.consent_id, how=x.how, when=x.when)
                    for m, lapses in c.lapses for x in lapses]) for c in standing.covers],
        why_nothing=None if visible else standing.why_nothing(), description=lines)


def _consenter_out(consenter: str) -> str:
    return "custody_unknown" if consenter == CUSTODY_UNKNOWN else consenter


class AuditFacts(BaseModel):
    case_id: UUID
    facts: list[AuditFactOut]


class StoredLogOut(BaseModel):
    """The stored disclosure log (what the agencies' feeds carried) beside the log replayed from the events, up to
    the case's latest event: as multisets of time, agency, fact, change, basis and cause (erasures left out)."""
    agrees: bool
    compared: int = Field(description="stored rows compared")
    only_stored: int = Field(description="rows in the stored log that the events do not give")
    only_replayed: int = Field(description="changes the events give that the stored log lacks")
    without_cause: int = Field(description="stored rows from before causes were stored (compared without them)")


class StoredBasisOut(BaseModel):
    """A basis as a stored row holds it: any kind (an altered row is shown as it is, not refused)."""
    kind: str = Field(description="origin, owner, law or consent (anything else: the row was altered)")
    consent_ids: list[str] = Field(default_factory=list)
    legal_basis: str | None = None
    description: str = Field(description="the basis in Swedish")


class StoredCauseOut(BaseModel):
    """A cause as a stored row holds it (``CauseOut``'s fields; any ``what``: an altered row is shown as it is)."""
    what: str
    consent_ids: list[str] = Field(default_factory=list)
    agency: str | None = None


class LoggedRowOut(BaseModel):
    """A row of a stored disclosure log, as the feeds carried it (no content: the log holds none)."""
    at: datetime
    agency: str
    change: str = Field(description="disclosed, ended, basis_changed or erased (anything else: the row was altered)")
    fact_id: str = Field(description="the fact's public id (case.erased: the whole case, its key destroyed)")
    kind: str
    category: str
    basis: StoredBasisOut | None = Field(description="None for an erasure")
    cause: list[StoredCauseOut] | None = Field(description="None when not stored (rows from before 2026-12-03,"
                                                           " erasures)")
    cause_description: str | None
    feed: str | None = Field(None, description="the feed that carried it, and its number there (rows of a replaced"
                                               " log: in that log's epoch)")
    seq: int | None = None


class ReplacedLogOut(BaseModel):
    """A disclosure log a rebuild replaced — what the feeds carried until then — as far as this case (and agency)
    goes, beside the current log over the same events."""
    replacement: int = Field(description="the replacement's number (1 for the first rebuild that kept a log)")
    epoch: str = Field(description="the feeds' numbering it was carried in (a feed page's epoch)")
    replaced_at: datetime
    rules_version: int = Field(description="the disclosure rules' version it was built under")
    up_to: int = Field(description="its position in the whole installation's event log (not a case's event"
                                   " version): the log holds every change up to that event")
    rows: list[LoggedRowOut]
    only_replaced: list[LoggedRowOut] = Field(description="its rows the current log does not hold")
    only_current: list[LoggedRowOut] = Field(description="rows of the current log, up to the same notification, it"
                                                         " did not hold")


class StoredLog(BaseModel):
    """A case's stored disclosure log — what the agencies' feeds carried, in the order written; no content — held to
    its events, and the logs rebuilds replaced.  Also of an erased case, whose rows stay."""
    case_id: UUID
    erased: bool = Field(description="the case's key is destroyed: its events no longer read, so the rows cannot be"
                                     " held to them (stored_log is null)")
    history_altered: str | None = Field(None, description="the case's stored history is not what the audit ledger"
                                        " sealed (where, as the 409 of its other audit reads says it): the rows are"
                                        " answered as stored — evidence of their own — but cannot be held to the"
                                        " events (stored_log is null)")
    rows: list[LoggedRowOut]
    stored_log: StoredLogOut | None
    replaced_logs: list[ReplacedLogOut] = Field(description="the logs rebuilds replaced, oldest first")


class Disclosures(BaseModel):
    case_id: UUID
    changes: list[ChangeOut]
    stored_log: StoredLogOut
    replaced_logs: list[ReplacedLogOut] = Field(description="the logs rebuilds replaced, oldest first")


class ReadOut(BaseModel):
    """One read of a case's content, as the young person's extract lists it."""

    at: datetime
    case_id: UUID
    subject: str
    reader_name: str
    agency: str
    roles: str
    what: str
    purpose: str


class AccessRecordOut(ReadOut):
    seq: int = Field(description="the record's place in the whole installation's access log (auditors only)")


class AccessLogChecked(BaseModel):
    """Whether the reads an answer lists can be trusted to be all of them, as written: no read of the whole access
    log is missing (none removed), and each listed is linked to the one before it as the log wrote it.  Not the
    whole chain and its signatures: `GET /audit/ledger/verification` checks those."""
    intact: bool
    checked: int = Field(description="the reads listed, each checked against the link before it")
    missing: int = Field(description="reads missing from the whole log (removed; whose they were cannot be told)")
    finding: str | None = Field(description="what was found, in English, without the log's own numbers: "
                                            "`missing`, `altered` (a read listed is not as written) or `gone` (the"
                                            " last reads were removed: a signed checkpoint lies past them)")
    description: str = Field(description="the same in Swedish, as the web client says it with the same answer")


class AccessLogPage(BaseModel):
    records: list[AccessRecordOut]
    next_after: int | None = Field(description="pass as `after` for the next page; null at the end")
    access_log: AccessLogChecked = Field(description="whether `records` are as written and the log lacks none of its"
                                                     " reads (a search that finds nothing is checked too: a read"
                                                     " removed is found by no search); `description` names the log's"
                                                     " numbers, as the web's Åtkomstlogg does")


class Extract(BaseModel):
    case_id: UUID
    generated_at: datetime
    reads: list[ReadOut] = Field(description="oldest first; without the access log's own numbers, which count"
                                             " the reads of every case in the installation")
    access_log: AccessLogChecked = Field(description="whether `reads` can be trusted to be every read of the case,"
                                                     " as written")


class LedgerCheck(BaseModel):
    intact: bool
    checked: int
    unsealed: int
    checkpoints: int
    # Of ``checkpoints``, those confirmed from a kept file that the installation does not hold (POST only).
    exported: int = 0
    divergence: str | None
    access_log_intact: bool
    access_log_checked: int
    access_log_divergence: str | None


class Principal(BaseModel):
    subject: str
    name: str
    agency: str
    roles: list[str]
    municipality: str | None


Known = Mapping[str, Mapping[str, Any]]   # services.presentation.known_consents: the consents the reader sees


def basis_out(basis: Basis, catalogue: Catalogue, known: Known | None = None) -> BasisOut:
    """``known``: the description says who consented and until when, for the consents the reader itself sees
    (the ids stay in ``consent_ids``); a consent it does not see is told by its id alone."""
    return BasisOut(kind=basis.kind, consent_ids=list(basis.consent_ids), legal_basis=basis.legal_basis,  # type: ignore[arg-type]
                    description=describe_basis(basis, catalogue, known))


def fact_out(fact: Fact, ids: FactIds, content: dict[str, Any] | None = None, *, lead: bool = False) -> FactOut:
    """A fact as a member or caseworker sees it: its public id, never the event version or internal id, and
    no content field that counts parts hidden from the reader (``projections/shown_facts.py``; ``lead``: the
    reader is social services, which sees every revision of the plan)."""
    return FactOut(fact_id=ids(fact.fact_id), kind=fact.kind, category=fact.category, origin=fact.origin,
                   recorded_at=fact.recorded_at, content=jsonable_encoder(
                       shown_content(fact.kind, fact.content, lead=lead) if content is None else content))


def audit_fact_out(fact: Fact, ids: FactIds) -> AuditFactOut:
    """A fact as an auditor sees it: the same public id, the event version to place it in the history, and all
    of its content."""
    return AuditFactOut(**vars(fact_out(fact, ids, dict(fact.content))), event_version=fact.version,
                        recorded_by=fact.recorded_by)


def visible_out(d: Disclosure, catalogue: Catalogue, ids: FactIds, known: Known | None = None, *,
                lead: bool = False) -> VisibleFactOut:
    return VisibleFactOut(**vars(fact_out(d.fact, ids, lead=lead)), basis=basis_out(d.basis, catalogue, known))


def audit_visible_out(d: Disclosure, catalogue: Catalogue, ids: FactIds, known: Known | None = None
                      ) -> AuditVisibleFactOut:
    return AuditVisibleFactOut(**vars(audit_fact_out(d.fact, ids)), basis=basis_out(d.basis, catalogue, known))


def logged_row_out(key: tuple, catalogue: Catalogue, ids: FactIds, consents: Sequence[Fact] | None = None
                   ) -> LoggedRowOut:
    """A stored row's key (``services.stored_log.row_key``) as the API shows it.  ``consents``: the consent facts of
    the log the rows were held to (``StoredLogRead.consents``); a consent basis then says who consented and until
    when, as the consents stood at the row's moment, as ``change_out`` does — without them (an erased case, an
    altered history), by the consents' ids."""
    at, agency, fact_id, kind, category, change, basis, cause = key
    erased = change == "erased"
    known = known_at(consents, change, at) if consents else None
    return LoggedRowOut(at=at, agency=agency, change=change, fact_id=fact_id if erased else ids(fact_id), kind=kind,
                        category=category, basis=None if erased else StoredBasisOut(
                            kind=basis.kind, consent_ids=list(basis.consent_ids), legal_basis=basis.legal_basis,
                            description=describe_basis(basis, catalogue, known)),
                        cause=None if cause is None else [StoredCauseOut(what=x.what, consent_ids=list(x.consent_ids),
                                                                         agency=x.agency) for x in cause],
                        cause_description=None if cause is None else describe_cause(cause, catalogue))


def stored_row_out(row: dict[str, Any], catalogue: Catalogue, ids: FactIds, consents: Sequence[Fact] | None = None
                   ) -> LoggedRowOut:
    """A stored log row, with the feed and number it was carried under (``consents``: as ``logged_row_out``)."""
    from services.stored_log import row_key

    return logged_row_out(row_key(row), catalogue, ids, consents).model_copy(update={"feed": row["feed"],
                                                                                    "seq": row["seq"]})


def stored_log_out(agreement: Any) -> StoredLogOut:
    """A ``services.stored_log.Agreement``."""
    return StoredLogOut(agrees=agreement.agrees, compared=agreement.compared, only_stored=len(agreement.only_stored),
                        only_replayed=len(agreement.only_replayed), without_cause=agreement.without_cause)


def replaced_log_out(old: Any, catalogue: Catalogue, ids: FactIds, consents: Sequence[Fact] | None = None
                     ) -> ReplacedLogOut:
    """A ``services.stored_log.ReplacedLog`` (``consents``: as ``logged_row_out``)."""
    rows = lambda keys: [logged_row_out(k, catalogue, ids, consents) for k in keys]  # noqa: E731
    stored = [stored_row_out(r, catalogue, ids, consents) for r in old.rows]
    return ReplacedLogOut(replacement=old.replacement, epoch=old.epoch, replaced_at=old.replaced_at,
                          rules_version=old.rules_version or 1, up_to=old.up_to, rows=stored,
                          only_replaced=rows(old.only_replaced), only_current=rows(old.only_current))


def change_out(c: VisibilityChange, catalogue: Catalogue, ids: FactIds, consents: list[Fact] | None = None
               ) -> ChangeOut:
    """``consents``: the consent facts among the log's changes; the basis then says who consented and until when,
    as the consents stood at the change's moment (``known_at``), as the web's and the command line's logs do."""
    known = known_at(consents, c.change, c.at) if consents else None
    return ChangeOut(at=c.at, agency=c.agency, change=c.change,  # type: ignore[arg-type]
                     fact=audit_fact_out(c.fact, ids), basis=basis_out(c.basis, catalogue, known),
                     cause=[CauseOut(what=x.what, consent_ids=list(x.consent_ids), agency=x.agency)  # type: ignore[arg-type]
                            for x in c.cause],
                     cause_description=describe_cause(c.cause, catalogue))


def access_log_checked(verdict: Any, *, numbered: bool = False) -> AccessLogChecked:
    """A ``services.access_chain.ShownVerdict``; its description without the log's own numbers, but in an auditor's
    answer (``numbered``), which shows them."""
    from services.presentation import access_log_checked as swedish

    return AccessLogChecked(intact=verdict.intact, checked=verdict.shown, missing=verdict.missing,
                            finding=verdict.finding, description=swedish(verdict, numbered=numbered))
