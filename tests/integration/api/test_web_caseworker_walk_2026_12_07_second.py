"""A caseworker's walk of the web client on 2026-12-07 (helper hL): the guardians' custody box of a young person of
18, the log extract's word for the eligibility decision, and social services' empty case list."""

from __future__ import annotations

from tests.integration.api.flows import REFERRAL, ok, open_case, page_text
from tests.integration.api.skew import web_as

UNDER_18_CUSTODY = "Har vårdnaden om den unge (då krävs hens samtycke medan den unge är under 18)"


def test_the_custody_box_of_a_young_person_of_18_says_custody_has_ended_and_no_consent_of_theirs_is_needed(
        client, users, context, settings):
    """The box beside each guardian of a young person of 19 said the guardian's consent was needed while the young
    person was under 18: true of no one on that page, whose consent form offers the young person alone."""
    born_2007 = "20070110-2386"
    adult = ok(client.post("/api/v1/cases", headers=users.social, json={
        **REFERRAL, "personnummer": born_2007, "entry_route": "known", "referring_agency": "socialtjanst",
        "summary": "Känd sedan tidigare.", "summary_category": "case"}), 201)["case_id"]
    social = web_as(context, settings, "soc-0180")
    page = page_text(social.get(f"/arenden/{adult}/vardnadshavare").text)
    assert UNDER_18_CUSTODY not in page
    assert ("Hade vårdnaden om den unge (den unge har fyllt 18 år: vårdnaden har upphört och hens samtycke behövs"
            " inte)") in page
    # Guard: the box of a young person under 18 reads as before.
    young = page_text(social.get(f"/arenden/{open_case(client, users)}/vardnadshavare").text)
    assert UNDER_18_CUSTODY in young and "har fyllt 18 år" not in young


def test_the_log_extract_calls_the_eligibility_decision_by_its_tab_s_words(client, users, context, settings):
    """The extract listed a read of the Beslut tab (headed "Beslut om aktualitet") as "beslutet om målgruppen": a
    young person reading it could not tell it was the decision they were found aktuell by."""
    case_id = open_case(client, users)
    social = web_as(context, settings, "soc-0180")
    assert social.get(f"/arenden/{case_id}/beslut").status_code == 200
    extract = page_text(web_as(context, settings, "ivo").get(f"/granskning/arenden/{case_id}/loggutdrag").text)
    assert "beslutet om aktualitet" in extract and "målgruppen" not in extract


def test_social_services_empty_case_list_leads_to_a_new_referral_a_member_s_does_not(client, users, context,
                                                                                      settings):
    """Göteborg's social services, with no case yet, read "Inga ärenden att visa." and nothing on what to do: the
    first case is opened from *Ny aktualisering*, in the menu only.  A school, which opens no case, gets no link."""
    social = web_as(context, settings, "soc-1480")
    empty = social.get("/arenden").text
    assert 'Inga ärenden att visa. <a href="/arenden/nytt">Registrera en ny aktualisering</a>.' in empty
    assert empty.count('href="/arenden/nytt"') == 2   # the menu's and the message's
    # A list filtered to a phase with no case in it says only that: the cases may be in another phase.
    filtered = social.get("/arenden", params={"fas": "closed"}).text
    assert "<p>Inga ärenden att visa.</p>" in filtered and filtered.count('href="/arenden/nytt"') == 1
    coordinator = web_as(context, settings, "sam-0180").get("/arenden").text
    assert '<p>Inga ärenden att visa. <a href="/arenden/nytt">' in coordinator
    school = web_as(context, settings, "skola").get("/arenden").text
    assert "Inga ärenden att visa." in school and 'href="/arenden/nytt"' not in school
