"""A caseworker's review of the web client: what the pages say must be understandable, and say no more than the
reader may see (each reads through CaseService as the user, as the API does)."""

from __future__ import annotations

import re

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as

ROW = {"area": "Skola", "category": "school", "goal": "Närvaro varje dag.", "how": "Mentor.",
       "responsible": "Mentor", "responsible_agencies": ["skola"]}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _planned(client, users, tick, case_id: str) -> None:
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", json={"main_goal": "Gå i skolan.", "rows": [ROW]},
                   headers=users.social), 201)


def test_a_members_basis_says_who_consented_and_until_when_from_its_own_parts(client, users, tick, context,
                                                                             settings):
    """The basis read "samtycke f81622ed, c341a1ce, 818fbd4e": a school could not tell whose consent it was."""
    case_id, consents = school_consented_case(client, users, tick)
    _planned(client, users, tick, case_id)
    page = _text(web_as(context, settings, "skola").get(f"/arenden/{case_id}").text)
    assert "samtycke från den unge och vårdnadshavarna Maria och Johan, tills vidare" in page
    assert f"{consents[0][:8]}" in page   # the ids stay, in small print, for an auditor's precision
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[2]}/narrowings", headers=users.social, json={
        "consenter": _guardian_ids(client, users, case_id)[1], "valid_until": "2026-12-31",
        "scope": [{"agency": "skola", "categories": ["case", "school"]}, {"agency": "polis", "categories": ["case"]}]}))
    page = _text(web_as(context, settings, "skola").get(f"/arenden/{case_id}").text)
    assert "samtycke från den unge och vårdnadshavarna Maria och Johan, t.o.m. 2026-12-31" in page


def _guardian_ids(client, users, case_id: str) -> list[str]:
    timeline = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    return [g["guardian_id"] for g in next(f for f in timeline["facts"] if f["kind"] == "guardians")["content"]["guardians"]]


def test_a_member_not_seeing_the_consents_is_shown_their_ids_only(client, users, tick, context, settings):
    """Consent facts are `case`: a school that may see `school` only does not see who consented — not named."""
    case_id, consents = school_consented_case(client, users, tick, categories=("school",))
    _planned(client, users, tick, case_id)
    page = _text(web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text)
    timeline = _text(web_as(context, settings, "skola").get(f"/arenden/{case_id}").text)
    assert "Närvaro varje dag." in page
    assert "Maria" not in timeline and "Johan" not in timeline and "den unge" not in timeline
