"""Calendar moments are recorded as facts when they pass; the rules' answers do not depend on it."""

from __future__ import annotations

from datetime import date

from domain.calendar import end_of_day, start_of_day
from domain.disclosure import disclosure_log, disclosures_at
from tests.builders import CATALOGUE, POLICE, CaseStory, utc

SCOPE = {"skola": ("case", "school")}


def story_with_a_consent_ending(on: date) -> CaseStory:
    story = CaseStory().accept()
    story.guardians("Maria", "Johan")
    story.join("skola", "polis")
    story.consent_all(SCOPE, valid_until=on)
    story.contribute(POLICE, "school", "Skolk observerat.")
    return story


def test_nothing_is_recorded_when_no_moment_has_passed():
    story = story_with_a_consent_ending(date(2026, 6, 30))
    assert story.case.note_calendar(at=story.at(), catalogue=CATALOGUE) == 0


def test_the_end_of_a_consents_last_day_is_recorded_once_it_has_passed():
    story = story_with_a_consent_ending(date(2026, 6, 30))
    assert story.case.note_calendar(at=story.at(utc(2026, 7, 1, 6)), catalogue=CATALOGUE) == 3  # three consents
    event = story.events[-1]
    assert {m.what for m in event.moments} == {"consent_ends"}
    assert all(m.at == end_of_day(date(2026, 6, 30)) for m in event.moments)
    assert story.case.note_calendar(at=story.at(), catalogue=CATALOGUE) == 0  # not twice


def test_the_18th_birthday_is_a_moment():
    story = CaseStory()
    assert story.case.due_moments(utc(2027, 3, 14, 12))[-1].what == "turns_18"
    assert story.case.due_moments(utc(2027, 3, 14, 12))[-1].at == start_of_day(date(2027, 3, 14))


def test_recording_the_calendar_changes_no_answer_of_the_rules():
    ends = date(2026, 6, 30)
    plain = story_with_a_consent_ending(ends)
    noted = story_with_a_consent_ending(ends)
    noted.case.note_calendar(at=noted.at(utc(2026, 7, 1, 6)), catalogue=CATALOGUE)
    until = utc(2026, 8, 1)
    for agency in ("skola", "polis", "socialtjanst"):
        with_note = {d.fact.fact_id: d.basis for d in disclosures_at(noted.events, agency, until, CATALOGUE)
                     if d.fact.kind != "calendar"}
        without = {d.fact.fact_id: d.basis for d in disclosures_at(plain.events, agency, until, CATALOGUE)}
        assert with_note.keys() == without.keys()
    log = disclosure_log(noted.events, ["skola"], until, CATALOGUE)
    ended = [c for c in log if c.change == "ended"]
    assert ended and all(c.at == end_of_day(ends) for c in ended)  # at the true moment, not when noted


def test_the_calendar_fact_is_for_social_services_only():
    story = story_with_a_consent_ending(date(2026, 6, 30))
    story.case.note_calendar(at=story.at(utc(2026, 7, 1, 6)), catalogue=CATALOGUE)
    assert any(d.fact.kind == "calendar" for d in disclosures_at(story.events, "socialtjanst", story.now, CATALOGUE))
    assert not any(d.fact.kind == "calendar" for d in disclosures_at(story.events, "skola", story.now, CATALOGUE))




def test_the_edges_of_what_dates_can_count_have_instants_so_an_old_far_out_consent_still_folds():
    from datetime import date as day
    from domain.calendar import end_of_day, local_date, start_of_day
    for edge in (day.min, day.max):
        for instant in (start_of_day(edge), end_of_day(edge)):
            local_date(instant)   # each can be told as a Swedish date again: no OverflowError anywhere
    assert start_of_day(day.min) < start_of_day(day(1900, 1, 1)) and end_of_day(day.max) > end_of_day(day(2199, 1, 1))


def test_a_narrowed_end_leaves_no_moment_behind_that_the_keeper_would_never_record():
    """Every consent narrowed to end a month earlier: the engine kept the old end as its next moment, which the
    keeper (recording the case's own moments) never recorded — the case lists kept the case as due for ever, and
    failed closed, hiding it from every member."""
    from domain.values import ScopeEntry
    from domain.visibility import CaseVisibility
    from tests.builders import SOCIAL

    story = story_with_a_consent_ending(date(2026, 6, 30))
    for consent_id, record in list(story.case.consents.items()):
        story.case.narrow_consent(consent_id=consent_id, consenter=record.consenter, scope=[ScopeEntry("skola", (
            "case", "school"))], valid_until=date(2026, 5, 31), by=SOCIAL, at=story.at(), catalogue=CATALOGUE)
    assert story.case.note_calendar(at=story.at(utc(2026, 6, 1, 6)), catalogue=CATALOGUE) == 3
    engine = CaseVisibility(CATALOGUE, tuple(CATALOGUE.agencies))
    for event in story.events:
        engine.apply(event)
    due = engine.next_moment()
    assert due == start_of_day(date(2027, 3, 14))   # the 18th birthday: the old end is gone
    assert due in {m.at for m in story.case.calendar_moments()}   # a moment the keeper will record


def test_a_withdrawn_consents_first_day_and_end_are_no_moments_of_the_keeper_or_the_engine():
    """An auditor found the keeper recording "Ett samtycke upphör att gälla" for a consent withdrawn months before:
    facts that said nothing.  The engine drops them too, or the case would stay due with nothing to record."""
    from domain.visibility import CaseVisibility

    story = story_with_a_consent_ending(date(2026, 6, 30))
    later = story.consent(scope={"polis": ("case",)}, valid_from=date(2026, 4, 1), valid_until=date(2026, 9, 30))
    story.withdraw(later)
    assert not [m for m in story.case.calendar_moments() if m.consent_id == later]
    assert story.case.note_calendar(at=story.at(utc(2026, 10, 2, 6)), catalogue=CATALOGUE) == 3   # the other three
    engine = CaseVisibility(CATALOGUE, tuple(CATALOGUE.agencies))
    for event in story.events:
        engine.apply(event)
    assert engine.next_moment() == start_of_day(date(2027, 3, 14))
