"""The young person's name in the lines that speak of them ("Upprättad i samråd med …", "… fyller 18 år", a replay's
lines) comes from the reader's own view only, as of the moment read (a red team, 2026-12-05): a member whose consents
do not cover `case`, or no longer do — withdrawn, narrowed, after leaving the group, after the case's closure — reads
no name on any page, nor in a header; an auditor's replay of an agency names them only at a moment that agency's view
held the name, whatever it holds now."""

from __future__ import annotations

import pytest

from domain.calendar import STOCKHOLM
from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as

NAME = "Peter"
ROW = {"area": "Skola", "goal": "Närvaro.", "how": "Mentor.", "responsible": "Mentor"}
MEMBER_TABS = ("", "/plan", "/samtycken", "/grupp", "/moten", "/uppfoljning", "/uppgift")
DRAWN_UP_NAMED = "Upprättad i samråd med Peter Exempel (den unge)"


def _plan_drawn_up_with_the_young_person(client, users, tick, case_id: str) -> None:
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social, json={
        "main_goal": "Gå i skolan.", "rows": [ROW], "young_person_took_part": True}), 201)


def _nowhere_named(web, case_id: str, agency: str) -> None:
    """No page of the case names the young person to ``agency``, in its body or its headers (a 404 neither)."""
    for tab in MEMBER_TABS:
        answer = web.get(f"/arenden/{case_id}{tab}", follow_redirects=False)
        assert answer.status_code < 500, (agency, tab, answer.status_code)
        assert NAME not in answer.text, (agency, tab)
        assert not any(NAME in value for value in answer.headers.values()), (agency, tab)
    assert NAME not in web.get("/arenden").text


def test_a_member_whose_consents_do_not_cover_the_case_reads_no_name_protected_or_not(client, users, tick, context,
                                                                                      settings):
    """The police in the group under `crime` alone: no page names the young person, with skyddade personuppgifter
    recorded or not — while the school, whose consents cover `case`, reads the plan's line with the name."""
    case_id, _ = school_consented_case(client, users, tick, others={"polis": ["crime"]})
    _plan_drawn_up_with_the_young_person(client, users, tick, case_id)
    police = web_as(context, settings, "polis")
    _nowhere_named(police, case_id, "polis")
    assert DRAWN_UP_NAMED in web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/protection", headers=users.social,
                   json={"protected": True, "kind": "sekretessmarkering"}))
    _nowhere_named(police, case_id, "polis")


def _withdrawn(client, users, tick, case_id, consents) -> None:
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))


def _narrowed(client, users, tick, case_id, consents) -> None:
    """The young person's consent narrowed, for the school, to `school`: it still sees its rows' category, not
    `case`; the police's part is kept."""
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[0]}/narrowings", headers=users.social, json={
        "consenter": "young_person", "scope": [{"agency": "skola", "categories": ["school"]},
                                               {"agency": "polis", "categories": ["case"]}]}))


def _left(client, users, tick, case_id, consents) -> None:
    ok(client.post(f"/api/v1/cases/{case_id}/members/skola/departure", headers=users.social,
                   json={"reason": "Bytt skola"}))


def _closed(client, users, tick, case_id, consents) -> None:
    ok(client.post(f"/api/v1/cases/{case_id}/closure", headers=users.social,
                   json={"reason": "other", "outcome": "Arbetet är avslutat."}))


@pytest.mark.parametrize("ending", [_withdrawn, _narrowed, _left, _closed], ids=lambda f: f.__name__.strip("_"))
def test_a_member_that_no_longer_sees_the_case_reads_no_name_and_a_replay_names_it_only_before(
        ending, client, users, tick, context, settings, app):
    """The school read "Upprättad i samråd med Peter Exempel (den unge)"; from the moment its view no longer holds
    `case`, no page names the young person.  An auditor's replay of the school names them at a moment before, not
    after — and the police, still under `case` where only the school's part ended, reads the name now, as its own view
    holds it."""
    case_id, consents = school_consented_case(client, users, tick)
    _plan_drawn_up_with_the_young_person(client, users, tick, case_id)
    school = web_as(context, settings, "skola")
    assert DRAWN_UP_NAMED in school.get(f"/arenden/{case_id}/plan").text
    tick()
    before = app.clock.now().astimezone(STOCKHOLM).strftime("%Y-%m-%dT%H:%M:%S")
    tick()
    ending(client, users, tick, case_id, consents)
    tick()
    after = app.clock.now().astimezone(STOCKHOLM).strftime("%Y-%m-%dT%H:%M:%S")
    _nowhere_named(school, case_id, "skola")
    ivo = web_as(context, settings, "ivo")
    then = ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "skola", "tid": before})
    assert then.status_code == 200 and "upprättad i samråd med Peter Exempel (den unge): ja" in then.text
    now = ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "skola", "tid": after})
    assert now.status_code == 200 and "Åtgärdsplan" not in now.text and "upprättad i samråd med" not in now.text
    # The replay's own header names the case by number, never the young person (an auditor reads the name only in
    # the lines of an agency that held it).
    assert NAME not in now.text
    if ending in (_narrowed, _left):   # the police keeps `case` (the same consents), and the group goes on
        police_plan = web_as(context, settings, "polis").get(f"/arenden/{case_id}/plan").text
        assert DRAWN_UP_NAMED in police_plan


def test_a_replay_of_an_agency_without_case_names_no_one_where_social_services_names_the_young_person(
        client, users, tick, context, settings, app):
    """The same moment, two agencies: social services' replay says the name in the plan's line (its view holds the
    subject), the police's under `crime` alone says nothing of the plan, nor the name."""
    case_id, _ = school_consented_case(client, users, tick, others={"polis": ["crime"]})
    _plan_drawn_up_with_the_young_person(client, users, tick, case_id)
    tick()
    at = app.clock.now().astimezone(STOCKHOLM).strftime("%Y-%m-%dT%H:%M:%S")
    ivo = web_as(context, settings, "ivo")
    social = ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "socialtjanst", "tid": at})
    assert social.status_code == 200 and "upprättad i samråd med Peter Exempel (den unge): ja" in social.text
    police = ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "polis", "tid": at})
    assert police.status_code == 200 and NAME not in police.text and "upprättad i samråd med" not in police.text
