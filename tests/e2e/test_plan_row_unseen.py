"""A caseworker names the police on a row they may not see: the row is saved, and the plan page says so beside it
to social services only; the police, who cannot follow it up, are told nothing of it."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e import seed, ui

SAID = "Polisen är ansvarig men kan inte se raden: inget samtycke täcker Fritid."


def test_the_caseworker_is_told_beside_the_row_and_the_police_are_not(server, signed_in_page):
    group = seed.school_and_police_group(server.context.cases)   # the police's consents cover `case` only
    page = signed_in_page(ui.SOCIAL)
    ui.tab(page, str(group.case_id), "plan")
    page.locator('[name="rows.2.area"]').fill("Fritid")
    page.locator('[name="rows.2.responsible"]').fill("Peter")
    page.locator('[name="rows.2.goal"]').fill("En aktivitet i veckan.")
    page.locator('[name="rows.2.how"]').fill("Fritidsgården.")
    page.locator('input[name="rows.2.responsible_agencies"][value="polis"]').check()
    page.locator("#f-young_person_took_part input[value=true]").check()   # asked of each new revision
    page.get_by_role("button", name="Spara ny revision").click()
    expect(page.locator("table.plan")).to_contain_text("En aktivitet i veckan.")   # saved all the same
    expect(page.locator("table.plan tbody tr").nth(2).locator(".row-unseen")).to_have_text(SAID)
    expect(page.locator(".row-unseen")).to_have_count(1)

    police = signed_in_page(ui.POLICE)
    ui.tab(police, str(group.case_id), "plan")
    expect(police.locator("main")).not_to_contain_text("kan inte se raden")
    expect(police.locator("main")).not_to_contain_text("En aktivitet i veckan.")
