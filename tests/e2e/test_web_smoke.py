"""The thinnest slice: sign in, a rejected referral keeps what was typed, a case opens, the list shows it."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e import ui


def test_a_rejected_referral_keeps_what_was_typed_and_shows_the_error_next_to_the_field(signed_in_page, screenshot):
    page = signed_in_page(ui.SOCIAL)
    page.goto("/arenden/nytt")
    page.get_by_label("Personnummer eller samordningsnummer").fill("20100101-1234")
    page.get_by_label("Den unges namn").fill("Alva Skrivsdottir")
    page.get_by_label("Sammanfattning", exact=True).fill("Text som inte får försvinna.")
    page.get_by_role("button", name="Öppna ärendet").click()

    route = page.get_by_label("Hur ärendet kom in")
    expect(route).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-entry_route-error")).to_contain_text("Välj ett av alternativen")
    expect(page.get_by_role("alert")).to_contain_text("Formuläret innehåller fel")
    expect(page.get_by_label("Den unges namn")).to_have_value("Alva Skrivsdottir")
    expect(page.get_by_label("Sammanfattning", exact=True)).to_have_value("Text som inte får försvinna.")

    route.select_option("sol14")
    page.get_by_label("Aktualiserad av").select_option("skola")
    page.get_by_label("Kategori för sammanfattningen").select_option("school")
    page.get_by_role("button", name="Öppna ärendet").click()
    field = page.get_by_label("Personnummer eller samordningsnummer")
    expect(field).to_have_value("20100101-1234")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-personnummer-error")).to_contain_text("Personnumret är inte giltigt")
    expect(page.get_by_label("Aktualiserad av")).to_have_value("skola")
    expect(page.get_by_label("Den unges namn")).to_have_value("Alva Skrivsdottir")
    assert "Alva" not in page.url and "20100101" not in page.url
    screenshot(page, "01-ny-aktualisering-med-fel")
