"""A caseworker's (and a school counsellor's) usability review of the web client, walked through in the browser:
what they stumbled on, each pinned here (each reads through CaseService as the user, as the API does)."""

from __future__ import annotations

import re

from tests.integration.api.flows import open_case, page_text, school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.web_forms import form_tokens


def test_a_members_meeting_form_offers_only_what_it_may_record_and_says_why_in_swedish(client, users, tick, context,
                                                                                       settings):
    """The school's meeting form offered the police as an attendee and every agency as an outcome's origin; the
    domain refuses a member naming anyone but itself, and the page said only "Ogiltigt värde." (the domain's
    English message matched no Swedish one)."""
    case_id, _ = school_consented_case(client, users, tick)
    school = web_as(context, settings, "skola")
    form = school.get(f"/arenden/{case_id}/moten")
    assert form.status_code == 200
    assert 'name="attendees" value="skola"' in form.text
    assert 'name="attendees" value="polis"' not in form.text
    origins = re.search(r'<select id="f-outcomes-0-origin_agency".*?</select>', form.text, re.S).group(0)
    assert re.findall(r'<option value="(\w+)"', origins) == ["skola"]
    assert "socialtjänsten registrerar de andra aktörernas" in page_text(form.text)

    # A form sent from an older page (or typed by hand) is refused in words a counsellor understands.
    tick()
    named = school.post(f"/arenden/{case_id}/moten", data={
        **form_tokens(form.text), "held_on": "2026-02-03", "attendees": ["skola", "polis"]})
    assert named.status_code == 422
    assert "Ogiltigt värde" not in named.text
    assert "Ni kan bara ange er själva (och socialtjänsten) som deltagare" in page_text(named.text)
    spoken = school.post(f"/arenden/{case_id}/moten", data={
        **form_tokens(form.text), "held_on": "2026-02-03", "attendees": ["skola"], "outcomes.0.origin_agency": "polis",
        "outcomes.0.category": "school", "outcomes.0.text": "Närvaron har ökat."})
    assert spoken.status_code == 422
    assert "Ogiltigt värde" not in spoken.text
    assert "Ni kan bara registrera era egna resultat från mötet" in page_text(spoken.text)
    assert "Närvaron har ökat." in spoken.text   # what was typed is kept

    # Social services records the whole group: its form still offers every member and every origin.
    lead = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/moten").text
    assert 'name="attendees" value="polis"' in lead and 'name="attendees" value="skola"' in lead
    assert "meeting-member-hint" not in lead


def test_a_saved_form_says_so_on_the_page_it_leads_to(client, users, tick, context, settings):
    """"Spara beslut" led back to the timeline with no word of whether the decision was recorded (``T["saved"]``
    was never shown): the caseworker had to look for the row.  The page now says what was saved — by the
    command's name in the address, never anything typed."""
    case_id = open_case(client, users)
    social = web_as(context, settings, "soc-0180")
    form = social.get(f"/arenden/{case_id}/beslut").text
    tick()
    done = social.post(f"/arenden/{case_id}/beslut", follow_redirects=False, data={
        **form_tokens(form), "accepted": "true", "reasons": "Hög risk enligt SAVRY.", "instruments": "SAVRY",
        "decided_on": "2026-02-02"})
    assert done.status_code == 303 and done.headers["location"] == f"/arenden/{case_id}?sparat=decide_eligibility#saved"
    page = social.get(done.headers["location"]).text
    assert '<p class="notice ok" role="status" id="saved">Beslutet om aktualitet är sparat. Nästa steg' in page
    assert 'id="saved"' not in social.get(f"/arenden/{case_id}").text          # only right after saving
    assert 'id="saved"' not in social.get(f"/arenden/{case_id}?sparat=%3Cb%3E").text   # nothing said back

    new = social.get("/arenden/nytt").text
    opened = social.post("/arenden/nytt", follow_redirects=False, data={
        "csrf": form_tokens(form)["csrf"], "personnummer": "20100101-2382", "name": "Kim Exempel",
        "entry_route": "lul6", "referring_agency": "polis", "referral_date": "2026-02-01",
        "summary": "Misstänkt för rån.", "summary_category": "crime"})
    assert "Ny aktualisering" in new and opened.status_code == 303, page_text(opened.text)[:500]
    assert opened.headers["location"].endswith("?sparat=open_case#saved")
    assert "Ärendet är öppnat." in social.get(opened.headers["location"]).text


def test_the_group_form_offers_only_agencies_not_already_in_the_group(client, users, tick, context, settings):
    """"Lägg till myndighet" listed the school and the police though both were members: chosen, filled in and
    sent, it came back "Myndigheten är redan med i gruppen."."""
    case_id, _ = school_consented_case(client, users, tick)
    page = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/grupp").text
    offered = re.findall(r'<option value="(\w+)"', re.search(r'<select id="f-agency".*?</select>', page, re.S).group(0))
    assert "skola" not in offered and "polis" not in offered
    assert "bup" in offered and "socialtjanst" not in offered
    assert "Skolan" in page and "Polisen" in page   # still listed as members, above


def test_the_auditors_printable_report_leads_back_to_the_case(client, users, tick, context, settings):
    """The report was a dead end: no link, no menu — only the browser's back button.  The web's report now leads
    back to the case's audit pages, in a line the print leaves out; the API's report is unchanged."""
    case_id, _ = school_consented_case(client, users, tick)
    report = web_as(context, settings, "ivo").get(f"/granskning/arenden/{case_id}/rapport")
    assert report.status_code == 200
    back = re.search(r'<header class="noprint">\n<p><a href="([^"]+)">([^<]+)</a>', report.text)
    assert back and back.groups() == (f"/granskning/arenden/{case_id}", "Tillbaka till granskningen av ärendet")
    style = re.search(r"<style>(.*?)</style>", report.text, re.S).group(1)
    assert ".noprint{display:none}" in style.split("@media print", 1)[1]
    api = client.get(f"/api/v1/audit/cases/{case_id}/report", headers=users.auditor)
    assert api.status_code == 200 and "noprint\">" not in api.text and "Tillbaka till" not in api.text


def test_a_new_case_form_says_a_malformed_personnummer_in_the_same_round_as_the_missing_fields(context, settings):
    """With required fields left empty and a personnummer mistyped, only the empty fields were told; the number's
    error came after the next submit."""
    social = web_as(context, settings, "soc-0180")
    csrf = re.search(r'name="csrf" value="([^"]+)"', social.get("/arenden/nytt").text).group(1)
    refused = social.post("/arenden/nytt", data={"csrf": csrf, "personnummer": "20100101-2381", "name": "",
                                                  "entry_route": "lul6", "referring_agency": "polis",
                                                  "referral_date": "2026-02-01", "summary": "", "summary_category": ""})
    assert refused.status_code == 422
    told = set(re.findall(r'id="f-([\w.]+)-error"', refused.text))
    assert {"personnummer", "name", "summary"} <= told, told
    assert "20100101-2381" not in page_text(refused.text)   # in its field, as typed; never in an error's text


def test_a_meeting_reads_before_what_was_decided_at_it_in_the_timeline(client, users, tick, context, settings):
    """The timeline put a meeting's decisions and attendees before the meeting itself (its facts sort by their
    parts' names)."""
    from tests.integration.api.flows import ok

    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/meetings", headers=users.social, json={
        "held_on": "2026-02-03", "attendees": ["skola"],
        "outcomes": [{"origin_agency": "socialtjanst", "category": "school", "text": "Närvaron har ökat."}],
        "decisions": [{"category": "school", "text": "Mentor ordnas."}]}), 201)
    page = page_text(web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}").text)
    meeting, attended, outcome, decision = (page.index(t) for t in (
        "Nätverksmöte 2026-02-03", "Skolan deltog", "Närvaron har ökat.", "Mentor ordnas."))
    assert meeting < attended < outcome < decision, page


def test_the_auditors_list_of_erased_cases_names_each_erasures_decision_or_its_absence(client, users, tick, context,
                                                                                      settings, runner, postgres):
    """The auditor saw that a case was erased, and when, never under which decision — nor that a key was destroyed
    with none on record (`sigill erase` records one; a key destroyed behind it has none)."""
    from uuid import UUID

    from services.bootstrap import build_erasures
    from services.erasure import erase_case
    from tests.integration.api.flows import ok

    decided, _ = school_consented_case(client, users, tick)
    undecided, _ = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{decided}/closure", headers=users.social,
                   json={"reason": "other", "outcome": "Arbetet är avslutat."}))
    runner.catch_up()   # the agencies were told of both cases: the list holds erased cases they knew
    app = context.cases.app
    erase_case(app, build_erasures(settings, postgres), UUID(decided),
               "SN 2026/45", "cli:uid0@host")
    app.keystore.destroy(UUID(undecided))
    home = page_text(web_as(context, settings, "ivo").get("/granskning").text)
    rows = home[home.index("Gallrade ärenden"):]
    assert re.search(rf"{decided} Stockholm \S+ \S+ CES?T SN 2026/45", rows), rows
    assert re.search(rf"{undecided} Stockholm \S+ \S+ CES?T Inget registrerat beslut", rows), rows
