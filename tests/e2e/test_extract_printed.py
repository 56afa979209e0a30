"""The young person's loggutdrag printed from a closed case, as social services hands it over (helper hQ, 2026-12-07):
on paper the case, whom it is for, every reading agency with its reader, what was read and why — and none of the
screen's controls or notes meant for the caseworker."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e import seed, ui


def test_the_young_persons_printed_extract_of_a_closed_case_holds_the_reads_and_no_screen_notes(server,
                                                                                                 signed_in_page):
    group = seed.school_and_police_group(server.context.cases)
    case_id = str(group.case_id)
    school = signed_in_page(ui.SCHOOL)
    ui.tab(school, case_id, "plan")
    page = signed_in_page(ui.SOCIAL)
    ui.tab(page, case_id, "avslut")
    page.get_by_label("Skäl", exact=True).select_option(label="Den unge har flyttat")
    page.get_by_label("Utfall").fill("Familjen flyttade.")
    page.get_by_label("Jag bekräftar att ärendet ska avslutas och förstår att det inte kan öppnas igen").check()
    page.get_by_role("button", name="Avsluta ärendet").click()
    ui.tab(page, case_id, "registerutdrag")
    expect(page.locator("#extract-for")).to_contain_text("(den unge)")
    page.emulate_media(media="print")
    printed = page.locator("main")
    expect(printed).to_contain_text(group.case_number, use_inner_text=True)
    expect(printed).to_contain_text("Loggutdrag – vem har läst vad", use_inner_text=True)
    table = page.locator("table.list")
    expect(table).to_contain_text("Skolan", use_inner_text=True)
    expect(table).to_contain_text("åtgärdsplanen", use_inner_text=True)
    for screen_only in ("Skriv ut", "Spara syfte", "inga formulär", "(vårdnadshavare)"):
        expect(printed).not_to_contain_text(screen_only, use_inner_text=True)
