"""Who drew each revision of the action plan up with social services ("Åtgärdsplan upprättas i samråd med individen
och berörda parter", seed 004): the plan revision takes whether the young person took part, which of the case's
guardians did (by id) and, when the young person did not, why; the plan answer gives them back with the goal.
Refused: a guardian not on the case, a missing reason (422 naming the field, nothing recorded)."""

from __future__ import annotations

import pytest

from tests.integration.api.flows import events_of, ok, school_consented_case

ROW = {"area": "Skola", "goal": "Närvaro.", "how": "Mentor.", "responsible": "Mentor"}


@pytest.fixture
def case(client, users, tick) -> tuple[str, list[str]]:
    case_id, _ = school_consented_case(client, users, tick)
    timeline = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    guardians = next(f for f in timeline["facts"] if f["kind"] == "guardians")["content"]["guardians"]
    return case_id, [g["guardian_id"] for g in guardians]


def _revise(client, users, case_id, **participation):
    return client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social,
                       json={"main_goal": "Mål.", "rows": [ROW], **participation})


def _plan(client, headers, case_id) -> dict:
    return ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=headers))


def test_the_plan_answer_gives_back_who_drew_the_revision_up(client, users, tick, case):
    case_id, (maria, _) = case
    tick()
    ok(_revise(client, users, case_id, young_person_took_part=True, guardians_took_part=[maria]), 201)
    plan = _plan(client, users.social, case_id)
    assert (plan["young_person_took_part"], plan["guardians_took_part"], plan["not_taking_part_reason"]) == (
        True, [maria], None)
    # With the goal (`case`): the school, whose consents cover `case`, sees it as it sees the goal, by id.
    school = _plan(client, users.school, case_id)
    assert school["main_goal"] == "Mål." and school["guardians_took_part"] == [maria]
    tick()
    ok(_revise(client, users, case_id, young_person_took_part=False, not_taking_part_reason="Inlagd."), 201)
    plan = _plan(client, users.social, case_id)
    assert (plan["young_person_took_part"], plan["guardians_took_part"], plan["not_taking_part_reason"]) == (
        False, [], "Inlagd.")


def test_a_revision_without_it_answers_not_recorded(client, users, tick, case):
    case_id, _ = case
    tick()
    ok(_revise(client, users, case_id), 201)
    plan = _plan(client, users.social, case_id)
    assert (plan["young_person_took_part"], plan["guardians_took_part"], plan["not_taking_part_reason"]) == (
        None, [], None)


@pytest.mark.parametrize(("given", "field"), [
    ({"young_person_took_part": True, "guardians_took_part": ["not-a-guardian"]}, "body.guardians_took_part.0"),
    ({"young_person_took_part": False}, "body.not_taking_part_reason"),
    ({"young_person_took_part": False, "not_taking_part_reason": "   "}, "body.not_taking_part_reason"),
    ({"young_person_took_part": True, "not_taking_part_reason": "Sjuk."}, "body.not_taking_part_reason"),
    ({"guardians_took_part": ["x"]}, "body.young_person_took_part"),
    ({"young_person_took_part": "yes"}, "body.young_person_took_part"),
])
def test_a_bad_participation_is_422_naming_the_field_and_records_nothing(client, users, tick, postgres, case,
                                                                        given, field):
    case_id, _ = case
    before = events_of(postgres, case_id)
    tick()
    answer = _revise(client, users, case_id, **given)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field
    assert events_of(postgres, case_id) == before
