"""The disclosure rules of DOMAIN.md, one scenario each."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.calendar import end_of_day, local_date, start_of_day
from domain.disclosure import Cause, Replay, disclosure_log, disclosures_at
from domain.errors import LegalBasisNotApplicable
from domain.values import YOUNG_PERSON, Outcome
from tests.builders import BORN_2003_06_10, BUP, CATALOGUE, POLICE, SCHOOL, SOCIAL, CaseStory, utc

SCHOOL_SCOPE = {"skola": ("case", "school")}


def seen(story: CaseStory, agency: str, at=None) -> dict[str, object]:
    """fact kind+id -> basis, for what ``agency`` sees at ``at`` (default: just after the last event)."""
    when = at or story.now
    return {d.fact.fact_id: d for d in disclosures_at(story.events, agency, when, CATALOGUE)}


def kinds(story: CaseStory, agency: str, at=None) -> list[str]:
    return sorted(d.fact.kind for d in seen(story, agency, at).values())


def contributed(story: CaseStory, agency: str, text: str, at=None) -> bool:
    return any(d.fact.content.get("text") == text for d in seen(story, agency, at).values())


@pytest.fixture
def story() -> CaseStory:
    s = CaseStory().accept()
    s.guardians("Maria", "Johan")
    s.join("skola", "polis", "bup")
    return s


class TestConsentOfYoungPersonAndGuardians:
    def test_an_agency_sees_nothing_of_a_case_without_consent(self, story):
        story.contribute(POLICE, "school", "Skolk observerat.")
        assert kinds(story, "skola") == []

    def test_under_18_the_young_persons_consent_alone_discloses_nothing(self, story):
        story.consent(YOUNG_PERSON, SCHOOL_SCOPE)
        story.contribute(POLICE, "school", "Skolk observerat.")
        assert not contributed(story, "skola", "Skolk observerat.")

    def test_under_18_every_custodial_guardian_must_consent_too(self, story):
        mother, father = story.case.guardians
        story.consent(YOUNG_PERSON, SCHOOL_SCOPE)
        story.consent(mother, SCHOOL_SCOPE)
        story.contribute(POLICE, "school", "Skolk observerat.")
        assert not contributed(story, "skola", "Skolk observerat.")
        story.consent(father, SCHOOL_SCOPE)
        assert contributed(story, "skola", "Skolk observerat.")

    def test_the_basis_names_every_consent_that_was_needed(self, story):
        ids = story.consent_all(SCHOOL_SCOPE)
        story.contribute(POLICE, "school", "Skolk observerat.")
        basis = next(d.basis for d in seen(story, "skola").values() if d.fact.kind == "contribution")
        assert basis.kind == "consent" and sorted(basis.consent_ids) == sorted(ids)

    def test_a_guardian_without_custody_need_not_consent(self):
        story = CaseStory().accept().join("skola", "polis")
        story.case.record_guardians(guardians=[_guardian("Maria", True), _guardian("Johan", False)], by=SOCIAL,
                                    at=story.at(), catalogue=CATALOGUE)
        story.consent_all(SCHOOL_SCOPE)  # the young person and Maria only
        story.contribute(POLICE, "school", "Skolk observerat.")
        assert contributed(story, "skola", "Skolk observerat.")

    def test_under_18_with_no_custody_recorded_consent_discloses_nothing(self):
        story = CaseStory().accept().join("skola", "polis")
        story.consent(YOUNG_PERSON, SCHOOL_SCOPE)
        story.contribute(POLICE, "school", "Skolk observerat.")
        assert kinds(story, "skola") == []

    def test_an_adults_own_consent_is_enough(self):
        story = CaseStory(personnummer=BORN_2003_06_10, entry_route="known").accept().join("skola", "polis")
        story.consent(YOUNG_PERSON, SCHOOL_SCOPE)
        story.contribute(POLICE, "school", "Skolk observerat.")
        assert contributed(story, "skola", "Skolk observerat.")


class TestTurning18:
    birthday = start_of_day(date(2027, 3, 14))

    def test_guardians_consents_stop_counting_at_the_18th_birthday(self, story):
        young, mother, father = story.consent_all(SCHOOL_SCOPE)
        story.contribute(POLICE, "school", "Skolk observerat.")
        before = _basis_of(story, "skola", "Skolk observerat.", self.birthday - timedelta(seconds=1))
        after = _basis_of(story, "skola", "Skolk observerat.", self.birthday)
        assert set(before.consent_ids) == {young, mother, father}
        assert after.consent_ids == (young,)

    def test_turning_18_widens_what_the_young_persons_own_consent_covers(self, story):
        mother, father = story.case.guardians
        story.consent(YOUNG_PERSON, {"skola": ("case", "school", "health")})
        story.consent(mother, SCHOOL_SCOPE)
        story.consent(father, SCHOOL_SCOPE)
        story.contribute(BUP, "health", "Deltar i samtal.")
        assert not contributed(story, "skola", "Deltar i samtal.", self.birthday - timedelta(seconds=1))
        assert contributed(story, "skola", "Deltar i samtal.", self.birthday)

    def test_the_log_records_the_birthday_as_a_change_of_basis(self, story):
        story.consent_all(SCHOOL_SCOPE)
        changes = disclosure_log(story.events, ["skola"], self.birthday, CATALOGUE)
        assert any(c.at == self.birthday and c.change == "basis_changed" for c in changes)

    def test_a_guardian_cannot_consent_once_the_young_person_is_18(self, story):
        from domain.errors import GuardianCannotConsentForAdult

        mother = next(iter(story.case.guardians))
        with pytest.raises(GuardianCannotConsentForAdult):
            story.consent(mother, SCHOOL_SCOPE, when=self.birthday + timedelta(hours=1))

    def test_a_guardian_cannot_give_a_consent_that_begins_on_the_18th_birthday_or_later(self, story):
        """It would never count: recorded, it read "börjar gälla senare", then "gäller", and was counted among the
        consents in force, while it let nothing out."""
        from domain.errors import GuardianConsentFrom18
        from services.web.error_texts import error_text

        mother, day = next(iter(story.case.guardians)), local_date(self.birthday)
        the_day_before = self.birthday - timedelta(days=1)
        with pytest.raises(GuardianConsentFrom18) as refused:
            story.consent(mother, SCHOOL_SCOPE, valid_from=day, when=the_day_before)
        assert refused.value.field == "valid_from" and "18-årsdag" in error_text(refused.value.code, "")
        story.consent(mother, SCHOOL_SCOPE, valid_from=day - timedelta(days=1), when=the_day_before)  # one day counts


class TestDisclosureInTime:
    def test_earlier_facts_become_visible_when_a_consent_is_granted(self, story):
        story.contribute(POLICE, "school", "Skolk observerat.")
        story.consent_all(SCHOOL_SCOPE)
        granted_at = story.now
        log = disclosure_log(story.events, ["skola"], story.now, CATALOGUE)
        entry = next(c for c in log if c.fact.content.get("text") == "Skolk observerat.")
        assert entry.change == "disclosed" and entry.at == granted_at

    def test_nothing_is_disclosed_under_a_consent_after_its_withdrawal(self, story):
        young, *_ = story.consent_all(SCHOOL_SCOPE)
        story.contribute(POLICE, "school", "Före återkallelsen.")
        story.withdraw(young)
        story.contribute(POLICE, "school", "Efter återkallelsen.")
        assert not contributed(story, "skola", "Efter återkallelsen.")
        assert not contributed(story, "skola", "Före återkallelsen.")
        log = disclosure_log(story.events, ["skola"], story.now, CATALOGUE)
        ended = [c for c in log if c.change == "ended" and c.fact.content.get("text") == "Före återkallelsen."]
        assert len(ended) == 1

    def test_a_case_folded_past_the_readers_clock_is_judged_at_its_latest_event(self, story):
        """A reader whose clock is behind the host that recorded a withdrawal must not see what it ended."""
        young, *_ = story.consent_all(SCHOOL_SCOPE)
        story.contribute(POLICE, "school", "Före återkallelsen.")
        story.withdraw(young)
        replay = Replay(story.events, CATALOGUE)
        replay.advance_to(story.now)
        behind = story.now - timedelta(seconds=30)
        assert not any(d.fact.content.get("text") == "Före återkallelsen." for d in replay.visible_to("skola", behind))
        assert replay.visible_to("skola", behind) == replay.visible_to("skola", story.now)

    def test_a_guardians_withdrawal_ends_disclosure_while_under_18(self, story):
        young, mother, father = story.consent_all(SCHOOL_SCOPE)
        story.contribute(POLICE, "school", "Skolk observerat.")
        story.withdraw(mother, consenter=next(iter(story.case.guardians)))
        assert not contributed(story, "skola", "Skolk observerat.")

    def test_a_consent_lapses_at_the_end_of_its_last_day(self, story):
        story.consent_all(SCHOOL_SCOPE, valid_until=date(2026, 6, 30))
        story.contribute(POLICE, "school", "Skolk observerat.")
        end = end_of_day(date(2026, 6, 30))
        assert contributed(story, "skola", "Skolk observerat.", end - timedelta(seconds=1))
        assert not contributed(story, "skola", "Skolk observerat.", end)

    def test_a_consent_discloses_nothing_before_its_first_day(self, story):
        story.consent_all(SCHOOL_SCOPE, valid_from=date(2026, 3, 1))
        story.contribute(POLICE, "school", "Skolk observerat.")
        assert not contributed(story, "skola", "Skolk observerat.", utc(2026, 2, 20))
        assert contributed(story, "skola", "Skolk observerat.", start_of_day(date(2026, 3, 1)))

    def test_narrowing_stops_a_category_from_then_on(self, story):
        from domain.values import ScopeEntry

        young, *_ = story.consent_all({"skola": ("case", "school", "health")})
        story.contribute(BUP, "health", "Deltar i samtal.")
        assert contributed(story, "skola", "Deltar i samtal.")
        story.case.narrow_consent(consent_id=young, consenter=YOUNG_PERSON, scope=[ScopeEntry("skola", ("case", "school"))],
                                  valid_until=None, by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        assert not contributed(story, "skola", "Deltar i samtal.")

    def test_a_view_never_shows_a_fact_recorded_after_its_time(self, story):
        story.consent_all(SCHOOL_SCOPE)
        before = story.now
        story.contribute(POLICE, "school", "Senare uppgift.")
        assert not contributed(story, "skola", "Senare uppgift.", before)

    def test_an_agency_that_left_the_group_sees_only_its_own(self, story):
        story.consent_all(SCHOOL_SCOPE)
        story.contribute(SCHOOL, "school", "Egen närvarorapport.")
        story.contribute(POLICE, "school", "Polisens uppgift.")
        story.case.remove_member(agency="skola", reason="Slutat skolan", by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        assert contributed(story, "skola", "Egen närvarorapport.")
        assert not contributed(story, "skola", "Polisens uppgift.")

    def test_when_the_case_is_closed_the_members_keep_only_their_own(self, story):
        """The group's work ends with the case: a consent given "tills vidare" for it showed a school the young
        person's name, the plan and the police's notes a year after closure (rules version 7)."""
        story.consent_all({"skola": ("case", "school"), "polis": ("case", "school")})
        story.contribute(SCHOOL, "school", "Egen närvarorapport.")
        story.contribute(POLICE, "school", "Polisens uppgift.")
        assert "case.subject" in kinds(story, "skola") and contributed(story, "skola", "Polisens uppgift.")
        story.case.close(reason="other", outcome="Avslutat.", by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        for member, own, others in ((SCHOOL, "Egen närvarorapport.", "Polisens uppgift."),
                                    (POLICE, "Polisens uppgift.", "Egen närvarorapport.")):
            assert contributed(story, member.agency, own) and not contributed(story, member.agency, others)
            assert {d.basis.kind for d in seen(story, member.agency).values()} == {"origin"}
        a_year_on = story.now + timedelta(days=365)
        assert kinds(story, "skola", a_year_on) == ["contribution"]
        lead = kinds(story, "socialtjanst", a_year_on)   # the owner keeps what it saw, the closure among it
        assert "case.subject" in lead and "case.closed" in lead


class TestWhatEachAgencySees:
    def test_membership_of_child_psychiatry_is_hidden_from_an_agency_without_health(self, story):
        story.consent_all(SCHOOL_SCOPE)
        joined = [d.fact.content["agency"] for d in seen(story, "skola").values() if d.fact.kind == "member.joined"]
        assert "bup" not in joined and "polis" in joined

    def test_membership_of_child_psychiatry_is_visible_with_health(self, story):
        story.consent_all({"skola": ("case", "school", "health")})
        joined = [d.fact.content["agency"] for d in seen(story, "skola").values() if d.fact.kind == "member.joined"]
        assert "bup" in joined

    def test_a_meeting_shows_each_agency_only_the_outcomes_and_attendees_it_may_see(self, story):
        story.consent_all({"skola": ("case", "school"), "polis": ("case", "crime")})
        story.case.record_meeting(
            held_on=story.now.date(), attendees=("socialtjanst", "skola", "polis", "bup"), other_attendees=("Peter",),
            outcomes=(Outcome("school", "skola", "Sen ankomst."), Outcome("health", "bup", "Samtal pågår."),
                      Outcome("crime", "polis", "Inga nya misstankar.")),
            decisions=(), next_meeting=None, by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        texts = lambda agency: {d.fact.content.get("text") for d in seen(story, agency).values()}  # noqa: E731
        attendees = lambda agency: {d.fact.content["agency"] for d in seen(story, agency).values()  # noqa: E731
                                    if d.fact.kind == "meeting.attendee"}
        assert {"Sen ankomst."} <= texts("skola") and not {"Samtal pågår.", "Inga nya misstankar."} & texts("skola")
        assert {"Inga nya misstankar."} <= texts("polis") and not {"Sen ankomst.", "Samtal pågår."} & texts("polis")
        assert "bup" not in attendees("polis") and "bup" not in attendees("skola")

    def test_a_note_from_child_psychiatry_is_hidden_from_an_agency_that_may_not_learn_it_takes_part(self, story):
        """Its origin says BUP is in the group (BUP's membership is a health fact): the note's own category is
        not enough."""
        story.consent_all(SCHOOL_SCOPE)
        story.contribute(BUP, "school", "Koncentrationssvårigheter i skolan.")
        assert not contributed(story, "skola", "Koncentrationssvårigheter i skolan.")
        ids = story.consent_all({"skola": ("health",)})
        assert contributed(story, "skola", "Koncentrationssvårigheter i skolan.")
        assert set(ids) <= set(_basis_of(story, "skola", "Koncentrationssvårigheter i skolan.").consent_ids)

    def test_a_note_from_the_police_needs_case_as_well_as_its_own_category(self, story):
        story.consent_all({"skola": ("school",)})   # the police's membership reveals `case`
        story.contribute(POLICE, "school", "Skolk observerat.")
        assert not contributed(story, "skola", "Skolk observerat.")
        story.consent_all({"skola": ("case",)})
        assert contributed(story, "skola", "Skolk observerat.")

    def test_a_plan_row_names_the_police_only_to_a_reader_that_may_see_the_police_take_part(self, story):
        """A row naming the police as responsible says the police take part (a `case` fact): a school seeing only
        `school` learnt that from a Skola row (a red team's finding).  Rules version 5: the row is shown without
        the name, which appears, the consents that let it join the basis, once `case` is covered."""
        from domain.group_commands import PlanRowDraft

        story.consent_all({"skola": ("school",)})
        story.case.revise_plan(main_goal="Mål", rows=[
            PlanRowDraft("Skola", "Närvaro", "Skolpolis", "Mentor", ("skola", "polis")),
            PlanRowDraft("Skola", "Läxhjälp", "Mentor", "Mentor", ("skola",))], by=SOCIAL, at=story.at(),
            catalogue=CATALOGUE)
        rows = lambda: {d.fact.content["goal"]: d for d in seen(story, "skola").values()  # noqa: E731
                        if d.fact.kind == "plan.row"}
        assert {goal: d.fact.content["responsible_agencies"] for goal, d in rows().items()} == {
            "Närvaro": ("skola",), "Läxhjälp": ("skola",)}
        school_only = set(rows()["Närvaro"].basis.consent_ids)
        log = disclosure_log(story.events, ("skola",), story.now, CATALOGUE)
        assert all("polis" not in c.fact.content["responsible_agencies"] for c in log if c.fact.kind == "plan.row")
        ids = story.consent_all({"skola": ("case",)})
        shown = rows()["Närvaro"]
        assert shown.fact.content["responsible_agencies"] == ("skola", "polis")
        assert set(shown.basis.consent_ids) == school_only | set(ids)
        assert set(rows()["Läxhjälp"].basis.consent_ids) == school_only   # it names no one else
        # The row as shown before ends and the row as shown now is disclosed: a fact of its own each, so that a
        # consumer holding the row as it was is told to drop it (a red team's finding: a `basis_changed` left it).
        changes = [(c.change, c.fact.fact_id, c.fact.content["responsible_agencies"])
                   for c in disclosure_log(story.events, ("skola",), story.now, CATALOGUE)
                   if c.fact.kind == "plan.row" and c.fact.content["goal"] == "Närvaro"]
        row = shown.fact.fact_id
        assert changes == [("disclosed", f"{row}~skola", ("skola",)), ("disclosed", row, ("skola", "polis")),
                           ("ended", f"{row}~skola", ("skola",))]

    def test_a_follow_up_of_a_row_is_shown_with_the_row(self, story):
        """Hiding the row instead (a first version of rule 5) left its follow-ups shown, naming a row the reader
        did not see (a review's finding): the row is shown, its names withheld."""
        from domain.group_commands import PlanRowDraft

        story.consent_all({"skola": ("school",)})
        story.case.revise_plan(main_goal="Mål", rows=[
            PlanRowDraft("Skola", "Närvaro", "Skolpolis", "Mentor", ("skola", "polis"))], by=SOCIAL, at=story.at(),
            catalogue=CATALOGUE)
        row_id = next(iter(story.case.plan_rows))
        story.case.record_follow_up(row_id=row_id, status="achieved", note="Bra.", by=SOCIAL, at=story.at(),
                                    catalogue=CATALOGUE)
        shown = {d.fact.kind: d.fact.content for d in seen(story, "skola").values()}
        assert shown["follow_up"]["row_id"] == shown["plan.row"]["row_id"] == row_id

    def test_a_narrowing_is_told_only_to_the_recipients_whose_part_changed(self, story):
        """Told to a recipient whose part stayed as it was, it would say the consent had other recipients."""
        from domain.values import ScopeEntry

        both = {"skola": ("case", "school"), "bup": ("case", "health")}
        ids = story.consent_all(both)
        narrowed = lambda agency: [d.fact.content for d in seen(story, agency).values()  # noqa: E731
                                   if d.fact.kind == "consent.narrowed"]
        for consent_id, consenter in zip(ids, (YOUNG_PERSON, *story.case.guardians)):
            story.case.narrow_consent(consent_id=consent_id, consenter=consenter,
                                      scope=[ScopeEntry("skola", ("case", "school"))], valid_until=None, by=SOCIAL,
                                      at=story.at(), catalogue=CATALOGUE)
        assert narrowed("skola") == []                              # its part is as it was
        replay = Replay(story.events, CATALOGUE)
        replay.advance_to(story.now)
        parts = [f for f in replay.facts if f.kind == "consent.narrowed"]
        assert {f.fact_id.rsplit(".", 1)[-1] for f in parts if f.audience != frozenset({"socialtjanst"})} == {"bup"}
        story.case.narrow_consent(consent_id=ids[0], consenter=YOUNG_PERSON,
                                  scope=[ScopeEntry("skola", ("case", "school"))],
                                  valid_until=story.now.date() + timedelta(days=30), by=SOCIAL, at=story.at(),
                                  catalogue=CATALOGUE)
        assert len(narrowed("skola")) == 1                          # an earlier end: its part changed

    def test_a_withdrawal_is_not_told_to_a_recipient_a_narrowing_left_out(self, story):
        """It was told of the narrowing; told of the withdrawal too, it would learn the consent went on for
        others until then."""
        from domain.values import ScopeEntry

        ids = story.consent_all({"skola": ("case", "school"), "bup": ("case", "health")})
        story.consent_all({"bup": ("case",)})   # BUP still sees the case, under consents of its own
        for consent_id, consenter in zip(ids, (YOUNG_PERSON, *story.case.guardians)):
            story.case.narrow_consent(consent_id=consent_id, consenter=consenter,
                                      scope=[ScopeEntry("skola", ("case", "school"))], valid_until=None, by=SOCIAL,
                                      at=story.at(), catalogue=CATALOGUE)
        story.withdraw(ids[0])
        told = lambda agency, kind: [d.fact.content for d in seen(story, agency).values()  # noqa: E731
                                     if d.fact.kind == kind and d.fact.content["consent_id"] == ids[0]]
        assert [c["categories"] for c in told("bup", "consent.narrowed")] == [()]
        assert told("bup", "consent.withdrawn") == []
        replay = Replay(story.events, CATALOGUE)
        replay.advance_to(story.now)
        parts = [f.fact_id.rsplit(".", 1)[-1] for f in replay.facts if f.kind == "consent.withdrawn"]
        assert parts == ["owner", "skola"]   # the owner's whole, and the part of the one recipient left

    def test_an_outcome_recorded_in_another_agencys_name_reaches_it_only_under_consent(self, story):
        """Social services writes the minutes; what it gives as the school's words is not the school's own
        information to the rules: it could be anything (here the police's suspicion), sent unconsented."""
        story.consent_all({"skola": ("case", "school")})
        story.case.record_meeting(held_on=story.now.date(), attendees=("skola",), other_attendees=(), outcomes=(
            Outcome("crime", "skola", "Misstänkt för rån enligt polisen."),
            Outcome("school", "skola", "Närvaron har ökat.")), decisions=(), next_meeting=None, by=SOCIAL,
            at=story.at(), catalogue=CATALOGUE)
        assert not contributed(story, "skola", "Misstänkt för rån enligt polisen.")
        assert _basis_of(story, "skola", "Närvaron har ökat.").kind == "consent"
        story.case.record_meeting(held_on=story.now.date(), attendees=("skola",), other_attendees=(), outcomes=(
            Outcome("crime", "skola", "Skolan har själv sett en stöld."),), decisions=(), next_meeting=None,
            by=SCHOOL, at=story.at(), catalogue=CATALOGUE)
        assert _basis_of(story, "skola", "Skolan har själv sett en stöld.").kind == "origin"   # its own words

    def test_a_meeting_a_member_records_reaches_social_services_only_under_consent(self, story):
        """Social services sees the meetings it records as administration; a member's record of a meeting, its
        decisions included, is the member's information like its contributions."""
        from domain.values import Decision

        story.consent_all({"bup": ("case", "health")})
        story.case.record_meeting(held_on=story.now.date(), attendees=("bup",), other_attendees=("Dr Hemlig",),
                                  outcomes=(), decisions=(Decision("Medicinering prövas.", "health"),),
                                  next_meeting=None, by=BUP, at=story.at(), catalogue=CATALOGUE)
        meeting_kinds = [k for k in kinds(story, "socialtjanst") if k.startswith("meeting")]
        assert meeting_kinds == []
        assert "meeting.decision" in kinds(story, "bup")
        story.consent_all({"socialtjanst": ("health",)})
        decision = next(d for d in seen(story, "socialtjanst").values() if d.fact.kind == "meeting.decision")
        assert decision.basis.kind == "consent"
        story.case.record_meeting(held_on=story.now.date(), attendees=("bup",), other_attendees=(), outcomes=(),
                                  decisions=(Decision("Nästa möte om en månad.", "case"),), next_meeting=None,
                                  by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        ours = [d for d in seen(story, "socialtjanst").values()
                if d.fact.kind == "meeting.decision" and d.fact.content["text"] == "Nästa möte om en månad."]
        assert [d.basis.kind for d in ours] == ["origin"]

    def test_the_origin_always_sees_its_own(self, story):
        story.contribute(SCHOOL, "school", "Egen närvarorapport.")
        assert contributed(story, "skola", "Egen närvarorapport.")
        assert _basis_of(story, "skola", "Egen närvarorapport.").kind == "origin"

    def test_each_recipient_sees_only_its_own_part_of_a_consent(self, story):
        story.consent_all({"skola": ("case", "school"), "polis": ("case", "crime")})
        parts = [d.fact.content for d in seen(story, "skola").values() if d.fact.kind == "consent.granted"]
        assert parts and all(p["categories"] == ("case", "school") and "scope" not in p for p in parts)
        assert all("crime" not in repr(d.fact.content) for d in seen(story, "skola").values())

    def test_social_services_sees_the_administration_but_not_others_contributions_without_consent(self, story):
        story.consent_all(SCHOOL_SCOPE)
        story.contribute(SCHOOL, "school", "Närvaro 80 %.")
        social = kinds(story, "socialtjanst")
        assert {"case.opened", "case.subject", "referral", "eligibility", "guardians", "consent.granted",
                "member.joined"} <= set(social)
        assert not contributed(story, "socialtjanst", "Närvaro 80 %.")

    def test_a_lul6_notification_reaches_social_services_by_law(self, story):
        story.contribute(POLICE, "crime", "Ny misstanke om snatteri.", legal_basis="lul6")
        basis = _basis_of(story, "socialtjanst", "Ny misstanke om snatteri.")
        assert basis.kind == "law" and basis.legal_basis == "lul6"
        assert not contributed(story, "skola", "Ny misstanke om snatteri.")

    def test_lul6_cannot_be_cited_for_an_adult(self):
        story = CaseStory(personnummer=BORN_2003_06_10, entry_route="known").accept().join("polis")
        with pytest.raises(LegalBasisNotApplicable):
            story.contribute(POLICE, "crime", "Misstanke.", legal_basis="lul6")

    def test_lul6_cannot_be_cited_by_the_school(self, story):
        with pytest.raises(LegalBasisNotApplicable):
            story.contribute(SCHOOL, "crime", "Misstanke.", legal_basis="lul6")

    def test_the_police_referral_is_the_owners_administration_and_reaches_the_police_under_consent(self, story):
        """Social services records the referral in the police's name: nothing but social services vouches for
        it, so to the rules it is not the police's own (as an outcome in another's name is not)."""
        referral = next(d for d in seen(story, "socialtjanst").values() if d.fact.kind == "referral")
        assert referral.basis.kind == "owner"
        assert kinds(story, "polis") == [] and kinds(story, "skola") == []
        story.consent_all({"polis": ("case", "crime")})
        assert _basis_of_kind(story, "polis", "referral").kind == "consent"

    def test_a_referral_in_another_agencys_name_sends_it_nothing_unconsented(self):
        """Any agency may be named as the referrer of a case known to social services: as its own, the summary
        would reach it whatever its category, member or not."""
        s = CaseStory(entry_route="known", referring_agency="bup").accept()
        assert kinds(s, "bup") == []
        assert [r for r in disclosure_log(s.events, ["bup"], s.now, CATALOGUE)] == []


class TestSocialServicesSeesAMembersFactOnlyUnderItsOwnConsent:
    """Rules version 6: social services sees every membership as the case's administration, so a member's fact
    reaches it when the consents cover social services and the fact's category — and only then (DOMAIN.md: "other
    agencies' contributions reach it only through consent or law like anyone else's")."""

    birthday = start_of_day(date(2027, 3, 14))
    TO_SOCIAL = {"socialtjanst": ("school",)}

    def test_a_consent_naming_it_for_the_category_is_enough_and_its_basis_names_those_consents(self, story):
        ids = story.consent_all(self.TO_SOCIAL)        # no `case`: the police's membership is the case's own
        story.contribute(POLICE, "school", "Skolk observerat.")
        basis = _basis_of(story, "socialtjanst", "Skolk observerat.")
        assert basis.kind == "consent" and sorted(basis.consent_ids) == sorted(ids)

    def test_a_consent_to_another_recipient_or_another_category_shows_it_nothing(self, story):
        story.consent_all({"skola": ("case", "school", "health"), "socialtjanst": ("case", "crime")})
        story.contribute(POLICE, "school", "Skolk observerat.")
        story.contribute(BUP, "health", "Deltar i samtal.")
        for text in ("Skolk observerat.", "Deltar i samtal."):
            assert contributed(story, "skola", text) and not contributed(story, "socialtjanst", text)

    def test_under_18_a_guardians_consent_missing_keeps_it_hidden(self, story):
        mother, _father = story.case.guardians
        story.consent(YOUNG_PERSON, self.TO_SOCIAL)
        story.consent(mother, self.TO_SOCIAL)
        story.contribute(POLICE, "school", "Skolk observerat.")
        assert not contributed(story, "socialtjanst", "Skolk observerat.")

    @pytest.mark.parametrize("how", ["withdrawn", "narrowed", "lapsed"])
    def test_it_ends_at_the_moment_a_consent_is_withdrawn_narrowed_or_lapses(self, story, how):
        from domain.values import ScopeEntry

        scope = {"socialtjanst": ("health", "school"), "skola": ("case",)}
        young, *_ = story.consent_all(scope, valid_until=date(2026, 6, 30) if how == "lapsed" else None)
        story.contribute(POLICE, "school", "Skolk observerat.")
        ended_at = end_of_day(date(2026, 6, 30)) if how == "lapsed" else story.at()
        if how == "withdrawn":
            story.withdraw(young, when=ended_at)
        elif how == "narrowed":
            story.case.narrow_consent(consent_id=young, consenter=YOUNG_PERSON,
                                      scope=[ScopeEntry("socialtjanst", ("health",)), ScopeEntry("skola", ("case",))],
                                      valid_until=None, by=SOCIAL, at=ended_at, catalogue=CATALOGUE)
        assert contributed(story, "socialtjanst", "Skolk observerat.", ended_at - timedelta(seconds=1))
        assert not contributed(story, "socialtjanst", "Skolk observerat.", ended_at + timedelta(days=400))
        log = disclosure_log(story.events, ["socialtjanst"], ended_at + timedelta(days=400), CATALOGUE)
        ends = [c for c in log if c.fact.content.get("text") == "Skolk observerat." and c.change == "ended"]
        assert [c.at for c in ends] == [ended_at]

    def test_at_18_the_young_persons_own_consent_alone_counts(self, story):
        mother, father = story.case.guardians
        young = story.consent(YOUNG_PERSON, {"socialtjanst": ("health", "school")})
        story.consent(mother, self.TO_SOCIAL)
        story.consent(father, self.TO_SOCIAL)
        story.contribute(BUP, "health", "Deltar i samtal.")
        story.contribute(POLICE, "school", "Skolk observerat.")
        assert not contributed(story, "socialtjanst", "Deltar i samtal.", self.birthday - timedelta(seconds=1))
        assert contributed(story, "socialtjanst", "Deltar i samtal.", self.birthday)   # no guardian's is needed
        assert _basis_of(story, "socialtjanst", "Skolk observerat.", self.birthday).consent_ids == (young,)
        story.withdraw(young, when=self.birthday + timedelta(days=1))   # the guardians' no longer count
        assert not contributed(story, "socialtjanst", "Skolk observerat.", self.birthday + timedelta(days=2))

    def test_a_law_carries_only_what_it_names(self, story):
        story.consent_all({"socialtjanst": ("school",)})
        story.contribute(POLICE, "crime", "Ny misstanke.", legal_basis="lul6")
        story.contribute(POLICE, "crime", "Uppgift utan lagstöd.")
        assert _basis_of(story, "socialtjanst", "Ny misstanke.").kind == "law"
        assert not contributed(story, "socialtjanst", "Uppgift utan lagstöd.")

    def test_a_members_meeting_shows_it_only_the_parts_its_consents_cover(self, story):
        story.consent_all({"socialtjanst": ("school",)})
        story.case.record_meeting(held_on=story.now.date(), attendees=("bup", "socialtjanst"),
                                  other_attendees=("Dr Hemlig",), outcomes=(Outcome("health", "bup", "Medicin."),
                                                                            Outcome("school", "bup", "Skolstöd.")),
                                  decisions=(), next_meeting=None, by=BUP, at=story.at(), catalogue=CATALOGUE)
        shown = [d.fact for d in seen(story, "socialtjanst").values() if d.fact.kind.startswith("meeting")]
        assert [(f.kind, f.content.get("text")) for f in shown] == [("meeting.outcome", "Skolstöd.")]

    def test_a_member_is_told_nothing_of_social_services_part_of_a_consent(self, story):
        """Not in its own part, not by a narrowing or withdrawal of social services' part, not at its first day
        or end: a member's log is as it would be without that part."""
        from domain.values import ScopeEntry

        ids = story.consent_all({"skola": ("case", "school"), "socialtjanst": ("health", "school")})
        alone = story.consent_all({"socialtjanst": ("health",)}, valid_from=date(2026, 3, 1),
                                  valid_until=date(2026, 4, 30))
        before = story.now
        for consent_id, consenter in zip(ids, (YOUNG_PERSON, *story.case.guardians)):
            story.case.narrow_consent(consent_id=consent_id, consenter=consenter,
                                      scope=[ScopeEntry("skola", ("case", "school"))], valid_until=None, by=SOCIAL,
                                      at=story.at(), catalogue=CATALOGUE)
        for consent_id, consenter in zip(alone, (YOUNG_PERSON, *story.case.guardians)):
            story.withdraw(consent_id, consenter=consenter, when=utc(2026, 3, 10))
        parts = [d.fact.content for d in seen(story, "skola").values() if d.fact.kind.startswith("consent.")]
        assert [p["categories"] for p in parts] == [("case", "school")] * 3
        assert "socialtjanst" not in repr(parts) and "health" not in repr(parts)
        members = [a for a in CATALOGUE.agencies if a != "socialtjanst"]
        later = [c for c in disclosure_log(story.events, members, utc(2026, 6, 1), CATALOGUE) if c.at > before]
        assert later == []


def _basis_of_kind(story: CaseStory, agency: str, kind: str):
    return next(d.basis for d in seen(story, agency).values() if d.fact.kind == kind)


def _basis_of(story: CaseStory, agency: str, text: str, at=None):
    return next(d.basis for d in seen(story, agency, at).values() if d.fact.content.get("text") == text)


def _guardian(name: str, custody: bool):
    from domain.values import Guardian

    return Guardian("", name, custody)


class TestAReplayKeepsItsAnswers:
    """``Replay.visible_to`` judges only new facts between rule events; each scenario asks an agency, folds
    events it was not asked about, and asks again."""

    @staticmethod
    def _texts(replay: Replay, agency: str, at) -> set[str]:
        return {d.fact.content["text"] for d in replay.visible_to(agency, at) if "text" in d.fact.content}

    @staticmethod
    def _fold(replay: Replay, story: CaseStory) -> None:
        for event in story.events[replay.case.version if replay.case else 0:]:
            replay.apply(event)

    def test_joining_shows_earlier_facts_the_agency_was_not_shown_before(self):
        story = CaseStory().accept()
        story.guardians("Maria", "Johan")
        story.join("polis")
        story.consent_all(SCHOOL_SCOPE)
        story.contribute(POLICE, "school", "Skolk observerat.")
        replay = Replay((), CATALOGUE)
        self._fold(replay, story)
        assert "Skolk observerat." not in self._texts(replay, "skola", story.now)
        story.join("skola")
        self._fold(replay, story)
        assert "Skolk observerat." in self._texts(replay, "skola", story.now)

    def test_a_withdrawal_for_one_agency_ends_what_it_was_shown_and_no_other_agencys(self, story):
        school, *_ = story.consent_all(SCHOOL_SCOPE)
        story.consent_all({"bup": ("case", "crime")})
        story.contribute(POLICE, "school", "Skolk observerat.")
        story.contribute(POLICE, "crime", "Misstänkt.")
        replay = Replay((), CATALOGUE)
        self._fold(replay, story)
        assert "Skolk observerat." in self._texts(replay, "skola", story.now)
        assert "Misstänkt." in self._texts(replay, "bup", story.now)
        story.withdraw(school)
        self._fold(replay, story)
        copy = replay.copy()  # what the copy was told of the withdrawal, it keeps
        assert "Skolk observerat." not in self._texts(copy, "skola", story.now)
        assert "Misstänkt." in self._texts(copy, "bup", story.now)
        story.contribute(POLICE, "school", "Efter återkallelsen.")
        self._fold(copy, story)
        assert self._texts(replay, "skola", story.now) == set()  # the original folded nothing more

    def test_a_lapse_on_the_calendar_ends_what_was_shown_with_no_event(self, story):
        story.consent_all(SCHOOL_SCOPE, valid_until=date(2026, 6, 30))
        story.contribute(POLICE, "school", "Skolk observerat.")
        replay = Replay((), CATALOGUE)
        self._fold(replay, story)
        end = end_of_day(date(2026, 6, 30))
        assert "Skolk observerat." in self._texts(replay, "skola", end - timedelta(seconds=1))
        assert "Skolk observerat." not in self._texts(replay, "skola", end)
        assert "Skolk observerat." in self._texts(replay, "skola", end - timedelta(seconds=1))


class TestEveryChangeSaysWhatCausedIt:
    """The log names the cause of each change: an auditor must not have to infer why a fact stopped being visible."""

    @staticmethod
    def _changes(story, agency, text, until=None):
        log = disclosure_log(story.events, [agency], until or story.now, CATALOGUE)
        return [c for c in log if c.fact.content.get("text") == text]

    def test_a_fact_disclosed_when_recorded_is_caused_by_its_recording(self, story):
        story.consent_all(SCHOOL_SCOPE)
        story.contribute(POLICE, "school", "Skolk observerat.")
        [disclosed] = self._changes(story, "skola", "Skolk observerat.")
        assert disclosed.change == "disclosed" and disclosed.cause == (Cause("recorded"),)

    def test_an_earlier_fact_disclosed_by_the_last_consent_needed_names_that_grant(self, story):
        story.contribute(POLICE, "school", "Skolk observerat.")
        *_, last = story.consent_all(SCHOOL_SCOPE)
        [disclosed] = self._changes(story, "skola", "Skolk observerat.")
        assert disclosed.cause == (Cause("consent_granted", (last,)),)

    def test_a_withdrawal_names_the_consent_withdrawn(self, story):
        young, mother, father = story.consent_all(SCHOOL_SCOPE)
        story.contribute(POLICE, "school", "Skolk observerat.")
        story.withdraw(mother, consenter=next(iter(story.case.guardians)))
        disclosed, ended = self._changes(story, "skola", "Skolk observerat.")
        assert ended.change == "ended" and ended.cause == (Cause("consent_withdrawn", (mother,)),)
        assert mother in ended.basis.consent_ids  # the basis is the one that held until then

    def test_a_narrowing_names_the_consent_narrowed(self, story):
        from domain.values import ScopeEntry

        young, *_ = story.consent_all({"skola": ("case", "school", "health")})
        story.contribute(BUP, "health", "Deltar i samtal.")
        story.case.narrow_consent(consent_id=young, consenter=YOUNG_PERSON, scope=[ScopeEntry("skola", ("case", "school"))],
                                  valid_until=None, by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        *_, ended = self._changes(story, "skola", "Deltar i samtal.")
        assert ended.change == "ended" and ended.cause == (Cause("consent_narrowed", (young,)),)

    def test_leaving_the_group_names_the_agency_that_left(self, story):
        story.consent_all(SCHOOL_SCOPE)
        story.contribute(POLICE, "school", "Polisens uppgift.")
        story.case.remove_member(agency="skola", reason="Slutat skolan", by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        *_, ended = self._changes(story, "skola", "Polisens uppgift.")
        assert ended.change == "ended" and ended.cause == (Cause("member_left", agency="skola"),)

    def test_closing_the_case_names_the_closure_to_each_member(self, story):
        story.consent_all(SCHOOL_SCOPE)
        story.contribute(POLICE, "school", "Polisens uppgift.")
        story.case.close(reason="other", outcome="Klart.", by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        *_, ended = self._changes(story, "skola", "Polisens uppgift.")
        assert ended.change == "ended" and ended.cause == (Cause("case_closed"),)

    def test_joining_the_group_names_the_agency_that_joined(self):
        s = CaseStory().accept()
        s.guardians("Maria", "Johan")
        s.join("polis")
        s.consent_all(SCHOOL_SCOPE)
        s.contribute(POLICE, "school", "Skolk observerat.")
        s.join("skola")
        [disclosed] = self._changes(s, "skola", "Skolk observerat.")
        assert disclosed.cause == (Cause("member_joined", agency="skola"),)

    def test_a_lapse_names_the_consents_that_ran_out_at_that_moment(self, story):
        ids = story.consent_all(SCHOOL_SCOPE, valid_until=date(2026, 6, 30))
        story.contribute(POLICE, "school", "Skolk observerat.")
        end = end_of_day(date(2026, 6, 30))
        *_, ended = self._changes(story, "skola", "Skolk observerat.", until=end)
        assert ended.change == "ended" and ended.at == end
        assert ended.cause == (Cause("consent_ends", tuple(ids)),)

    def test_the_calendar_keepers_record_of_a_lapse_names_it_too(self, story):
        ids = story.consent_all(SCHOOL_SCOPE, valid_until=date(2026, 6, 30))
        story.contribute(POLICE, "school", "Skolk observerat.")
        end = end_of_day(date(2026, 6, 30))
        story.case.note_calendar(at=end, catalogue=CATALOGUE)   # recorded at the moment itself
        *_, ended = self._changes(story, "skola", "Skolk observerat.", until=end)
        assert ended.at == end and ended.cause == (Cause("consent_ends", tuple(ids)),)

    def test_the_18th_birthday_is_named_as_the_cause_of_the_change_of_basis(self, story):
        story.consent_all(SCHOOL_SCOPE)
        story.contribute(POLICE, "school", "Skolk observerat.")
        birthday = TestTurning18.birthday
        *_, changed = self._changes(story, "skola", "Skolk observerat.", until=birthday)
        assert changed.change == "basis_changed" and changed.cause == (Cause("turns_18"),)

    def test_the_causes_read_in_swedish(self, story):
        from services.basis_text import describe_cause

        young, *_ = story.consent_all(SCHOOL_SCOPE)
        story.contribute(POLICE, "school", "Skolk observerat.")
        story.withdraw(young)
        *_, ended = self._changes(story, "skola", "Skolk observerat.")
        assert describe_cause(ended.cause, CATALOGUE) == f"samtycke {young[:8]} återkallades"
        assert describe_cause((Cause("member_left", agency="skola"),), CATALOGUE).endswith("lämnade gruppen")


class TestACalendarCauseSpeaksForTheAgencyItNames:
    """Moments at one instant are named per agency: only its own consents' starts and ends, never a consent withdrawn
    by then, and an event at that very instant only where it concerned the agency (reviewers found every agency
    told of every consent ending that midnight)."""

    @staticmethod
    def _ended(story, agency, text, until):
        log = disclosure_log(story.events, [agency], until, CATALOGUE)
        return [c for c in log if c.change == "ended" and c.fact.content.get("text") == text]

    def test_two_agencies_consents_ending_at_one_midnight_are_each_named_to_their_own(self, story):
        school = story.consent_all(SCHOOL_SCOPE, valid_until=date(2026, 6, 30))
        police = story.consent_all({"polis": ("case", "school")}, valid_until=date(2026, 6, 30))
        story.contribute(POLICE, "school", "Till skolan.")
        story.contribute(SCHOOL, "school", "Till polisen.")
        end = end_of_day(date(2026, 6, 30))
        [for_school] = self._ended(story, "skola", "Till skolan.", end)
        [for_police] = self._ended(story, "polis", "Till polisen.", end)
        assert for_school.cause == (Cause("consent_ends", tuple(school)),)
        assert for_police.cause == (Cause("consent_ends", tuple(police)),)

    def test_a_consent_withdrawn_before_its_end_is_not_said_to_run_out(self, story):
        early = story.consent(YOUNG_PERSON, {"bup": ("case",)}, valid_until=date(2026, 6, 30))
        story.withdraw(early)
        ids = story.consent_all(SCHOOL_SCOPE, valid_until=date(2026, 6, 30))
        story.contribute(POLICE, "school", "Skolk observerat.")
        end = end_of_day(date(2026, 6, 30))
        [ended] = self._ended(story, "skola", "Skolk observerat.", end)
        assert ended.cause == (Cause("consent_ends", tuple(ids)),) and early not in ended.cause[0].consent_ids

    def test_an_event_at_a_moments_instant_is_named_only_where_it_concerned_the_agency(self):
        s = CaseStory().accept()
        s.guardians("Maria", "Johan")
        s.join("skola")
        ids = s.consent_all(SCHOOL_SCOPE, valid_until=date(2026, 6, 30))
        s.consent_all({"polis": ("case", "school")})
        s.contribute(SCHOOL, "school", "Närvaro.")
        end = end_of_day(date(2026, 6, 30))
        s.join("polis", when=end)   # the police join at the very instant the school's consents end
        log = disclosure_log(s.events, ["skola", "polis"], end, CATALOGUE)
        school_end = [c for c in log if c.agency == "skola" and c.change == "ended"]
        police_seen = [c for c in log if c.agency == "polis" and c.change == "disclosed" and c.at == end
                       and c.fact.content.get("text") == "Närvaro."]
        assert school_end and all(c.cause == (Cause("consent_ends", tuple(ids)),) for c in school_end)
        assert police_seen and police_seen[0].cause == (Cause("member_joined", agency="polis"),)

    def test_a_grant_at_a_moments_instant_is_named_only_to_the_agencies_it_names(self, story):
        ids = story.consent_all(SCHOOL_SCOPE, valid_until=date(2026, 6, 30))
        story.contribute(POLICE, "school", "Skolk observerat.")
        end = end_of_day(date(2026, 6, 30))
        police = story.consent(YOUNG_PERSON, {"polis": ("case", "school")}, when=end)   # at the very instant
        [ended] = [c for c in disclosure_log(story.events, ["skola"], end, CATALOGUE)
                   if c.change == "ended" and c.fact.content.get("text") == "Skolk observerat."]
        assert ended.cause == (Cause("consent_ends", tuple(ids)),) and police not in str(ended.cause)
