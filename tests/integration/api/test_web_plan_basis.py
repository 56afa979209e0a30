"""The plan page says on what basis the reader sees the plan: the main goal and each row of the current revision
with its *Grund*, as the timeline, the meetings and the follow-ups do. A member's plan page showed the goal and
the rows with no basis at all — the one page where a member could not tell why it was shown a fact."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.api.flows import (accepted_with_guardians, ok, open_case, page_text, planned_case,
                                         school_consented_case)
from tests.integration.api.skew import web_as

ROWS = [{"area": "Skola", "goal": "Närvaro.", "how": "Mentor.", "responsible": "Mentor",
         "responsible_agencies": ["skola"]},
        {"area": "Hälsa", "goal": "Sova bättre.", "how": "Samtal.", "responsible": "Peter"}]


@pytest.fixture
def case_id(client, users, tick) -> str:
    return planned_case(client, users, tick, {"main_goal": "Peter ska gå i skolan.", "rows": ROWS})


def _current_plan(html: str) -> str:
    return page_text(html[html.index('id="plan-current-heading"'):html.index("Revisioner och ändringar")])


def test_a_member_reads_the_basis_of_the_main_goal_and_of_each_row_it_sees(case_id, context, settings):
    plan = _current_plan(web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text)
    consent = "samtycke från Peter Exempel (den unge) och vårdnadshavarna Maria och Johan"
    assert f"Huvudmål: Peter ska gå i skolan. · Grund: {consent}" in plan, plan
    assert "Ansvarig Uppföljning Grund" in plan, plan   # the rows' table has a basis column, after the follow-up
    assert f"Närvaro. Mentor. Mentor Skolan {consent}" in plan, plan
    assert "Sova bättre" not in plan   # a health row stays out of the school's view, basis and all


def test_social_services_reads_its_own_plan_as_its_own(case_id, context, settings):
    plan = _current_plan(web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/plan").text)
    assert "Huvudmål: Peter ska gå i skolan. · Grund: er egen uppgift" in plan, plan
    assert "Sova bättre. Samtal. Peter er egen uppgift" in plan, plan


# Guards (red team hR2, 2026-12-07): each basis on the plan page is the reader's own — the consents in force now
# that cover it and the category, told from its own consent facts — and says what its timeline and the API say.


def _consents(client, users, tick, case_id: str, grants: dict[str, tuple[str, list, str | None]]) -> dict[str, str]:
    """Each consent granted (name → consenter: "young_person" or a guardian's index, scope, end), by name, short."""
    timeline = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    guardians = [g["guardian_id"] for g in next(f for f in timeline["facts"] if f["kind"] == "guardians")
                 ["content"]["guardians"]]
    ids = {}
    for name, (consenter, scope, until) in grants.items():
        tick()
        ids[name] = ok(client.post(f"/api/v1/cases/{case_id}/consents", headers=users.social, json={
            "consenter": consenter if consenter == "young_person" else guardians[int(consenter)], "scope": scope,
            "purpose": "Samverkan", "valid_from": "2026-02-02", "valid_until": until, "form": "written"}),
            201)["created"][:8]
    return ids


def _split_consents_case(client, users, tick) -> tuple[str, dict[str, str]]:
    """Maria's consents: `case` to the school until 30 November, `school` until 30 September, the police's part
    until 31 March; the young person's and Johan's cover both agencies until further notice."""
    case_id = open_case(client, users)
    post = lambda path, body, status=200: ok(client.post(f"/api/v1/cases/{case_id}{path}", json=body,  # noqa: E731
                                                         headers=users.social), status)
    tick()
    post("/eligibility", {"accepted": True, "reasons": "Hög risk.", "decided_on": "2026-02-02"})
    tick()
    post("/guardians", {"guardians": [{"name": "Maria"}, {"name": "Johan"}]})
    school, police = {"agency": "skola", "categories": ["case", "school"]}, {"agency": "polis",
                                                                          "categories": ["case", "crime"]}
    ids = _consents(client, users, tick, case_id, {
        "young_person": ("young_person", [school, police], None),
        "maria_case": ("0", [{"agency": "skola", "categories": ["case"]}], "2026-11-30"),
        "maria_school": ("0", [{"agency": "skola", "categories": ["school"]}], "2026-09-30"),
        "maria_police": ("0", [police], "2026-03-31"),
        "johan": ("1", [school, police], None)})
    for agency in ("skola", "polis"):
        tick()
        post("/members", {"agency": agency, "contact_person": "Kontakt", "role": "kontaktperson"}, 201)
    tick()
    post("/plan/revisions", {"main_goal": "Peter ska gå i skolan.", "rows": [
        {"area": "Skola", "goal": "Närvaro.", "how": "Mentor.", "responsible": "Mentor",
         "responsible_agencies": ["skola", "polis"]},
        {"area": "Brottslighet", "goal": "Inga brott.", "how": "Samtal.", "responsible": "Polis",
         "responsible_agencies": ["polis"]}]}, 201)
    return case_id, ids


def test_the_goal_and_each_row_say_their_own_consents_and_never_another_recipients(client, users, tick, context,
                                                                                   settings):
    """Guard. The goal (`case`) and the school's row (`school`, naming the police: `case` too) rest on different
    consents of Maria's, each said with its own end; her consent to the police, which the school is no recipient
    of, is in neither — its id and its end date appear nowhere on the school's page, nor the school's on the
    police's.  The row's consents are the API's for the same row."""
    case_id, ids = _split_consents_case(client, users, tick)
    who = "samtycke från Peter Exempel (den unge) och vårdnadshavarna Maria och Johan"
    school_page = web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text
    plan = _current_plan(school_page)
    goal_ids = ", ".join(ids[k] for k in ("young_person", "maria_case", "johan"))
    assert f"Huvudmål: Peter ska gå i skolan. · Grund: {who}, t.o.m. 2026-11-30 ({goal_ids})" in plan, plan
    row_ids = ", ".join(ids[k] for k in ("young_person", "maria_school", "johan", "maria_case"))
    assert f"Närvaro. Mentor. Mentor Skolan Polisen {who}, t.o.m. 2026-09-30 ({row_ids})" in plan, plan
    assert ids["maria_police"] not in school_page and "2026-03-31" not in school_page
    assert "Inga brott" not in school_page
    api = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))["rows"]
    assert [[c[:8] for c in r["basis"]["consent_ids"]] for r in api] == [row_ids.split(", ")]
    assert api[0]["basis"]["description"].endswith(", t.o.m. 2026-09-30")
    police = _current_plan(web_as(context, settings, "polis").get(f"/arenden/{case_id}/plan").text)
    police_ids = ", ".join(ids[k] for k in ("young_person", "maria_police", "johan"))
    assert f"Grund: {who}, t.o.m. 2026-03-31 ({police_ids})" in police, police
    assert "2026-09-30" not in police and "2026-11-30" not in police and ids["maria_school"] not in police


def test_an_end_date_narrowed_since_the_revision_is_the_one_said(case_id, client, users, tick, context, settings):
    """Guard. Maria's consent ends earlier since the plan was revised: the goal and the row say the end it has
    now, as the API's row does — not the one it had when the plan was drawn up."""
    consents = [c for c in ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["facts"]
                if c["kind"] == "consent.granted" and c["content"]["consenter"] != "young_person"]
    maria = next(c["content"] for c in consents if c["content"]["consenter_name"] == "Maria")
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{maria['consent_id']}/narrowings", headers=users.social,
                   json={"consenter": maria["consenter"], "valid_until": "2026-12-31",
                         "scope": [{"agency": a, "categories": list(c)} for a, c in maria["scope"]]}))
    plan = _current_plan(web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text)
    said = "vårdnadshavarna Maria och Johan, t.o.m. 2026-12-31"
    young = "samtycke från Peter Exempel (den unge) och"
    assert f"Huvudmål: Peter ska gå i skolan. · Grund: {young} {said}" in plan, plan
    assert f"Närvaro. Mentor. Mentor Skolan {young} {said}" in plan, plan
    api = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))["rows"]
    assert api[0]["basis"]["description"] == f"samtycke från den unge och {said}"


def test_from_the_eighteenth_birthday_the_basis_is_the_young_persons_own_consent_alone(case_id, client, users, app,
                                                                                      context, settings):
    """Guard. Born 2009-03-14: from 2027-03-14 the guardians' consents no longer count, and no basis names them —
    the goal's and the row's are the young person's consent alone, as the API's row is."""
    app.clock.advance(timedelta(days=420))   # the plan was drawn up on 2026-02-03
    own = next(c["content"]["consent_id"] for c in ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
               ["facts"] if c["kind"] == "consent.granted" and c["content"]["consenter"] == "young_person")
    plan = _current_plan(web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text)
    said = f"samtycke från Peter Exempel (den unge), tills vidare ({own[:8]})"
    assert f"Huvudmål: Peter ska gå i skolan. · Grund: {said}" in plan, plan
    assert f"Närvaro. Mentor. Mentor Skolan {said}" in plan, plan
    assert "Maria" not in plan and "Johan" not in plan
    api = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))["rows"]
    assert api[0]["basis"] == {"kind": "consent", "consent_ids": [own], "legal_basis": None,
                               "description": "samtycke från den unge, tills vidare"}


def test_a_member_whose_consents_do_not_cover_the_case_reads_its_rows_basis_by_consent_ids_alone(
        client, users, tick, context, settings):
    """Guard. The school's consents cover `school`, not `case`: it sees its row, not the goal — no goal and no
    basis of one — and the consents themselves are `case` facts: the row's basis is their ids, with no consenter
    named and no end date."""
    case_id, consents = school_consented_case(client, users, tick, categories=("school",))
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", json={"main_goal": "Peter ska gå i skolan.",
                                                                    "rows": ROWS}, headers=users.social), 201)
    page = web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text
    plan = _current_plan(page)
    assert "Huvudmål" not in plan and "Peter" not in page and "Maria" not in page and "t.o.m." not in page
    assert f"Närvaro. Mentor. Mentor Skolan samtycke {', '.join(c[:8] for c in consents)}" in plan, plan


def test_one_persons_two_consents_to_the_same_parts_give_the_later_end_that_bounds_the_disclosure(
        client, users, tick, context, settings):
    """Maria's two consents both give the school `case` and `school`, until 30 June and until 31 December: the
    disclosure lasts while either is in force, to 31 December.  The plan page, the timeline and the API said 30 June
    (the first end among all the basis's consents).  Her consent to the police (31 March) is no recipient's of the
    school's: never named nor dated to it, nor the school's to the police."""
    case_id, _ = accepted_with_guardians(client, users, tick)
    school, police = {"agency": "skola", "categories": ["case", "school"]}, {"agency": "polis", "categories": ["case"]}
    ids = _consents(client, users, tick, case_id, {
        "young_person": ("young_person", [school, police], None), "johan": ("1", [school, police], None),
        "maria_june": ("0", [school], "2026-06-30"), "maria_december": ("0", [school], "2026-12-31"),
        "maria_police": ("0", [police], "2026-03-31")})
    for agency in ("skola", "polis"):
        tick()
        ok(client.post(f"/api/v1/cases/{case_id}/members", headers=users.social,
                       json={"agency": agency, "contact_person": "Kontakt", "role": "kontaktperson"}), 201)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social, json={
        "main_goal": "Peter ska gå i skolan.", "rows": ROWS[:1]}), 201)
    said = "samtycke från Peter Exempel (den unge) och vårdnadshavarna Maria och Johan, t.o.m. 2026-12-31"
    school_web = web_as(context, settings, "skola")
    plan = _current_plan(school_web.get(f"/arenden/{case_id}/plan").text)
    assert f"Huvudmål: Peter ska gå i skolan. · Grund: {said}" in plan, plan
    assert f"Närvaro. Mentor. Mentor Skolan {said}" in plan, plan
    timeline = page_text(school_web.get(f"/arenden/{case_id}").text)
    assert said in timeline and "Johan, t.o.m. 2026-06-30" not in timeline, timeline   # a basis's; her consent's own
    # line says its own end
    assert "2026-03-31" not in timeline + plan and ids["maria_police"] not in timeline + plan
    api = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))["rows"]
    assert api[0]["basis"]["description"].endswith(", t.o.m. 2026-12-31"), api[0]["basis"]
    police_web = web_as(context, settings, "polis")
    police = page_text(police_web.get(f"/arenden/{case_id}/plan").text + police_web.get(f"/arenden/{case_id}").text)
    assert "t.o.m. 2026-03-31" in police, police
    assert "2026-12-31" not in police and "2026-06-30" not in police
    assert ids["maria_june"] not in police and ids["maria_december"] not in police
