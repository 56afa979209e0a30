"""Response shapes for auditors (JO, IVO): every fact with its place in the history, an agency's replay and
standing at a moment, the disclosure log, the ledger's verification.

Apart from ``views`` because only an auditor is answered these: they show what no agency may see (every fact's
event version, every consent and member behind a standing).  The stored log's shapes are in ``stored_log_views``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from domain.catalogue import Catalogue
from domain.disclosure import CAUSES, VisibilityChange
from domain.judge import CUSTODY_UNKNOWN, Disclosure
from domain.standing import WHY_NOTHING, Standing
from domain.facts import Fact
from services.api.stored_log_views import ReplacedLogOut, StoredLogOut
from services.api.views import BasisOut, FactIds, FactOut, Known, basis_out, fact_out
from services.basis_text import describe_cause, known_at
from services.standing_text import describe_standing


class AuditFactOut(FactOut):
    event_version: int = Field(description="the event's position in the case's history (auditors only)")
    recorded_by: str | None = Field(None, description="the agency that recorded the fact in its origin's name (a"
                                                      " meeting's minutes, a referral social services registered);"
                                                      " null when the origin recorded it itself (auditors only)")


class AuditVisibleFactOut(AuditFactOut):
    basis: BasisOut


class AuditFacts(BaseModel):
    case_id: UUID
    facts: list[AuditFactOut]


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


class Disclosures(BaseModel):
    case_id: UUID
    changes: list[ChangeOut]
    stored_log: StoredLogOut
    replaced_logs: list[ReplacedLogOut] = Field(description="the logs rebuilds replaced, oldest first")


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
    access_log_exported: int = Field(0, description="of a kept file's `access_log` checkpoints (POST), those the"
                                     " access log still reaches with the same link")
    access_log_divergence: str | None = Field(description="where and how the access log was changed (null: it was"
                                              " not), e.g. \"entries up to 4 were signed for in the exported file but"
                                              " are gone: …\"")


def audit_fact_out(fact: Fact, ids: FactIds) -> AuditFactOut:
    """A fact as an auditor sees it: the same public id, the event version to place it in the history, and all
    of its content."""
    return AuditFactOut(**vars(fact_out(fact, ids, dict(fact.content))), event_version=fact.version,
                        recorded_by=fact.recorded_by)


def audit_visible_out(d: Disclosure, catalogue: Catalogue, ids: FactIds, known: Known | None = None, *,
                      recipient: str) -> AuditVisibleFactOut:
    """``recipient``: the agency replayed."""
    return AuditVisibleFactOut(**vars(audit_fact_out(d.fact, ids)),
                               basis=basis_out(d.basis, catalogue, known, recipient=recipient))


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


def change_out(c: VisibilityChange, catalogue: Catalogue, ids: FactIds, consents: list[Fact] | None = None
               ) -> ChangeOut:
    """``consents``: the consent facts among the log's changes; the basis then says who consented and until when,
    as the consents stood at the change's moment (``known_at``), as the web's and the command line's logs do."""
    known = known_at(consents, c.change, c.at) if consents else None
    return ChangeOut(at=c.at, agency=c.agency, change=c.change,  # type: ignore[arg-type]
                     fact=audit_fact_out(c.fact, ids), basis=basis_out(c.basis, catalogue, known, recipient=c.agency),
                     cause=[CauseOut(what=x.what, consent_ids=list(x.consent_ids), agency=x.agency)  # type: ignore[arg-type]
                            for x in c.cause],
                     cause_description=describe_cause(c.cause, catalogue))
