"""A case set up through CaseService (as the API would), for tests that start from an existing group."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.group_commands import PlanRowDraft
from domain.values import YOUNG_PERSON, Guardian, ScopeEntry
from services.case_service import CaseService
from services.principals import Principal, Role
from tests.e2e.ui import sixteen_year_old

SOCIAL = Principal("dev-soc-0180", "Handläggare", "socialtjanst", frozenset({Role.CASEWORKER}), "0180")
POLICE = Principal("dev-polis", "Polis", "polis", frozenset({Role.MEMBER}), "0180")
SCHOOL = Principal("dev-skola", "Kurator", "skola", frozenset({Role.MEMBER}), "0180")

SCHOOL_ROW = "Komma i tid till lektionerna varje dag."
HEALTH_ROW = "Inga droger; samtal varje vecka."
POLICE_NEWS = "Ny misstanke om olaga hot i centrum."
REFERRAL_SUMMARY = "Misstänkt för rån tillsammans med äldre ungdomar."


@dataclass(frozen=True)
class Group:
    case_id: UUID
    case_number: str
    consents: list[str]


def school_and_police_group(cases: CaseService) -> Group:
    """Accepted; two guardians; everyone lets the school see case and school, the police only case;
    school and police in the group; a plan with a Skola row and a Hälsa row; a police suspicion under LUL 6 §."""
    opened = cases.open_case(SOCIAL, municipality="0180", personnummer=sixteen_year_old(), name="Test Exempelsson",
                             entry_route="lul6", referring_agency="polis", referral_date=_today(cases),
                             summary=REFERRAL_SUMMARY, summary_category="crime")
    case_id = opened.case_id
    run = lambda name, who=SOCIAL, **fields: cases.command(who, name, case_id, None, **fields)  # noqa: E731
    run("decide_eligibility", accepted=True, reasons="Hög risk enligt SAVRY.", instruments=["SAVRY"],
        decided_on=_today(cases))
    run("record_guardians", guardians=[Guardian("", "Maria Exempelsson"), Guardian("", "Johan Exempelsson")])
    guardian_ids = [f["guardian_id"] for f in _guardians(cases, case_id)]
    consents = [run("grant_consent", consenter=who, scope=[ScopeEntry("skola", ("case", "school")),
                                                            ScopeEntry("polis", ("case",))],
                    purpose="Samverkan", valid_from=_today(cases), valid_until=None, form="written").value
                for who in [YOUNG_PERSON, *guardian_ids]]
    for agency in ("skola", "polis"):
        run("add_member", agency=agency, contact_person="Kontakt", role="kontaktperson")
    run("revise_plan", main_goal="Sluta med brott och gå i skolan.", rows=[
        PlanRowDraft("Skola", SCHOOL_ROW, "Väckarklocka och mentor.", "Mentor", ("skola",)),
        PlanRowDraft("Hälsa", HEALTH_ROW, "Samtal.", "Socialsekreteraren")])
    run("record_contribution", POLICE, category="crime", text=POLICE_NEWS, legal_basis="lul6")
    # From the views' list itself: the seed sets the case up, and reads nothing a user would (no list read logged).
    number = next(c["case_number"] for c in cases.lists.cases(cases.catalogue.lead_agency) if c["case_id"] == case_id)
    return Group(case_id, number, consents)


def new_group(cases: CaseService, police: tuple[str, ...] = ("crime",)) -> Group:
    """A group just formed, before its first meeting: accepted; two guardians; everyone lets the school see case and
    school, the police only the categories ``police`` (by default not `case`); school and police in the group; no
    plan, no meeting yet."""
    opened = cases.open_case(SOCIAL, municipality="0180", personnummer=sixteen_year_old(), name="Test Exempelsson",
                             entry_route="lul6", referring_agency="polis", referral_date=_today(cases),
                             summary=REFERRAL_SUMMARY, summary_category="crime")
    case_id = opened.case_id
    run = lambda name, **fields: cases.command(SOCIAL, name, case_id, None, **fields)  # noqa: E731
    run("decide_eligibility", accepted=True, reasons="Hög risk enligt SAVRY.", instruments=["SAVRY"],
        decided_on=_today(cases))
    run("record_guardians", guardians=[Guardian("", "Maria Exempelsson"), Guardian("", "Johan Exempelsson")])
    consents = grant_everyone(cases, case_id, [ScopeEntry("skola", ("case", "school")), ScopeEntry("polis", police)])
    for agency in ("skola", "polis"):
        run("add_member", agency=agency, contact_person="Kontakt", role="kontaktperson")
    number = next(c["case_number"] for c in cases.lists.cases(cases.catalogue.lead_agency) if c["case_id"] == case_id)
    return Group(case_id, number, consents)


def grant_everyone(cases: CaseService, case_id: UUID, scope: list[ScopeEntry]) -> list[str]:
    """The young person and each guardian consent to ``scope`` from today (all of them: the young person is under 18);
    the consents' ids."""
    consenters = [YOUNG_PERSON, *(f["guardian_id"] for f in _guardians(cases, case_id))]
    return [cases.command(SOCIAL, "grant_consent", case_id, None, consenter=who, scope=scope, purpose="Samverkan",
                          valid_from=_today(cases), valid_until=None, form="written").value for who in consenters]


def _today(cases: CaseService):
    from domain.calendar import local_date
    return local_date(cases.app.clock.now())


def _guardians(cases: CaseService, case_id: UUID) -> list[dict]:
    look = cases.look(SOCIAL, case_id, "timeline", "test set-up")
    recorded = [d.fact for d in look.disclosures if d.fact.kind == "guardians"]
    return list(recorded[-1].content["guardians"])
