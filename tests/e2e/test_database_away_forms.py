"""In the browser: a form sent while the database is away comes back with what was typed in its fields and says to
save again in a while; saved again once the database is back, it is recorded once."""

from __future__ import annotations

from playwright.sync_api import expect
from psycopg_pool import PoolTimeout

from tests.e2e import seed, ui
from tests.e2e.test_accessibility import assert_every_control_is_labelled

AWAY = "Tjänsten kunde inte nå databasen. Det du skrev finns kvar nedan – försök spara igen om en stund."
FOCUSED_ID = "document.activeElement && document.activeElement.id"


def _away(*args, **kwargs):
    raise PoolTimeout("couldn't get a connection after 5.00 sec")


def test_a_referral_sent_while_the_database_is_away_is_kept_in_its_form_and_saved_again(server, signed_in_page,
                                                                                       monkeypatch):
    page = signed_in_page(ui.SOCIAL)
    personnummer = ui.sixteen_year_old()
    turns = server.context.cases.referral_turns
    monkeypatch.setattr(turns, "turn", lambda municipality: _away())
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        ui.send_referral(page, personnummer, "Kim Kvarsson")
    assert answer.value.status == 503
    expect(page.locator("#error-summary")).to_contain_text(AWAY)
    expect(page.locator("#error-summary")).to_contain_text("Formuläret sparades inte")
    assert page.evaluate(FOCUSED_ID) == "error-summary"
    expect(page.get_by_label("Personnummer eller samordningsnummer")).to_have_value(personnummer)
    expect(page.get_by_label("Den unges namn")).to_have_value("Kim Kvarsson")
    expect(page.get_by_label("Hur ärendet kom in")).to_have_value("lul6")
    expect(page.get_by_label("Aktualiserad av")).to_have_value("polis")
    expect(page.get_by_label("Sammanfattning", exact=True)).to_have_value(
        "Misstänkt för rån tillsammans med äldre ungdomar.")
    expect(page.get_by_label("Kategori för sammanfattningen")).to_have_value("crime")
    monkeypatch.undo()   # the database is back
    page.get_by_role("button", name="Öppna ärendet").click()
    page.wait_for_load_state()
    assert "sparat=open_case" in page.url and ui.case_id_of(page)
    expect(page.locator("main")).to_contain_text("Kim Kvarsson")


def test_a_contribution_sent_while_the_database_is_away_comes_back_as_sent_and_is_saved_again(server, signed_in_page,
                                                                                             monkeypatch):
    group = seed.school_and_police_group(server.context.cases)
    page = signed_in_page(ui.SCHOOL)
    ui.tab(page, str(group.case_id), "uppgift")
    page.get_by_label("Kategori").select_option("school")
    page.get_by_label("Uppgift").fill("Närvaron har ökat till 90 %, text som inte får gå förlorad.")
    for name in ("command", "look"):   # the database away: neither saved nor the case's page read
        monkeypatch.setattr(server.context.cases, name, _away)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Spara uppgiften").click()
        page.wait_for_load_state()
    assert answer.value.status == 503
    expect(page.locator("#error-summary")).to_contain_text(AWAY)
    assert page.evaluate(FOCUSED_ID) == "error-summary"
    assert_every_control_is_labelled(page, "kept form")
    expect(page.get_by_label("Uppgift")).to_have_value("Närvaron har ökat till 90 %, text som inte får gå förlorad.")
    expect(page.get_by_label("Kategori")).to_have_value("school")
    monkeypatch.undo()   # the database is back
    page.get_by_role("button", name="Spara igen").click()
    page.wait_for_load_state()
    assert f"/arenden/{group.case_id}/uppgift?sparat=record_contribution" in page.url
    expect(page.locator("table.facts")).to_contain_text("text som inte får gå förlorad")
