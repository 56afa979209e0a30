"""A meeting's outcomes are given in the name of social services or of an agency in the group, and its attendees are
agencies in the group (a caseworker's walk, 2026-12-05: the meeting form offered every agency of the catalogue as an
outcome's origin, and one outside the group came back "Ogiltigt värde.", the domain's "must have attended").  As for
a plan row's responsible agencies (``responsible_not_a_member``): refused at the very place, with its own code.

Checked on the command only: a meeting stored before, with an outcome in an outsider's name, still applies and is
judged as it was."""

from __future__ import annotations

import pytest

from domain import case_events as ev
from domain import errors
from domain.disclosure import disclosures_at
from domain.values import Outcome
from tests.builders import BUP, CATALOGUE, SOCIAL, CaseStory


def _meeting(story: CaseStory, **given) -> str:
    return story.case.record_meeting(**{"held_on": story.now.date(), "attendees": (), "other_attendees": (),
                                        "outcomes": (), "decisions": (), "next_meeting": None, "by": SOCIAL,
                                        "at": story.at(), "catalogue": CATALOGUE, **given})


def _meetings(story: CaseStory) -> list:
    return [e for e in story.events if isinstance(e, ev.MeetingHeld)]


def test_an_outcome_in_the_name_of_an_agency_outside_the_group_is_refused_at_its_origin():
    story = CaseStory().accept().join("skola")
    with pytest.raises(errors.OutcomeOriginNotAMember) as raised:
        _meeting(story, attendees=("skola",), outcomes=(Outcome("school", "skola", "Närvaron har ökat."),
                                                        Outcome("health", "bup", "Samtalen fortsätter.")))
    assert (raised.value.code, raised.value.field) == ("outcome_origin_not_a_member", "outcomes.1.origin_agency")
    assert isinstance(raised.value, errors.NotAGroupMember) and "'bup'" in str(raised.value)
    assert not _meetings(story)
    story.join("bup")
    _meeting(story, attendees=("skola", "bup"), outcomes=(Outcome("school", "skola", "Närvaron har ökat."),
                                                          Outcome("health", "bup", "Samtalen fortsätter.")))
    assert [o.origin_agency for o in _meetings(story)[0].outcomes] == ["skola", "bup"]


def test_an_agency_that_has_left_is_neither_an_origin_nor_an_attendee():
    story = CaseStory().accept().join("skola", "bup")
    story.case.remove_member(agency="bup", reason="Behandlingen avslutad.", by=SOCIAL, at=story.at(),
                             catalogue=CATALOGUE)
    with pytest.raises(errors.OutcomeOriginNotAMember) as raised:
        _meeting(story, attendees=("skola",), outcomes=(Outcome("health", "bup", "Samtalen är avslutade."),))
    assert raised.value.field == "outcomes.0.origin_agency"
    with pytest.raises(errors.NotAGroupMember) as raised:
        _meeting(story, attendees=("skola", "bup"))
    assert (raised.value.code, raised.value.field) == ("not_a_group_member", "attendees.1")
    assert not _meetings(story)


def test_social_services_and_an_attending_member_are_origins_and_a_member_not_attending_is_not():
    story = CaseStory().accept().join("skola", "polis")
    with pytest.raises(errors.InvalidInput) as raised:   # in the group, but not at the meeting: the old rule
        _meeting(story, attendees=("skola",), outcomes=(Outcome("crime", "polis", "Inga nya misstankar."),))
    assert not isinstance(raised.value, errors.NotAGroupMember)
    assert (raised.value.code, raised.value.field) == ("invalid_input", "outcomes.0.origin_agency")
    with pytest.raises(errors.InvalidInput) as raised:   # an id the catalogue does not know: said as such
        _meeting(story, outcomes=(Outcome("crime", "nobody", "x"),))
    assert raised.value.field == "outcomes.0.origin_agency" and "unknown agency" in str(raised.value)
    _meeting(story, outcomes=(Outcome("case", "socialtjanst", "Familjen får stöd i hemmet."),))
    assert len(_meetings(story)) == 1


def test_a_member_naming_another_origin_is_told_the_same_whether_that_agency_takes_part_or_not():
    """The member's own rule comes first: the new refusal must not tell BUP whether the school is in the group."""
    story = CaseStory().accept().join("skola", "bup")
    refusals = []
    for other in ("skola", "sis"):
        with pytest.raises(errors.InvalidInput) as raised:
            _meeting(story, by=BUP, attendees=("bup",), outcomes=(Outcome("health", other, "Samtal."),))
        refusals.append((type(raised.value), raised.value.code, raised.value.field, str(raised.value)))
    assert refusals[0] == refusals[1] and refusals[0][1] == "invalid_input"


def test_a_meeting_stored_with_outcomes_in_outsiders_names_still_applies_and_is_judged_as_before():
    story = CaseStory().accept()
    story.guardians("Maria", "Johan")
    story.join("skola", "polis")
    story.consent_all({"skola": ("case", "school", "health"), "polis": ("case", "crime", "health")})
    story.case._trigger(ev.MeetingHeld, story.at(), SOCIAL, meeting_id="old", held_on=story.now.date(),
                        attendees=("skola",), other_attendees=(), decisions=(), next_meeting=None, outcomes=(
                            Outcome("school", "skola", "Närvaron har ökat."),
                            Outcome("health", "bup", "Samtalen fortsätter."),
                            Outcome("crime", "sis", "Placerad på ungdomshem.")))

    def outcomes(agency: str) -> set[tuple[str, str]]:
        seen = disclosures_at(story.events, agency, story.now, CATALOGUE)
        return {(d.fact.content["text"], d.basis.kind) for d in seen if d.fact.kind == "meeting.outcome"}

    # As the rules judged it before the command refused such outcomes (2026-12-05): BUP's in the school's and the
    # police's sight under consents covering `health`; the outsiders themselves, outside the group, see nothing.
    assert outcomes("skola") == {("Närvaron har ökat.", "consent"), ("Samtalen fortsätter.", "consent")}
    assert outcomes("polis") == {("Samtalen fortsätter.", "consent")}
    assert outcomes("bup") == outcomes("sis") == outcomes("socialtjanst") == set()


def test_a_decisions_refusal_names_its_position_as_an_outcomes_does():
    """It read ``decisions.category`` and ``decisions.text`` whichever decision was at fault."""
    from domain.values import Decision

    story = CaseStory().accept()
    fine = Decision("Nästa möte i mars.", "case")
    with pytest.raises(errors.InvalidInput) as raised:
        _meeting(story, decisions=(fine, Decision("BUP prövar medicinering.", "no-such-category")))
    assert raised.value.field == "decisions.1.category"
    with pytest.raises(errors.InvalidInput) as raised:
        _meeting(story, decisions=(fine, fine, Decision("  ", "health")))
    assert raised.value.field == "decisions.2.text"
    assert not _meetings(story)
