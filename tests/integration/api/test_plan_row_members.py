"""A plan row names as responsible only agencies in the group (a domain review, 2026-12-05: a row naming BUP was
accepted while only the school was in the group, and BUP could neither see nor follow up its row).  Over the API a
422 `responsible_not_a_member` at `body.rows.N.responsible_agencies.M`; in the web client a Swedish message, and the
form offers only the group's members.  A row carried forward naming an agency that has since left is refused until
the caseworker takes the agency off: it is never dropped unseen."""

from __future__ import annotations

import re

from tests.integration.api.flows import events_of, ok, school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.test_web_long_forms import _as_the_browser_posts_it

ROW = {"area": "Skola", "goal": "Närvaro.", "how": "Mentorn följer upp.", "responsible": "Mentor"}


def _revise(client, users, case_id, *rows):
    return client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social,
                       json={"main_goal": "Mål.", "rows": list(rows)})


def _refused_at(answer, field: str) -> None:
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("responsible_not_a_member", field)


def test_a_row_naming_an_agency_outside_the_group_is_422_at_that_agency(client, users, tick, postgres):
    case_id, _ = school_consented_case(client, users, tick, members=("skola",))
    before = events_of(postgres, case_id)
    tick()
    _refused_at(_revise(client, users, case_id, {**ROW, "responsible_agencies": ["skola"]},
                        {"area": "Hälsa", "goal": "Må bättre.", "how": "Samtal.", "responsible": "BUP",
                         "responsible_agencies": ["bup"]}), "body.rows.1.responsible_agencies.0")
    _refused_at(_revise(client, users, case_id, {**ROW, "responsible_agencies": ["skola", "polis"]}),
                "body.rows.0.responsible_agencies.1")
    assert events_of(postgres, case_id) == before
    ok(client.post(f"/api/v1/cases/{case_id}/members", headers=users.social,
                   json={"agency": "polis", "contact_person": "Kontakt", "role": "kontaktperson"}), 201)
    ok(_revise(client, users, case_id, {**ROW, "responsible_agencies": ["skola", "polis"]}), 201)


def test_a_row_carried_forward_naming_an_agency_that_has_left_is_refused_until_it_is_taken_off(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(_revise(client, users, case_id, {**ROW, "responsible_agencies": ["skola", "polis"]}), 201)
    row_id = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.social))["rows"][0]["content"]["row_id"]
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/members/polis/departure", headers=users.social,
                   json={"reason": "Utredningen är klar."}))
    tick()
    _refused_at(_revise(client, users, case_id, {**ROW, "row_id": row_id, "responsible_agencies": ["skola", "polis"]}),
                "body.rows.0.responsible_agencies.1")
    ok(_revise(client, users, case_id, {**ROW, "row_id": row_id, "responsible_agencies": ["skola"]}), 201)
    rows = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.social))["rows"]
    assert [(r["content"]["row_id"], r["content"]["responsible_agencies"]) for r in rows] == [(row_id, ["skola"])]


def _offered(page: str) -> set[str]:
    return set(re.findall(r'name="rows\.0\.responsible_agencies" value="([^"]+)"', page))


def test_the_web_form_offers_the_groups_members_and_says_in_swedish_when_a_row_names_one_that_left(
        client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)   # the school and the police in the group
    web = web_as(context, settings, "soc-0180")
    assert _offered(web.get(f"/arenden/{case_id}/plan").text) == {"skola", "polis"}
    tick()
    ok(_revise(client, users, case_id, {**ROW, "responsible_agencies": ["skola", "polis"]}), 201)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/members/polis/departure", headers=users.social,
                   json={"reason": "Utredningen är klar."}))
    page = web.get(f"/arenden/{case_id}/plan").text
    assert _offered(page) == {"skola", "polis"}   # the police still named on the row: shown, ticked
    assert re.search(r'name="rows\.0\.responsible_agencies" value="polis" checked', page)
    tick()
    data = {**_as_the_browser_posts_it(page), "main_goal": ["Mål."], "young_person_took_part": ["true"]}
    sent = web.post(f"/arenden/{case_id}/plan", data=data, follow_redirects=False)
    assert sent.status_code == 422, sent.text[:300]
    assert "Aktören är inte med i gruppen och kan inte vara ansvarig för raden" in sent.text
    data["rows.0.responsible_agencies"] = ["skola"]
    assert web.post(f"/arenden/{case_id}/plan", data=data, follow_redirects=False).status_code == 303
    assert _offered(web.get(f"/arenden/{case_id}/plan").text) == {"skola"}   # the police named nowhere now
