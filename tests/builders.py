"""Test data builders: a case walked through its flow with a moving clock, on the pure domain."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from domain.case import Case
from domain.group_commands import PlanRowDraft
from domain.values import YOUNG_PERSON, Actor, Guardian, ScopeEntry
from services.catalogue_loader import load_catalogue

CATALOGUE = load_catalogue()
SOCIAL = Actor("socialtjanst", "handlaggare")
SCHOOL = Actor("skola", "kurator")
POLICE = Actor("polis", "polis")
BUP = Actor("bup", "behandlare")
# Valid (Luhn-checked) fictional numbers.
BORN_2009_03_14 = "20090314-2388"   # 16 in early 2026, 18 on 2027-03-14
BORN_1993_10_21 = "19931021-4573"   # 32: outside the target group
BORN_2003_06_10 = "20030610-2385"   # 22: an adult in the target group


def utc(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.utc)


def referral(**overrides) -> Case:
    """A case opened from a police notification about a 16-year-old (``overrides``: any of the referral's fields)."""
    fields = dict(case_number="0180-2026-0001", municipality="0180", personnummer=BORN_2009_03_14,
                  name="Peter Exempel", entry_route="lul6", referring_agency="polis",
                  referral_date=date(2026, 2, 1), summary="Misstänkt för rån.", summary_category="crime",
                  by=SOCIAL, at=utc(2026, 2, 2), catalogue=CATALOGUE)
    return Case.receive_referral(**{**fields, **overrides})


class CaseStory:
    """Drives one case through commands, each a minute after the last unless a time is given."""

    def __init__(self, personnummer: str = BORN_2009_03_14, start: datetime = utc(2026, 2, 2),
                 entry_route: str = "lul6", referring_agency: str = "polis") -> None:
        self.now = start
        self.case = Case.receive_referral(
            case_number="0180-2026-0001", municipality="0180", personnummer=personnummer, name="Peter Exempel",
            entry_route=entry_route, referring_agency=referring_agency, referral_date=start.date(),
            summary="Misstänkt för rån.", summary_category="crime", by=SOCIAL, at=start, catalogue=CATALOGUE)

    def at(self, when: datetime | None = None) -> datetime:
        self.now = when or self.now + timedelta(minutes=1)
        return self.now

    @property
    def events(self) -> list:
        return list(self.case._pending_events)

    def accept(self, when: datetime | None = None) -> CaseStory:
        at = self.at(when)
        self.case.decide_eligibility(accepted=True, reasons="Hög risk.", instruments=("SAVRY",),
                                     decided_on=at.date(), by=SOCIAL, at=at, catalogue=CATALOGUE)
        return self

    def guardians(self, *names: str, when: datetime | None = None) -> list[str]:
        self.case.record_guardians(guardians=[Guardian("", n) for n in names], by=SOCIAL, at=self.at(when),
                                   catalogue=CATALOGUE)
        return list(self.case.guardians)

    def consent(self, consenter: str = YOUNG_PERSON, scope: dict[str, tuple[str, ...]] | None = None,
                valid_from: date | None = None, valid_until: date | None = None,
                when: datetime | None = None) -> str:
        at = self.at(when)
        scope = scope or {"skola": ("case", "school", "health")}
        return self.case.grant_consent(
            consenter=consenter, scope=[ScopeEntry(a, c) for a, c in scope.items()], purpose="Samverkan",
            valid_from=valid_from or at.date(), valid_until=valid_until, form="written", by=SOCIAL, at=at,
            catalogue=CATALOGUE)

    def consent_all(self, scope: dict[str, tuple[str, ...]], **kwargs) -> list[str]:
        """The young person and every custodial guardian give the same consent."""
        consenters = [YOUNG_PERSON, *(g for g, x in self.case.guardians.items() if x.has_custody)]
        return [self.consent(c, scope, **kwargs) for c in consenters]

    def withdraw(self, consent_id: str, consenter: str = YOUNG_PERSON, when: datetime | None = None) -> None:
        self.case.withdraw_consent(consent_id=consent_id, consenter=consenter, by=SOCIAL, at=self.at(when),
                                   catalogue=CATALOGUE)

    def join(self, *agencies: str, when: datetime | None = None) -> CaseStory:
        for agency in agencies:
            self.case.add_member(agency=agency, contact_person="Kontakt", role="kontaktperson", by=SOCIAL,
                                 at=self.at(when), catalogue=CATALOGUE)
        return self

    def contribute(self, by: Actor, category: str, text: str = "En uppgift.", legal_basis: str | None = None,
                   when: datetime | None = None) -> str:
        return self.case.record_contribution(category=category, text=text, legal_basis=legal_basis, by=by,
                                             at=self.at(when), catalogue=CATALOGUE)

    def plan(self, when: datetime | None = None) -> int:
        """A plan of two rows, BUP's and the school's: both must be in the group (``join``)."""
        return self.case.revise_plan(main_goal="Sluta med brott", rows=[
            PlanRowDraft(area="Hälsa", goal="Inga droger", how="Samtal", responsible="Peter",
                         responsible_agencies=("bup",)),
            PlanRowDraft(area="Skola", goal="I tid", how="Väckarklocka", responsible="Föräldrarna",
                         responsible_agencies=("skola",))], by=SOCIAL, at=self.at(when), catalogue=CATALOGUE)


def school_consent_ending(until: date) -> CaseStory:
    """An accepted case from 2026-02-02, Maria its guardian, the school and the police in the group: the school's
    consent (case, school) ends on ``until``, the police's (case, crime) has no end — each given by the young person
    and by Maria (``consent_all``)."""
    story = CaseStory(start=utc(2026, 2, 2))
    story.accept()
    story.guardians("Maria")
    story.join("skola", "polis")
    story.consent_all({"skola": ("case", "school")}, valid_until=until)
    story.consent_all({"polis": ("case", "crime")})
    return story
