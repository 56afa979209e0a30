"""Skyddade personuppgifter in the web client: social services records and removes them on the tab *Skyddade
personuppgifter*; every page of the case shows a banner (a labelled region: standing content, not an alert) to
whoever sees the fact; the case lists show a protected case by its number and a marker; the auditors' pages say it
now, and as of a replayed moment."""

from __future__ import annotations

import re

from domain.calendar import STOCKHOLM
from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.web_forms import hidden_fields

BANNER = "Skyddade personuppgifter (skyddad folkbokföring). Den unges uppgifter får inte lämnas ut utan särskild"


def _send(web, case_id: str, **fields) -> object:
    hidden = hidden_fields(web.get(f"/arenden/{case_id}/skydd").text)
    return web.post(f"/arenden/{case_id}/skydd", follow_redirects=False, data={
        "csrf": hidden["csrf"], "form_key": hidden["form_key"], "expected_version": hidden["expected_version"],
        **fields})


def test_social_services_records_it_and_every_page_of_the_case_says_so(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick, others={"polis": ["crime"]})
    social = web_as(context, settings, "soc-0180")
    assert BANNER not in social.get(f"/arenden/{case_id}").text
    saved = _send(social, case_id, kind="skyddad_folkbokforing", since="2026-02-02")
    assert saved.status_code == 303, saved.text
    for tab in ("", "/plan", "/samtycken", "/skydd", "/avslut"):
        page = social.get(f"/arenden/{case_id}{tab}").text
        assert 'role="region" aria-label="Skyddade personuppgifter" id="protected-banner"' in page, tab
        assert BANNER in page and "Gäller från 2026-02-02." in page and 'role="alert"' not in page, tab
        assert "uppge aldrig adress eller vistelseort" in page
    school = web_as(context, settings, "skola")
    assert BANNER in school.get(f"/arenden/{case_id}").text and BANNER in school.get(f"/arenden/{case_id}/plan").text
    police = web_as(context, settings, "polis")   # in the group, its consent `crime` only: it does not see the case
    page = police.get(f"/arenden/{case_id}").text
    assert "protected-banner" not in page and "Skyddade personuppgifter" not in page


def test_the_lists_show_the_marker_and_no_name(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    social = web_as(context, settings, "soc-0180")
    ok(client.post(f"/api/v1/cases/{case_id}/protection", headers=users.social,
                   json={"protected": True, "kind": "sekretessmarkering"}))
    for web in (social, web_as(context, settings, "skola")):
        listing = web.get("/arenden").text
        row = next(r for r in listing.split("<tr>") if case_id in r)
        assert 'class="marker protected">Skyddade personuppgifter<' in row and "Peter" not in listing
    # The case page still names the young person to a reader who may see the subject.
    assert "Peter Exempel" in social.get(f"/arenden/{case_id}").text


def test_removing_it_takes_the_banner_away(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    social = web_as(context, settings, "soc-0180")
    assert _send(social, case_id, kind="skyddad_folkbokforing", since="2026-02-02").status_code == 303
    tick()
    removed = _send(social, case_id, kind="none", since="2026-02-02")
    assert removed.status_code == 303, removed.text
    page = social.get(f"/arenden/{case_id}/skydd").text
    assert "protected-banner" not in page and "Inga skyddade personuppgifter är registrerade." in page


def test_refused_forms_say_why_at_the_select(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    social = web_as(context, settings, "soc-0180")
    blank = _send(social, case_id, kind="", since="2026-02-02")
    assert blank.status_code == 422 and 'id="f-kind-error"' in blank.text
    nothing_to_remove = _send(social, case_id, kind="none", since="2026-02-02")
    assert nothing_to_remove.status_code == 422 and "Det är redan registrerat så: inget ändrades." in nothing_to_remove.text
    assert _send(social, case_id, kind="sekretessmarkering", since="2026-02-02").status_code == 303
    tick()
    again = _send(social, case_id, kind="sekretessmarkering", since="2026-02-02")
    assert again.status_code == 422 and "Det är redan registrerat så" in again.text


def test_a_change_of_kind_from_before_the_current_one_began_is_said_at_the_date(client, users, tick, context,
                                                                                 settings):
    case_id, _ = school_consented_case(client, users, tick)
    social = web_as(context, settings, "soc-0180")
    assert _send(social, case_id, kind="skyddad_folkbokforing", since="2026-02-02").status_code == 303
    tick()
    earlier = _send(social, case_id, kind="sekretessmarkering", since="2026-02-01")
    assert earlier.status_code == 422 and 'id="f-since-error"' in earlier.text
    assert "Datumet ligger före den dag det registrerade skyddet gäller från." in earlier.text


def test_the_select_offers_its_choices_capitalised_as_the_other_selects_and_the_readme(client, users, tick, context,
                                                                                          settings):
    """*Skydd hos Skatteverket* offered "sekretessmarkering" and "skyddad folkbokföring" beside "Inga skyddade
    personuppgifter (ta bort markeringen)", where every other select (and the README) begins its choices with a
    capital."""
    case_id, _ = school_consented_case(client, users, tick)
    page = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/skydd").text
    select = page[page.index('id="f-kind"'):page.index("</select>", page.index('id="f-kind"'))]
    assert [label for _, label in re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', select)] == [
        "Sekretessmarkering", "Skyddad folkbokföring", "Inga skyddade personuppgifter (ta bort markeringen)"]


def test_a_member_has_no_such_tab(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    school = web_as(context, settings, "skola")
    assert f"/arenden/{case_id}/skydd" not in school.get(f"/arenden/{case_id}").text
    assert school.get(f"/arenden/{case_id}/skydd").status_code == 403


def _moment(context) -> str:
    return context.cases.app.clock.now().astimezone(STOCKHOLM).strftime("%Y-%m-%dT%H:%M:%S")


def _replay(auditor, case_id: str, agency: str, at: str) -> str:
    page = auditor.get(f"/granskning/arenden/{case_id}", params={"myndighet": agency, "tid": at})
    assert page.status_code == 200, page.text
    return re.search(r'<p class="notice[^"]*" id="protected-at">(.*?)</p>', page.text, re.S).group(1)


def test_the_auditors_pages_say_it_now_and_as_of_the_replayed_moment(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick, others={"polis": ["crime"]})
    auditor = web_as(context, settings, "ivo")
    assert "protected-banner" not in auditor.get(f"/granskning/arenden/{case_id}").text
    tick()
    before = _moment(context)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/protection", headers=users.social,
                   json={"protected": True, "kind": "skyddad_folkbokforing", "since": "2026-02-02"}))
    tick()
    after = _moment(context)
    now = "Den unge har skyddade personuppgifter (skyddad folkbokföring), gäller från 2026-02-02."
    for tab in ("", "/utlamnanden"):
        page = auditor.get(f"/granskning/arenden/{case_id}{tab}").text
        assert 'aria-label="Skyddade personuppgifter" id="protected-banner"' in page and now in page, tab
    assert "Vid tidpunkten var inga skyddade personuppgifter registrerade" in _replay(auditor, case_id, "skola", before)
    told = _replay(auditor, case_id, "skola", after)
    assert "Vid tidpunkten hade den unge skyddade personuppgifter (skyddad folkbokföring)" in told
    assert "Skolan såg markeringen." in told
    assert "Polisen såg inte markeringen" in _replay(auditor, case_id, "polis", after)   # its consent: crime only
    report = auditor.get(f"/granskning/arenden/{case_id}/rapport").text
    assert "<p class=bad id=protected>Skyddade personuppgifter: skyddad folkbokföring nu, gäller från 2026-02-02." in report
    assert "Skyddade personuppgifter (skyddad folkbokföring) från 2026-02-02 (registrerat" in report
    listing = auditor.get("/granskning").text
    row = next(r for r in listing.split("<tr>") if case_id in r)
    assert 'class="marker protected">Skyddade personuppgifter<' in row

    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/protection", headers=users.social, json={"protected": False}))
    tick()
    assert "protected-banner" not in auditor.get(f"/granskning/arenden/{case_id}").text
    assert "Vid tidpunkten hade den unge" in _replay(auditor, case_id, "skola", after)   # as it was then
    report = auditor.get(f"/granskning/arenden/{case_id}/rapport").text
    assert "<p id=protected>Skyddade personuppgifter: inga registrerade nu." in report
    assert "Skyddade personuppgifter upphörde att gälla" in report
