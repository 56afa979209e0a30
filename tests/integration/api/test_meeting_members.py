"""A meeting's outcomes are given in the name of social services or of an agency in the group (a caseworker's walk,
2026-12-05: the meeting form offered every agency of the catalogue as an outcome's origin, and one outside the group
came back "Ogiltigt värde.").  Over the API a 422 `outcome_origin_not_a_member` at `body.outcomes.N.origin_agency`,
an attendee outside the group `not_a_group_member` at `body.attendees.N`; in the web client a Swedish message with the
form kept, and the form offers as origins social services and the group's members only."""

from __future__ import annotations

import re

from tests.integration.api.flows import events_of, ok, school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.web_forms import hidden_fields

SCHOOL_SAID = {"category": "school", "origin_agency": "skola", "text": "Närvaron har ökat."}
BUP_SAID = {"category": "health", "origin_agency": "bup", "text": "Samtalen fortsätter."}


def _meeting(client, users, case_id, attendees, *outcomes):
    return client.post(f"/api/v1/cases/{case_id}/meetings", headers=users.social,
                       json={"held_on": "2026-02-03", "attendees": list(attendees), "outcomes": list(outcomes)})


def _refused_at(answer, code: str, field: str) -> None:
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == (code, field)


def test_an_outcome_in_the_name_of_an_agency_outside_the_group_is_422_at_its_origin(client, users, tick, postgres):
    case_id, _ = school_consented_case(client, users, tick)   # the school and the police in the group
    before = events_of(postgres, case_id)
    tick()
    _refused_at(_meeting(client, users, case_id, ["skola"], SCHOOL_SAID, BUP_SAID),
                "outcome_origin_not_a_member", "body.outcomes.1.origin_agency")
    _refused_at(_meeting(client, users, case_id, ["skola", "bup"], SCHOOL_SAID, BUP_SAID),
                "not_a_group_member", "body.attendees.1")
    assert events_of(postgres, case_id) == before
    ok(client.post(f"/api/v1/cases/{case_id}/members", headers=users.social,
                   json={"agency": "bup", "contact_person": "Kontakt", "role": "kontaktperson"}), 201)
    tick()
    ok(_meeting(client, users, case_id, ["skola", "bup"], SCHOOL_SAID, BUP_SAID), 201)


def test_an_agency_that_has_left_is_no_longer_an_outcomes_origin(client, users, tick, postgres):
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/members/polis/departure", headers=users.social,
                   json={"reason": "Utredningen är klar."}))
    before = events_of(postgres, case_id)
    tick()
    police = {"category": "crime", "origin_agency": "polis", "text": "Inga nya misstankar."}
    _refused_at(_meeting(client, users, case_id, ["skola"], police), "outcome_origin_not_a_member",
                "body.outcomes.0.origin_agency")
    assert events_of(postgres, case_id) == before
    ok(_meeting(client, users, case_id, ["skola"], {**police, "origin_agency": "socialtjanst"}), 201)


def _origins(page: str, row: int = 0) -> list[str]:
    select = re.search(rf'<select id="f-outcomes-{row}-origin_agency".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="(\w+)"', select)


def test_the_web_form_offers_social_services_and_the_members_and_says_in_swedish_when_another_is_sent(
        client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)   # the school and the police in the group
    web = web_as(context, settings, "soc-0180")
    page = web.get(f"/arenden/{case_id}/moten").text
    assert _origins(page) == ["socialtjanst", "polis", "skola"]   # in the catalogue's order; BUP is not in the group
    tick()
    sent = web.post(f"/arenden/{case_id}/moten", data={   # a form sent by hand, naming BUP
        **hidden_fields(page), "held_on": "2026-02-03", "attendees": ["skola"], "outcomes.0.origin_agency": "bup",
        "outcomes.0.category": "health", "outcomes.0.text": "Samtalen fortsätter."}, follow_redirects=False)
    assert sent.status_code == 422, sent.text[:300]
    said = re.search(r'<p class="error" id="f-outcomes-0-origin_agency-error">(.*?)</p>', sent.text, re.S).group(1)
    assert "Aktören är inte med i gruppen, så resultatet kan inte komma från den." in said
    assert "Ogiltigt värde" not in sent.text
    assert "Samtalen fortsätter." in sent.text                    # what was typed is kept,
    assert re.search(r'<option value="bup" selected>', sent.text)  # the origin too, beside its refusal


def test_a_form_shown_before_an_agency_left_keeps_it_chosen_and_is_refused_in_swedish(
        client, users, tick, context, settings):
    """Sent after the police left, the form comes back as a conflict and then as a refusal, the police still chosen
    where it was typed: the select never blanks it (nor falls to another agency) unseen."""
    case_id, _ = school_consented_case(client, users, tick)
    web = web_as(context, settings, "soc-0180")
    page = web.get(f"/arenden/{case_id}/moten").text
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/members/polis/departure", headers=users.social,
                   json={"reason": "Utredningen är klar."}))
    assert _origins(web.get(f"/arenden/{case_id}/moten").text) == ["socialtjanst", "skola"]
    tick()
    typed = {"held_on": "2026-02-03", "attendees": ["skola"], "outcomes.1.origin_agency": "polis",
             "outcomes.1.category": "crime", "outcomes.1.text": "Inga nya misstankar."}
    stale = web.post(f"/arenden/{case_id}/moten", data={**hidden_fields(page), **typed}, follow_redirects=False)
    assert stale.status_code == 409   # the case changed since the page was shown
    assert _origins(stale.text, 1) == ["socialtjanst", "polis", "skola"] and 'value="polis" selected' in stale.text
    sent = web.post(f"/arenden/{case_id}/moten", data={**hidden_fields(stale.text), **typed}, follow_redirects=False)
    assert sent.status_code == 422, sent.text[:300]
    said = re.search(r'<p class="error" id="f-outcomes-1-origin_agency-error">(.*?)</p>', sent.text, re.S).group(1)
    assert "Aktören är inte med i gruppen, så resultatet kan inte komma från den." in said
    assert 'value="polis" selected' in sent.text and "Inga nya misstankar." in sent.text
    typed["outcomes.1.origin_agency"] = "socialtjanst"
    done = web.post(f"/arenden/{case_id}/moten", data={**hidden_fields(sent.text), **typed}, follow_redirects=False)
    assert done.status_code == 303
