"""Words of the web client read on a walk through a case: said once, without brackets in brackets, to the agency as
"ni", and the young person named where social services sees the name."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from services.api.app import create_api
from services.web.app import mount_web
from tests.integration.api.flows import REFERRAL, ok, page_text, school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.test_plan_row_unseen import LEISURE, POLICE, _consent_all, _revise
from tests.integration.api.test_web_caseworker_walk import _born
from tests.integration.api.web_forms import form_tokens


def _header(page: str) -> str:
    return page_text(re.search(r'<div class="who">(.*?)</form>', page, re.S).group(1)).strip()


def test_the_header_names_a_development_user_once_and_a_named_user_with_role_and_agency(context, settings):
    """Signed in with the development sign-in's label as the name, the header read "Inloggad som Handläggare,
    socialtjänsten Stockholm (0180) (Handläggare, Socialtjänsten 0180)"."""
    web = web_as(context, settings, "soc-0180")
    assert _header(web.get("/arenden").text) == "Inloggad som Handläggare, socialtjänsten Stockholm (0180) Logga ut"
    named = _named(context, settings, "Maja Handläggare")   # a name typed: the role and agency beside it
    assert _header(named.get("/arenden").text) == (
        "Inloggad som Maja Handläggare (Handläggare, Socialtjänsten 0180) Logga ut")


def _named(context, settings, name: str) -> TestClient:
    api = create_api(context)
    mount_web(api, context, settings)
    web = TestClient(api, raise_server_exceptions=False)
    csrf = re.search(r'name="csrf" value="([^"]+)"', web.get("/logga-in").text).group(1)
    assert web.post("/logga-in/utveckling", data={"csrf": csrf, "user": "soc-0180", "name": name},
                    follow_redirects=False).status_code == 303
    return web


def test_a_guardians_missing_consent_is_said_beside_the_row_without_brackets_in_brackets(client, users, tick,
                                                                                         context, settings):
    """It read "(samtycke saknas från Maria (vårdnadshavare) för Fritid)"."""
    case_id, _ = school_consented_case(client, users, tick, others=POLICE)
    tick()
    ok(_revise(client, users, case_id, LEISURE), 201)
    ids = _consent_all(client, users, case_id, tick, {"polis": ["leisure"]})
    timeline = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    maria = next(f for f in timeline["facts"] if f["kind"] == "guardians")["content"]["guardians"][0]
    assert maria["name"] == "Maria"
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{ids[1]}/withdrawal", headers=users.social,
                   json={"consenter": maria["guardian_id"]}))
    page = page_text(web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/plan").text)
    assert ("Polisen är ansvarig men kan inte se raden: samtycke saknas från Maria (vårdnadshavare) för Fritid."
            in page)


def test_the_young_persons_missing_consent_is_named_as_the_cards_name_them(client, users, tick, context, settings):
    """The picture's and the cards' "väntar"/"samtycke saknas från den unge" and the plan's warning named the young
    person by the role alone, where the cards above them say "Peter Exempel (den unge)"; a member reads none of it."""
    case_id, _ = school_consented_case(client, users, tick, others=POLICE)
    tick()
    ok(_revise(client, users, case_id, LEISURE), 201)
    ids = _consent_all(client, users, case_id, tick, {"polis": ["leisure"]})
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{ids[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))
    lead = web_as(context, settings, "soc-0180")
    plan = page_text(lead.get(f"/arenden/{case_id}/plan").text)
    assert ("Polisen är ansvarig men kan inte se raden: samtycke saknas från Peter Exempel (den unge) för Fritid."
            in plan)
    consents = lead.get(f"/arenden/{case_id}/samtycken").text
    cell = re.search(r'<tr data-agency="polis">.*?<td data-category="leisure"[^>]*>(.*?)</td>', consents, re.S)
    assert page_text(cell.group(1)).strip() == "– samtycke saknas från Peter Exempel (den unge)"
    waiting = [page_text(p).strip() for p in re.findall(r'<p class="notice bad waiting">(.*?)</p>', consents, re.S)]
    assert waiting == ["Samtycket gäller men lämnar inte ut något just nu: samtycke saknas från Peter Exempel"
                       " (den unge)."] * 2   # Maria's and Johan's consents to the police's leisure
    assert "från den unge" not in page_text(consents) + plan
    member = page_text(web_as(context, settings, "polis").get(f"/arenden/{case_id}/plan").text)
    assert "Fritid" not in member and "samtycke saknas" not in member
    # The name the police's own view holds (its consents cover `case`: its timeline names the young person too) is
    # the plan's "Upprättad i samråd med …", since 2026-12-05; no note of whose consent is missing.
    assert "Upprättad i samråd med Peter Exempel (den unge)" in member and "saknas från" not in member


def test_the_follow_up_tab_speaks_to_the_agency_as_ni(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    for user in ("soc-0180", "skola"):
        page = page_text(web_as(context, settings, user).get(f"/arenden/{case_id}/uppfoljning").text)
        assert "Rader ni kan följa upp" in page and "Rader du kan" not in page


def test_the_consents_name_the_young_person_on_the_page_only(client, users, tick, context, settings):
    """The consent cards and the form's "Vem lämnar samtycket" said "Den unge", where the extract names "Peter Exempel
    (den unge)": the name on the page, the form's value and the address ``young_person`` as before.  A guardian's
    card, "Maria" alone, names her with the role as the extract and the form do."""
    case_id, _ = school_consented_case(client, users, tick)
    page = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/samtycken").text
    cards = [page_text(h).strip().split(" · ")[0]
             for h in re.findall(r'<section class="consent"[^>]*>\s*(?:\{#.*?#\}\s*)?<h3>(.*?)</h3>', page, re.S)]
    assert cards == ["Peter Exempel (den unge)", "Maria (vårdnadshavare)", "Johan (vårdnadshavare)"]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>',
                         re.search(r'<select[^>]*name="consenter".*?</select>', page, re.S).group(0))
    assert ("young_person", "Peter Exempel (den unge)") in options
    assert not [value for value, _ in options if "Peter" in value or "Exempel" in value]
    assert "Den unge ·" not in page_text(page) and ">Den unge<" not in page


def test_a_revision_with_no_change_the_member_sees_says_so_to_the_agency_as_ni(client, users, tick, context,
                                                                              settings):
    """A revision that changes only a row the school may not see is, to the school, "Inga ändringar ni kan se"."""
    case_id, _ = school_consented_case(client, users, tick)
    school_row = {"area": "Skola", "goal": "Närvaro.", "how": "Mentor.", "responsible": "Mentor"}
    tick()
    first = ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social,
                           json={"main_goal": "Mål.", "rows": [school_row]}), 201)
    assert first["created"] == 1
    row_id = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.social))["rows"][0]["content"]["row_id"]
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social, json={
        "main_goal": "Mål.", "rows": [{**school_row, "row_id": row_id}, {**LEISURE, "responsible_agencies": []}]}),
        201)
    page = page_text(web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text)
    assert "Revision 2" in page and "Inga ändringar ni kan se." in page and "du kan se" not in page


def test_what_the_agency_sees_or_has_access_to_is_said_to_it_as_ni(client, users, tick, context, settings):
    """The case head's "Senast ändrat" explained "den senaste uppgiften du ser", the search "Inget ärende med numret
    … som du har tillgång till" and a page not found "har du inte tillgång till det": what a reader sees is its
    agency's, which the pages call "ni" ("Tidslinje – det ni får se")."""
    case_id, _ = school_consented_case(client, users, tick)
    school = web_as(context, settings, "skola")
    hint = re.search(r'<span title="([^"]*)">Senast ändrat', school.get(f"/arenden/{case_id}").text).group(1)
    assert hint == ("När den senaste uppgiften ni ser registrerades. Ändras ärendet medan ett formulär fylls i"
                    " avvisas formuläret, så att ingen skriver över en ändring den inte har sett.")
    searched = page_text(school.get("/arenden", params={"nummer": "0180-2026-0999"}).text)
    assert "Inget ärende med numret 0180-2026-0999 som ni har tillgång till." in searched
    missing = school.get("/arenden/inget-sadant")
    assert missing.status_code == 404
    assert "Sidan eller ärendet finns inte (eller så har ni inte tillgång till det)." in page_text(missing.text)
    assert " du " not in f" {hint} {searched} {page_text(missing.text)} "


def test_a_member_is_told_no_meeting_is_shown_to_it_not_that_there_are_none(client, users, tick, context, settings):
    """The meetings tab said "Inga möten." to a member as to social services: a claim about the case, where the
    member knows only what it is shown ("Ingen åtgärdsplan att visa för er." on its plan tab)."""
    case_id, _ = school_consented_case(client, users, tick)
    school = page_text(web_as(context, settings, "skola").get(f"/arenden/{case_id}/moten").text)
    assert "Inga möten att visa för er." in school and "Inga möten. " not in school
    lead = page_text(web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/moten").text)
    assert "Inga möten." in lead and "att visa för er" not in lead


def test_a_next_meeting_before_the_meeting_is_said_so_not_before_a_start_date(client, users, tick, context, settings):
    """"Nästa möte: Datumet ligger före startdatumet." — a meeting has no start date; the domain's message for a
    consent's end ("before valid_from") was the one its "before" matched."""
    case_id, _ = school_consented_case(client, users, tick)
    web = web_as(context, settings, "soc-0180")
    page = web.get(f"/arenden/{case_id}/moten").text
    answer = web.post(f"/arenden/{case_id}/moten", data={**form_tokens(page), "held_on": "2026-02-03",
                                                         "next_meeting": "2026-02-01", "attendees": "skola"})
    assert answer.status_code == 422
    said = page_text(re.search(r'<p class="error" id="f-next_meeting-error">(.*?)</p>', answer.text, re.S)
                     .group(1)).strip()
    assert said == "Fel: Datumet ligger före mötesdatumet.", said


def test_a_text_too_long_says_how_long_it_may_be(client, users, tick, context, settings):
    """A caseworker's note of 4 560 characters came back with "Texten är för lång." alone: how much to cut was for her
    to guess. The limit is said, and what was typed is kept."""
    case_id, _ = school_consented_case(client, users, tick)
    web = web_as(context, settings, "soc-0180")
    page = web.get(f"/arenden/{case_id}/uppgift").text
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    typed = "Familjen har haft ett långt samtal om situationen hemma. " * 80
    answer = web.post(f"/arenden/{case_id}/uppgift", data={**form, "category": "family", "text": typed})
    assert answer.status_code == 422
    said = page_text(re.search(r'<p class="error" id="f-text-error">(.*?)</p>', answer.text, re.S).group(1)).strip()
    assert said == "Fel: Texten är för lång: högst 4 000 tecken.", said   # a narrow no-break space, as _text reads it
    assert typed.strip() in answer.text


def _errors(page: str) -> list[str]:
    return re.findall(r'<p class="error"[^>]*>.*?</p>', page, re.S)


def _refused_with(answer, said_at: tuple[tuple[str, str], ...]) -> None:
    """A 422 whose page says each text beside its field, as the caseworker reads it."""
    assert answer.status_code == 422
    for field, said in said_at:
        shown = re.search(rf'<p class="error" id="f-{field}-error">(.*?)</p>', answer.text, re.S)
        assert shown and page_text(shown.group(1)).strip() == f"Fel: {said}", (field, _errors(answer.text))


def test_a_date_before_the_one_it_follows_is_said_with_the_fields_left_empty(client, users, tick, context, settings):
    """A consent ending before it starts, sent with no consenter and no form chosen, was told only once those were
    chosen, in a second refusal; a meeting's next meeting before it, once its outcome's category was chosen. Both
    are said in the same round now, as a new case's malformed personnummer is."""
    case_id, _ = school_consented_case(client, users, tick)
    web = web_as(context, settings, "soc-0180")
    page = web.get(f"/arenden/{case_id}/samtycken").text
    form = {k: v for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
            if k in ("csrf", "form_key", "expected_version", "expected_digest")}   # not a card's consenter
    answer = web.post(f"/arenden/{case_id}/samtycken", data={
        **form, "scope": "skola:school", "purpose": "Samverkan", "valid_from": "2026-02-10",
        "valid_until": "2026-02-01"})
    _refused_with(answer, (("consenter", "Välj ett av alternativen."), ("form", "Välj ett av alternativen."),
                           ("valid_until", "Datumet ligger före startdatumet.")))
    page = web.get(f"/arenden/{case_id}/moten").text
    form = {k: v for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
            if k in ("csrf", "form_key", "expected_version", "expected_digest")}   # not a card's consenter
    answer = web.post(f"/arenden/{case_id}/moten", data={
        **form, "held_on": "2026-02-03", "next_meeting": "2026-02-01", "attendees": "skola",
        "outcomes.0.origin_agency": "skola", "outcomes.0.text": "Närvaron har ökat."})
    _refused_with(answer, (("outcomes-0-category", "Välj ett av alternativen."),
                           ("next_meeting", "Datumet ligger före mötesdatumet.")))


def test_the_cases_own_date_rules_are_said_with_the_fields_left_empty(client, users, tick, context, settings):
    """A 13-year-old's decision dated in the future, its reasons left empty and no reason for accepting someone under
    15, was refused for the reasons alone; the date came in a second refusal and the under-15 reason in a third.  A
    meeting dated before the referral, its outcome's category left unchosen, likewise came in two rounds."""
    web = web_as(context, settings, "soc-0180")
    young = ok(client.post("/api/v1/cases", json={**REFERRAL, "personnummer": _born(date(2013, 1, 10))},
                           headers=users.social), 201)["case_id"]
    page = web.get(f"/arenden/{young}/beslut").text
    answer = web.post(f"/arenden/{young}/beslut", data={**form_tokens(page), "accepted": "true",
                                                        "decided_on": "2026-03-01"})
    _refused_with(answer, (("reasons", "Fältet måste fyllas i."),
                           ("decided_on", "Datumet får inte ligga i framtiden."),
                           ("outside_target_group_reason", "Den unge är utanför målgruppen 15–25 år: ange ett"
                                                           " skäl för att ändå besluta aktuell.")))
    case_id, _ = school_consented_case(client, users, tick)
    page = web.get(f"/arenden/{case_id}/moten").text
    answer = web.post(f"/arenden/{case_id}/moten", data={
        **form_tokens(page), "held_on": "2026-01-20", "attendees": "skola",
        "outcomes.0.origin_agency": "skola", "outcomes.0.text": "Närvaron har ökat."})
    _refused_with(answer, (("outcomes-0-category", "Välj ett av alternativen."),
                           ("held_on", "Datumet ligger före datumet för aktualiseringen.")))
