"""Skyddade personuppgifter: social services records that the young person has protected personal data, or no longer
has it; the fact reaches exactly those who see that the case exists."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.disclosure import disclosures_at
from domain.errors import CaseIsClosed, DateInFuture, InvalidInput, NotLeadAgency, ProtectionUnchanged
from domain.values import YOUNG_PERSON, Protection
from tests.builders import CATALOGUE, POLICE, SCHOOL, SOCIAL, CaseStory, utc


@pytest.fixture
def story() -> CaseStory:
    s = CaseStory().accept()
    s.guardians("Maria")
    s.join("skola", "polis")
    return s


def protect(story: CaseStory, by=SOCIAL, **fields) -> None:
    story.case.record_protection(**{"protected": True, "kind": "skyddad_folkbokforing", **fields}, by=by,
                                 at=story.at(), catalogue=CATALOGUE)


def lift(story: CaseStory, **fields) -> None:
    story.case.record_protection(protected=False, **fields, by=SOCIAL, at=story.at(), catalogue=CATALOGUE)


def protected_facts(story: CaseStory, agency: str) -> list[dict]:
    return [dict(d.fact.content) for d in disclosures_at(story.events, agency, story.now, CATALOGUE)
            if d.fact.kind == "case.protected"]


class TestRecordingProtection:
    def test_social_services_records_the_kind_from_today_by_default(self, story):
        protect(story)
        assert story.case.protection == Protection("skyddad_folkbokforing", story.now.date())

    def test_a_day_given_is_kept(self, story):
        protect(story, kind="sekretessmarkering", since=date(2025, 11, 3))
        assert story.case.protection == Protection("sekretessmarkering", date(2025, 11, 3))

    def test_another_kind_replaces_the_first(self, story):
        protect(story)
        protect(story, kind="sekretessmarkering")
        assert story.case.protection.kind == "sekretessmarkering"

    def test_lifting_it_leaves_no_protection(self, story):
        protect(story)
        lift(story)
        assert story.case.protection is None

    def test_only_social_services_records_it(self, story):
        with pytest.raises(NotLeadAgency):
            protect(story, by=SCHOOL)

    def test_the_same_kind_again_is_refused_as_unchanged(self, story):
        protect(story)
        with pytest.raises(ProtectionUnchanged) as refused:
            protect(story)
        assert refused.value.field == "kind" and refused.value.code == "protection_unchanged"

    def test_lifting_where_none_is_recorded_is_refused_as_unchanged(self, story):
        with pytest.raises(ProtectionUnchanged) as refused:
            lift(story)
        assert refused.value.field == "protected"

    def test_a_kind_is_required_and_must_be_known(self, story):
        with pytest.raises(InvalidInput) as missing:
            protect(story, kind=None)
        with pytest.raises(InvalidInput) as unknown:
            protect(story, kind="hemlig")
        assert missing.value.field == unknown.value.field == "kind"

    def test_lifting_takes_no_kind(self, story):
        protect(story)
        with pytest.raises(InvalidInput) as refused:
            lift(story, kind="sekretessmarkering")
        assert refused.value.field == "kind"

    def test_a_day_in_the_future_is_refused(self, story):
        with pytest.raises(DateInFuture) as refused:
            protect(story, since=story.now.date() + timedelta(days=2))
        assert refused.value.field == "since"

    def test_a_day_outside_the_calendar_is_refused(self, story):
        with pytest.raises(InvalidInput) as refused:
            protect(story, since=date(1800, 1, 1))
        assert refused.value.field == "since"

    def test_it_cannot_be_lifted_from_before_it_began(self, story):
        protect(story, since=date(2026, 2, 1))
        with pytest.raises(InvalidInput) as refused:
            lift(story, since=date(2026, 1, 31))
        assert refused.value.field == "since"

    def test_another_kind_cannot_begin_before_the_current_one_began(self, story):
        """A change of kind from before the kind it replaces began rewrote that one's start unseen."""
        protect(story, since=date(2026, 2, 1))
        with pytest.raises(InvalidInput) as refused:
            protect(story, kind="sekretessmarkering", since=date(2026, 1, 31))
        assert refused.value.field == "since" and "before the protection began" in refused.value.message
        protect(story, kind="sekretessmarkering", since=date(2026, 2, 1))   # the same day is a change of kind
        assert story.case.protection == Protection("sekretessmarkering", date(2026, 2, 1))

    def test_a_closed_case_takes_none(self, story):
        story.case.close(reason="moved", outcome="Flyttat.", by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        with pytest.raises(CaseIsClosed):
            protect(story)

    def test_a_case_found_not_eligible_still_takes_it(self):
        story = CaseStory()
        story.case.decide_eligibility(accepted=False, reasons="Inte aktuell.", instruments=(), decided_on=date(2026, 2, 2),
                                      by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
        protect(story)
        assert story.case.protection is not None


class TestWhoIsTold:
    def test_the_fact_is_the_leads_case_administration(self, story):
        protect(story, kind="sekretessmarkering")
        assert protected_facts(story, "socialtjanst") == [
            {"protected": True, "kind": "sekretessmarkering", "since": story.now.date()}]

    def test_a_member_seeing_the_case_is_told(self, story):
        story.consent_all({"skola": ("case",)})
        protect(story)
        assert [f["kind"] for f in protected_facts(story, "skola")] == ["skyddad_folkbokforing"]

    def test_a_member_without_case_consent_is_never_told(self, story):
        story.consent_all({"skola": ("case",), "polis": ("crime", "school")})
        protect(story)
        lift(story)
        assert protected_facts(story, "polis") == []
        assert [f["protected"] for f in protected_facts(story, "skola")] == [True, False]

    def test_an_agency_outside_the_group_is_never_told(self, story):
        story.consent_all({"skola": ("case",), "bup": ("case",)})
        protect(story)
        assert protected_facts(story, "bup") == []

    def test_a_withdrawal_ends_what_the_member_was_told(self, story):
        consent = story.consent(YOUNG_PERSON, {"skola": ("case",)})
        story.consent(story.case.guardians and next(iter(story.case.guardians)), {"skola": ("case",)})
        protect(story)
        assert protected_facts(story, "skola")
        story.withdraw(consent)
        assert protected_facts(story, "skola") == []

    def test_the_police_recording_nothing_still_sees_its_own(self, story):
        # The flag changes nothing of who sees what: the police sees what it recorded, as before.
        story.contribute(POLICE, "crime", "Misstänkt igen.")
        protect(story)
        assert [d.fact.kind for d in disclosures_at(story.events, "polis", story.now, CATALOGUE)] == ["contribution"]


class TestTheGuardiansExtract:
    """A guardian's extract leaves out the readers and purposes while the protection is recorded, and only then; the
    young person's never does (``services.guardian_extract``)."""

    def test_only_a_guardians_while_protected(self, story):
        guardian = next(iter(story.case.guardians))
        assert not story.case.extract_leaves_out_readers(guardian)
        protect(story)
        assert story.case.extract_leaves_out_readers(guardian)
        assert not story.case.extract_leaves_out_readers(YOUNG_PERSON)
        lift(story)
        assert not story.case.extract_leaves_out_readers(guardian)
