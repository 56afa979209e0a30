"""What a saved form says when the save changes what other agencies are told: a guardian with custody added to a
case under 18 stops every disclosure under consent until that guardian has consented too."""

from __future__ import annotations

import re

from tests.integration.api.flows import page_text, school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.web_forms import hidden_fields

CUSTODY_ADDED = "lämnas inget ut till de andra aktörerna med stöd av samtycke"
USUAL = "Vårdnadshavarna är sparade. Registrera den unges och vårdnadshavarnas samtycken nedan."


def _save_guardians(web, case_id: str, *, custody: bool) -> str:
    """The guardians form as shown (Maria and Johan, both with custody), with Sara added in row 3."""
    page = web.get(f"/arenden/{case_id}/vardnadshavare").text
    form = {**hidden_fields(page), "guardians.0.name": "Maria", "guardians.0.has_custody": "on",
            "guardians.1.name": "Johan", "guardians.1.has_custody": "on", "guardians.2.name": "Sara"}
    if custody:
        form["guardians.2.has_custody"] = "on"
    answer = web.post(f"/arenden/{case_id}/vardnadshavare", data=form)
    assert answer.status_code == 200, answer.text
    return page_text(re.search(r'<p class="notice ok" role="status" id="saved">(.*?)</p>', answer.text, re.S)
                     .group(1)).strip()


def test_adding_a_guardian_with_custody_under_18_says_sharing_under_consent_waits_for_their_consent(
        client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    said = _save_guardians(web_as(context, settings, "soc-0180"), case_id, custody=True)
    assert CUSTODY_ADDED in said and "Sara" not in said, said
    assert "när den nya vårdnadshavaren också har samtyckt" in said, said


def test_adding_a_guardian_without_custody_says_the_usual(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    assert _save_guardians(web_as(context, settings, "soc-0180"), case_id, custody=False) == USUAL


def test_a_guardian_with_custody_added_before_any_consent_says_the_usual(client, users, tick, context, settings):
    """Nothing was shared under consent, so nothing stops: the usual next step."""
    case_id, _ = school_consented_case(client, users, tick)
    web = web_as(context, settings, "soc-0180")
    # The same case, but with every consent withdrawn first: nothing is disclosed under consent before Sara.
    timeline = client.get(f"/api/v1/cases/{case_id}", headers=users.social).json()
    for fact in timeline["facts"]:
        if fact["kind"] == "consent.granted":
            tick()
            consent = fact["content"]
            assert client.post(f"/api/v1/cases/{case_id}/consents/{consent['consent_id']}/withdrawal",
                               headers=users.social, json={"consenter": consent["consenter"]}).status_code == 200
    tick()
    assert _save_guardians(web, case_id, custody=True) == USUAL


OUTCOME_ELSEWHERE = ("Resultat som du angav i en annan aktörs namn är registrerade i den aktörens namn och visas för"
                     " er bara i den mån samtycket medger")


def _save_meeting(web, case_id: str, origin: str, category: str) -> tuple[str, str]:
    page = web.get(f"/arenden/{case_id}/moten").text
    answer = web.post(f"/arenden/{case_id}/moten", data={
        **hidden_fields(page, "csrf", "form_key", "expected_version", "expected_digest"), "held_on": "2026-02-03",
        "attendees": ["skola", "polis"], "outcomes.0.origin_agency": origin, "outcomes.0.category": category,
        "outcomes.0.text": "Inga nya anmälningar sedan förra mötet."})
    assert answer.status_code == 200, answer.text
    notice = re.search(r'<p class="notice ok" role="status" id="saved">(.*?)</p>', answer.text, re.S)
    return page_text(notice.group(1)).strip(), answer.text


def test_an_outcome_minuted_in_another_agencys_name_it_may_not_see_is_said_recorded_in_that_name(
        client, users, tick, context, settings):
    """Social services minuted what the police said; no consent lets the police's `crime` through to it, so the
    outcome was gone from its meeting card without a word."""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    said, page = _save_meeting(web_as(context, settings, "soc-0180"), case_id, "polis", "crime")
    assert said.startswith("Mötet är registrerat.") and OUTCOME_ELSEWHERE in said, said
    assert "Inga nya anmälningar" not in page   # the card still shows only what consent permits
    assert "polis" not in said.lower() and "brott" not in said.lower(), said   # nothing but the rule is said


def test_an_outcome_in_another_agencys_name_that_consent_lets_through_says_the_usual(
        client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick, others={"polis": ["case"], "socialtjanst": ["crime"]})
    tick()
    said, page = _save_meeting(web_as(context, settings, "soc-0180"), case_id, "polis", "crime")
    assert said == "Mötet är registrerat.", said
    assert "Inga nya anmälningar" in page


def test_an_outcome_in_the_own_agencys_name_says_the_usual(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    said, _ = _save_meeting(web_as(context, settings, "soc-0180"), case_id, "socialtjanst", "family")
    assert said == "Mötet är registrerat.", said


def test_a_meeting_sent_twice_says_the_second_time_what_it_said_the_first(client, users, tick, context, settings):
    """A copy of a form is answered as the first was (``form_keys``): a double click's second copy, the answer the
    browser shows, said only "Mötet är registrerat." — not that the outcome minuted in the police's name is shown
    to social services only as consent allows, so the caseworker saw it gone from the card without a word."""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    web = web_as(context, settings, "soc-0180")
    page = web.get(f"/arenden/{case_id}/moten").text
    form = {**hidden_fields(page, "csrf", "form_key", "expected_version", "expected_digest"),
            "held_on": "2026-02-03", "attendees": ["skola", "polis"], "outcomes.0.origin_agency": "polis",
            "outcomes.0.category": "crime", "outcomes.0.text": "Inga nya anmälningar sedan förra mötet."}
    first, second = (web.post(f"/arenden/{case_id}/moten", data=form, follow_redirects=False) for _ in range(2))
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == first.headers["location"], (first.headers, second.headers)
    said = page_text(re.search(r'<p class="notice ok" role="status" id="saved">(.*?)</p>',
                           web.get(second.headers["location"]).text, re.S).group(1)).strip()
    assert OUTCOME_ELSEWHERE in said, said
    assert web.get(f"/arenden/{case_id}/moten").text.count('<section class="meeting">') == 1
