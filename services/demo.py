"""`sigill demo`: the example of seed 004 played on the real store, step by step.

A 16-year-old with two guardians is notified by the police (LUL 6 §);
social services accepts him, the family consents so that the school — but
not the police — may see health information; the group forms and social
services plans its first network meeting, a plan with Hälsa and Skola rows is
made, the meeting is held, and then his mother withdraws her consent.  After
each step the demo prints what each agency newly sees (+) or no longer sees
(−), and why.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Callable, TextIO

from domain.judge import Disclosure
from domain.group_commands import PlanRowDraft
from domain.values import YOUNG_PERSON, Actor, Decision, Guardian, Outcome, PlannedMeeting, ScopeEntry
from services.application import CaseApplication
from services.basis_text import describe_basis_with_ids, guardian_roles, known_consents
from services.case_commands import shown_next_meeting
from services.clock import ManualClock
from services.presentation import describe_fact
from services.wording import agency_name, facts_count

AGENCIES = ("socialtjanst", "polis", "skola", "bup")
MUNICIPALITY = "0180"  # Stockholm: the demo case's, and a development token's unless told another
SOCIAL = Actor("socialtjanst", "demo.handlaggare")
SCHOOL = Actor("skola", "demo.kurator")
POLICE = Actor("polis", "demo.polis")
# Young person and guardians each consent to the same scope: the school may
# see health, the police may not.
SCOPE = (ScopeEntry("skola", ("case", "school", "health")),
         ScopeEntry("polis", ("case", "school", "crime")),
         ScopeEntry("bup", ("case", "health", "school")))
PURPOSE = "Samordnade insatser i social insatsgrupp"
# The group's first network meeting: planned on its own the day the group forms, held on this day.
FIRST_MEETING = date(2026, 3, 5)


class Demo:
    def __init__(self, app: CaseApplication, clock: ManualClock, out: TextIO) -> None:
        self.app, self.clock, self.out = app, clock, out
        self.case_id = None
        self.seen: dict[str, dict[str, Disclosure]] = {a: {} for a in AGENCIES}

    def step(self, day: date, title: str, action: Callable[[], object]) -> None:
        self.clock.set(max(self.clock.now() + timedelta(minutes=1),
                           datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(hours=8)))
        action()
        self.out.write(f"\n== {day.isoformat()}  {title}\n")
        for agency in AGENCIES:
            self._print_changes(agency)

    def _print_changes(self, agency: str) -> None:
        cat = self.app.catalogue
        now = {d.fact.fact_id: d for d in self.app.view(self.case_id, agency)}
        before = self.seen[agency]
        # Who consented and until when, as this agency itself sees the consents (and saw them, for what ended):
        # never a consent it does not see; guardians by role, as every command's output.
        roles = guardian_roles(self.app.get_case(self.case_id).known_guardians)
        known_now = known_consents(d.fact for d in now.values())
        known_before = known_consents(d.fact for d in before.values())
        self.out.write(f"  {agency_name(agency, cat)} – ser {facts_count(len(now))}\n")
        for fact_id, d in now.items():
            if fact_id not in before or before[fact_id].basis != d.basis:
                basis = describe_basis_with_ids(d.basis, cat, known_now, roles, recipient=agency)
                self.out.write(f"    + {describe_fact(d.fact, cat)}  [{basis}]\n")
        for fact_id, d in before.items():
            if fact_id not in now:
                basis = describe_basis_with_ids(d.basis, cat, known_before, roles, recipient=agency)
                self.out.write(f"    − {describe_fact(d.fact, cat)}  [upphörde: {basis}]\n")
        self.seen[agency] = now

    def play(self) -> None:
        app = self.app
        self.step(date(2026, 2, 2), "Polisens LUL 6 §-underrättelse tas emot", lambda: self._open())
        case = lambda: self.case_id  # noqa: E731
        self.step(date(2026, 2, 9), "Socialtjänsten beslutar: aktuell för social insatsgrupp",
                  lambda: app.decide_eligibility(case(), by=SOCIAL, accepted=True, decided_on=date(2026, 2, 9),
                                                 reasons="Hög risk enligt SAVRY; skolfrånvaro och droger.",
                                                 instruments=("SAVRY", "BBIC")))
        self.step(date(2026, 2, 10), "Vårdnadshavare registreras (båda har vårdnad)",
                  lambda: app.record_guardians(case(), by=SOCIAL, guardians=(
                      Guardian("", "Maria Exempel"), Guardian("", "Johan Exempel"))))
        self.step(date(2026, 2, 12), "Peter och båda vårdnadshavarna lämnar samtycke", self._consents)
        self.step(date(2026, 2, 13), "Gruppen bildas: skolan, polisen och BUP", self._members)
        self.step(date(2026, 2, 13), f"Socialtjänsten planerar gruppens första nätverksmöte till {FIRST_MEETING}",
                  lambda: app.plan_next_meeting(case(), by=SOCIAL, next_meeting=FIRST_MEETING, kind="natverksmote",
                                                shown=self._shown_next_meeting()))
        self.step(date(2026, 2, 20), "Åtgärdsplan upprättas i samråd med Peter och mamma (Hälsa och Skola)",
                  self._plan)
        self.step(FIRST_MEETING, "Nätverksmöte med resultat från skolan, BUP och polisen", self._meeting)
        self.step(date(2026, 3, 10), "Skolan rapporterar närvaro; polisen en ny misstanke (LUL 6 §)",
                  self._contributions)
        self.step(date(2026, 3, 20), "Mamma återkallar sitt samtycke", self._withdrawal)
        self.out.write("\nSlutläge: efter återkallelsen ser skolan och polisen bara sina egna uppgifter;\n"
                       "socialtjänsten ser ärendets administration och polisens uppgifter enligt LUL 6 §.\n")

    def _shown_next_meeting(self) -> PlannedMeeting | None:
        """The next meeting social services' page shows it now: what its planning is judged against, as the web's
        and the API's are (``case_commands.shown_next_meeting``)."""
        return shown_next_meeting(self.app.view(self.case_id, SOCIAL.agency))

    def _open(self) -> None:
        result = self.app.receive_referral(
            by=SOCIAL, municipality=MUNICIPALITY, personnummer="20090314-2396", name="Peter Exempel",
            entry_route="lul6", referring_agency="polis", referral_date=date(2026, 2, 1),
            summary="Skäligen misstänkt för rån tillsammans med äldre kamrater.", summary_category="crime")
        self.case_id = result.case_id
        self.out.write(f"Ärende {result.value} öppnat (ärende-id {result.case_id}).\n")

    def _consents(self) -> None:
        guardians = list(self.app.get_case(self.case_id).guardians)
        for consenter in (YOUNG_PERSON, *guardians):
            self.app.grant_consent(self.case_id, by=SOCIAL, consenter=consenter, scope=SCOPE, purpose=PURPOSE,
                                   valid_from=date(2026, 2, 12), valid_until=date(2027, 2, 11), form="written")
        self.mother = guardians[0]

    def _members(self) -> None:
        for agency, person, role in (("skola", "Kim Kurator", "kurator"), ("polis", "Sam Polis", "kontaktperson"),
                                     ("bup", "Alex Behandlare", "behandlare")):
            self.app.add_member(self.case_id, by=SOCIAL, agency=agency, contact_person=person, role=role)

    def _plan(self) -> None:
        self.app.revise_plan(self.case_id, by=SOCIAL, main_goal="Peter ska sluta med sitt kriminella beteende",
                             rows=(PlanRowDraft(area="Hälsa", goal="Peter ska inte använda droger.",
                                                how="Möten med socialsekreteraren på missbrukskliniken varje "
                                                    "onsdag kl. 16.00.",
                                                responsible="Peter och socialsekreteraren",
                                                responsible_agencies=("socialtjanst",)),
                                   PlanRowDraft(area="Skola", goal="Komma i tid till lektioner.",
                                                how="Peter ställer sitt alarm och vet när bussen går.",
                                                responsible="Peter och hans föräldrar",
                                                responsible_agencies=("skola",))),
                             young_person_took_part=True, guardians_took_part=(self.mother,))

    def _meeting(self) -> None:
        self.app.record_meeting(
            self.case_id, by=SOCIAL, held_on=FIRST_MEETING, attendees=AGENCIES,
            other_attendees=("Peter", "Vårdnadshavare"), next_meeting=date(2026, 4, 2),
            outcomes=(Outcome("school", "skola", "Peter kommer fortfarande för sent; mamma köper en väckarklocka."),
                      Outcome("health", "bup", "Peter har deltagit i alla samtal utom ett."),
                      Outcome("crime", "polis", "Inga nya misstankar sedan februari.")),
            decisions=(Decision("Skolnärvaron följs upp vid nästa möte.", "school"),))

    def _contributions(self) -> None:
        self.app.record_contribution(self.case_id, by=SCHOOL, category="school", text="Närvaro vecka 10: 92 %.")
        self.app.record_contribution(self.case_id, by=POLICE, category="crime", legal_basis="lul6",
                                     text="Ny misstanke om snatteri den 8 mars.")

    def _withdrawal(self) -> None:
        consent_id = next(c.consent_id for c in self.app.get_case(self.case_id).consents.values()
                          if c.consenter == self.mother)
        self.app.withdraw_consent(self.case_id, by=SOCIAL, consent_id=consent_id, consenter=self.mother)


def run_demo(app: CaseApplication, clock: ManualClock, out: TextIO) -> None:
    Demo(app, clock, out).play()
