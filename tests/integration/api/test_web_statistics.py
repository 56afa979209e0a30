"""The web client's Statistik page: social services' own municipality, an auditor's choice, members refused; tables
with captions and header cells; nothing that names a case."""

from __future__ import annotations

import re

from tests.builders import BORN_2009_03_14
from tests.integration.api.flows import REFERRAL, open_case, school_consented_case
from tests.integration.api.skew import web_as

PERIOD = {"ar": "2026"}


def test_social_services_sees_its_municipality_s_figures_in_accessible_tables(client, users, tick, app, context,
                                                                              settings):
    cases = [school_consented_case(client, users, tick)[0] for _ in range(5)] + [open_case(client, users)]
    web = web_as(context, settings, "soc-0180")
    assert '<a href="/statistik">Statistik</a>' in web.get("/arenden").text
    form = web.get("/statistik")
    assert form.status_code == 200 and 'name="ar"' in form.text and "<caption>" not in form.text
    page = web.get("/statistik", params=PERIOD)
    assert page.status_code == 200, page.text
    html = page.text
    assert "Stockholm (0180), 2026-01-01–2026-12-31" in html
    assert "Ärenden aktualiserade under perioden: 6" in html
    assert "<caption>Beslut om aktualitet</caption>" in html   # not "målgruppen": the next table is the target group's
    assert '<caption>Avslutade ärenden efter skäl</caption>\n  <thead><tr><th scope="col">Skäl</th>' in html
    # 5 accepted and 1 pending: the one "<5" would be 6 − 5, and with the 5 hidden as ".." (5 or more) still 1, so
    # every cell is hidden (red team 2026-12-05).
    assert re.search(r'<th scope="row">Aktuell</th><td>\.\.</td>', html)
    assert re.search(r'<th scope="row">Inte beslutat ännu</th><td>\.\.</td>', html)
    assert "<caption>Med åtgärdsplan: den senaste planen upprättad i samråd med den unge</caption>" in html
    assert html.count("<caption>") == 14 and '<th scope="col">Antal</th>' in html
    # Kön: the six cases' personnummer says girl; the aktuella by sex hidden with the aktuell cell.
    assert ('<caption>Aktualiseringar efter kön (enligt personnumret)</caption>\n'
            '  <thead><tr><th scope="col">Kön</th>') in html
    assert re.search(r'<th scope="row">Flickor</th><td>6</td></tr>\n<tr><th scope="row">Pojkar</th><td>0</td>', html)
    assert "<caption>Bedömda som aktuella efter kön</caption>" in html
    numbers = [app.get_case(__import__("uuid").UUID(c)).case_number for c in cases]
    for secret in [*cases, *numbers, REFERRAL["name"], BORN_2009_03_14, "Hög risk"]:
        assert secret not in html, secret


def test_members_are_refused_and_an_auditor_chooses_the_municipality(client, users, tick, context, settings):
    open_case(client, users)
    assert web_as(context, settings, "skola").get("/statistik", params=PERIOD).status_code == 403
    ivo = web_as(context, settings, "ivo")
    assert '<a href="/statistik">Statistik</a>' in ivo.get("/granskning").text
    page = ivo.get("/statistik", params={**PERIOD, "kommun": "0180"})
    assert page.status_code == 200 and "Ärenden aktualiserade under perioden: &lt;5" in page.text
    # The run is in the auditors' access log, said in Swedish with its municipality and period.
    log = ivo.get("/granskning/atkomstlogg", params={"myndighet": "ivo"}).text
    assert "uppföljningsstatistik (avidentifierad, inget enskilt ärende): 0180, 2026-01-01–2026-12-31" in log


def test_the_page_offers_its_figures_as_csv_the_command_line_s_and_the_api_s_same_values(client, users, tick, app,
                                                                                         context, settings):
    """A manager copying tables into a report, or an analyst loading them, takes the page's figures as a file: the
    same CSV as ``sigill stats --csv``, with the API's values; an auditor's link names the municipality it chose;
    a refused period is the page with its refusal, not a file."""
    import csv

    cases = [school_consented_case(client, users, tick)[0] for _ in range(5)]
    ivo = web_as(context, settings, "ivo")
    page = ivo.get("/statistik", params={**PERIOD, "kommun": "0180"}).text
    link = re.search(r'<a href="(/statistik\.csv\?[^"]+)" download>Ladda ner som CSV', page)
    assert link and "kommun=0180" in link.group(1)
    got = ivo.get(link.group(1).replace("&amp;", "&"))
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert 'filename="uppfoljningsstatistik-0180-2026.csv"' in got.headers["content-disposition"]
    rows = {(r["table"], r["cell"]): r["value"] for r in csv.DictReader(got.text.splitlines())}
    answer = client.get("/api/v1/statistics", params={"municipality": "0180", "from": "2026-01-01",
                                                      "to": "2026-12-31"}, headers=users.auditor).json()
    assert rows[("cases", "total")] == str(answer["cases"]) == "5"
    assert all(rows[(key, cell)] == str(value) for key, b in answer["breakdowns"].items()
               for cell, value in b["cells"].items())
    for secret in [*cases, REFERRAL["name"], BORN_2009_03_14]:
        assert secret not in got.text
    half = ivo.get("/statistik.csv", params={"kommun": "0180", "fran": "2026-01-01", "till": "2026-06-30"})
    assert half.status_code == 422 and "Statistiken tas fram för ett helt kalenderår" in half.text
    assert ivo.get("/statistik.csv", params={"kommun": "0180", "ar": "2027"}).status_code == 422
    assert web_as(context, settings, "skola").get("/statistik.csv", params=PERIOD).status_code == 403


def test_a_bad_year_or_municipality_is_said_on_the_form_with_422(client, users, context, settings):
    """The year is one of the list's (the form took two dates until 2026-12-05, of which only a whole year was
    taken); a year not a number or outside the list is said at the field, as a municipality left out is."""
    social = web_as(context, settings, "soc-0180")
    for bad in ("abc", "2027", "1899", "1900", "2010", "٢٠٢٦", "20266", " 2026"):
        page = social.get("/statistik", params={"ar": bad})
        assert page.status_code == 422, bad
        assert "År: Välj ett år i listan, från 2011 till 2026." in page.text, bad
        assert 'aria-invalid="true" aria-describedby="f-ar-error"' in page.text and "<caption>" not in page.text
    unknown = web_as(context, settings, "ivo").get("/statistik", params={**PERIOD, "kommun": "9999"})
    assert unknown.status_code == 422 and "Välj en kommun i listan." in unknown.text
    none = web_as(context, settings, "ivo").get("/statistik", params=PERIOD)
    assert none.status_code == 422 and 'aria-describedby="f-kommun-error"' in none.text


def test_the_year_is_chosen_from_a_list_from_2011_to_this_year_this_year_first(client, users, tick, context,
                                                                               settings):
    """An enhetschef preparing the year's follow-up picks a year; the list holds the years a social insatsgrupp can
    have cases in, newest first: from 2011, when the agencies were commissioned (it ran back to 1900, 126 options;
    the first referral's year is sealed in its case's events, and would tell of that one case)."""
    open_case(client, users)
    social = web_as(context, settings, "soc-0180")
    form = social.get("/statistik").text
    years = re.findall(r'<option value="([0-9]+)"( selected)?>', form[form.index('id="f-ar"'):])
    assert [y for y, _ in years] == [str(y) for y in range(2026, 2010, -1)]
    assert [y for y, chosen in years if chosen] == ["2026"] and 'name="fran"' not in form
    last_year = social.get("/statistik", params={"ar": "2025"}).text
    assert "Stockholm (0180), 2025-01-01–2025-12-31" in last_year and "perioden: 0" in last_year
    assert '<option value="2025" selected>' in last_year and '<option value="2026" selected>' not in last_year
    assert "perioden: &lt;5" in social.get("/statistik", params={"ar": "2026"}).text


def test_a_link_saved_with_two_dates_still_shows_its_year_or_is_refused_at_the_year(client, users, context,
                                                                                    settings):
    social = web_as(context, settings, "soc-0180")
    saved = social.get("/statistik", params={"fran": "2025-01-01", "till": "2025-12-31"})
    assert saved.status_code == 200 and "Stockholm (0180), 2025-01-01–2025-12-31" in saved.text
    assert '<option value="2025" selected>' in saved.text
    for fran, till in (("2026-01-01", "2026-06-30"), ("2026-02-30", "2026-12-31"), ("2026-02-01", "2026-01-01")):
        half = social.get("/statistik", params={"fran": fran, "till": till})
        assert half.status_code == 422 and 'aria-describedby="f-ar-error"' in half.text
        assert ("År: Länken anger en period (fran, till) som inte är ett helt kalenderår. Statistiken tas fram för"
                " ett helt kalenderår: välj ett år i listan.") in half.text


def test_the_csv_link_names_the_year_chosen(client, users, tick, context, settings):
    open_case(client, users)
    social = web_as(context, settings, "soc-0180")
    page = social.get("/statistik", params={"ar": "2025"}).text
    assert '<a href="/statistik.csv?ar=2025" download>' in page
    got = social.get("/statistik.csv", params={"ar": "2025"})
    assert got.status_code == 200 and 'filename="uppfoljningsstatistik-0180-2025.csv"' in got.headers[
        "content-disposition"]
    assert "0180,2025-01-01,2025-12-31,cases,total" in got.text
    ivo = web_as(context, settings, "ivo").get("/statistik", params={"kommun": "0180", "ar": "2026"}).text
    assert '<a href="/statistik.csv?kommun=0180&amp;ar=2026" download>' in ivo


def test_an_auditor_s_municipalities_are_listed_by_name_in_swedish_order(client, users, context, settings):
    page = web_as(context, settings, "ivo").get("/statistik").text
    names = re.findall(r'<option value="[0-9]{4}">([^<]+) \([0-9]{4}\)</option>', page)
    assert len(names) > 30 and names[:3] == ["Alingsås", "Boden", "Borlänge"] and names[-1] == "Örebro"
    assert names.index("Skövde") < names.index("Stockholm") < names.index("Sunne") < names.index("Södertälje")
    assert names.index("Västerås") < names.index("Växjö") and names.index("Hörby") < names.index("Höör")


def test_swedish_order_puts_a_ring_a_umlaut_o_umlaut_after_z_in_that_order():
    from services.wording import swedish_order

    names = ["Öckerö", "Älmhult", "Åre", "Zinkgruvan", "åsele", "Eksjö", "Ängelholm", "Åmål", "Ödeshög", "Ésby"]
    assert sorted(names, key=swedish_order) == ["Eksjö", "Ésby", "Zinkgruvan", "Åmål", "Åre", "åsele", "Älmhult",
                                               "Ängelholm", "Öckerö", "Ödeshög"]


def test_every_field_at_fault_is_said_at_once_in_a_summary_that_takes_the_focus(client, users, context, settings):
    """The form said one error at a time, with no summary: a municipality left out, then a date, then the other (a
    caseworker's walk)."""
    page = web_as(context, settings, "ivo").get("/statistik", params={"kommun": "", "ar": "20x6"})
    assert page.status_code == 422
    summary = page.text[page.text.index('id="error-summary"'):page.text.index("</div>", page.text.index(
        'id="error-summary"'))]
    assert 'autofocus' in page.text[page.text.index('id="error-summary"') - 80:page.text.index('id="error-summary"') + 40]
    assert [re.sub(r"<[^>]+>", "", li) for li in re.findall(r"<li>(.*?)</li>", summary)] == [
        "Kommun: Välj en kommun i listan.", "År: Välj ett år i listan, från 2011 till 2026."]
    assert '<a href="#f-ar">' in summary and '<option value="">– välj –</option>' in page.text
