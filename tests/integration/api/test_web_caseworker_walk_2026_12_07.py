"""A caseworker's walk of the web client on 2026-12-07 (helper hJ): what it stumbled on, each pinned here."""

from __future__ import annotations

import re

from tests.integration.api.flows import REFERRAL, ok, open_case, page_text, school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.web_forms import form_tokens


def test_a_date_outside_the_calendar_says_which_years_are_taken(client, users, tick, context, settings):
    """A meeting or a next meeting dated 2200 or later (a year mistyped in the date field) said "Ogiltigt värde.":
    the domain's rule, 1900 to 2199, had no Swedish words."""
    case_id, _ = school_consented_case(client, users, tick)
    social = web_as(context, settings, "soc-0180")
    page = social.get(f"/arenden/{case_id}/moten").text
    meeting = social.post(f"/arenden/{case_id}/moten", data={
        **form_tokens(page), "held_on": "2026-02-03", "attendees": "skola", "next_meeting": "2226-03-10"})
    planned = social.post(f"/arenden/{case_id}/moten/nasta", data={**form_tokens(page), "planned_on": "2226-03-10"})
    for refused, label in ((meeting, "Nästa möte"), (planned, "Datum för nästa möte")):
        assert refused.status_code == 422
        assert f"{label}: Ange ett datum från år 1900 till 2199." in page_text(refused.text)
        assert "Ogiltigt värde" not in refused.text


def test_a_closed_case_s_closure_tab_says_when_why_and_with_what_outcome(client, users, tick, context, settings):
    """The Avslut tab of a closed case said "Ärendet är avslutat." and nothing else: the reason and the outcome the
    caseworker recorded were in the timeline only, among thirty rows (the Beslut tab says its decision)."""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/closure", headers=users.social,
                   json={"reason": "moved", "outcome": "Familjen flyttade till Malmö."}))
    page = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/avslut").text
    assert "<h2>Avslut</h2>" in page and "Avsluta ärendet" not in page   # headed as a thing done, not to do
    closure = page_text(page)
    assert "Ärendet avslutades 2026-02-" in closure
    assert "Skäl: Den unge har flyttat" in closure and "Utfall: Familjen flyttade till Malmö." in closure


def test_guardians_saved_for_a_young_person_of_18_do_not_ask_for_the_guardians_consents(client, users, tick, context,
                                                                                         settings):
    """Saved guardians said "Registrera den unges och vårdnadshavarnas samtycken nedan" to a caseworker whose young
    person was 19: the form below offers the young person alone (a guardian's consent does not count from 18)."""
    born_2007 = "20070110-2386"
    case_id = ok(client.post("/api/v1/cases", headers=users.social, json={
        **REFERRAL, "personnummer": born_2007, "entry_route": "known", "referring_agency": "socialtjanst",
        "summary": "Känd sedan tidigare.", "summary_category": "case"}), 201)["case_id"]
    social = web_as(context, settings, "soc-0180")
    saved = page_text(social.get(f"/arenden/{case_id}/samtycken?sparat=record_guardians").text)
    assert "vårdnadshavarnas samtycken" not in saved
    assert "Den unge har fyllt 18 år: bara den unges eget samtycke behövs." in saved


def test_the_choices_of_the_phase_filter_and_the_meeting_kind_are_capitalised_as_every_select_s(client, users, tick,
                                                                                               context, settings):
    """*Alla faser* then *aktualiserad*, *aktuell, gruppen bildas* in one select; *– ingen –* then *nätverksmöte*:
    every other select's choices begin with a capital (*Skriftligt*, *Pågår*, *Sekretessmarkering*)."""
    case_id, _ = school_consented_case(client, users, tick)
    social = web_as(context, settings, "soc-0180")
    cases = social.get("/arenden").text
    assert '<option value="referred">Aktualiserad</option>' in cases
    assert '<option value="accepted">Aktuell, gruppen bildas</option>' in cases
    meetings = social.get(f"/arenden/{case_id}/moten").text
    assert ">Nätverksmöte</option>" in meetings and ">Individmöte</option>" in meetings


def test_each_member_s_and_each_consent_s_controls_say_whose_they_are(client, users, tick, context, settings):
    """The group's rows each had a box *Skäl* and a button *Registrera att aktören lämnar*, the consents' cards each
    *Begränsa*: tabbing through them a screen reader said the same words for every member
    and every consent.  Each now names its member or its consent (for a screen reader only; the row and the card
    say it already to the eye)."""
    case_id, consents = school_consented_case(client, users, tick)
    social = web_as(context, settings, "soc-0180")
    group = social.get(f"/arenden/{case_id}/grupp").text
    assert re.search(r'<label for="f-reason-skola">Skäl<span class="sr"> – Skolan</span></label>', group)
    assert 'Registrera att aktören lämnar<span class="sr">: Skolan</span></button>' in group
    page = social.get(f"/arenden/{case_id}/samtycken").text
    short = consents[0][:8]
    assert f'<summary>Begränsa<span class="sr"> samtycke {short}</span></summary>' in page
