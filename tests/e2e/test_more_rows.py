"""A plan of more rows than the form first shows, and a meeting of more outcomes, are made in one go: "Fler rader"
shows the form again as typed with one more blank row, and saves nothing."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e import seed, ui

ROWS = [("Skola", "Komma i tid."), ("Hälsa", "Inga droger."), ("Fritid", "En aktivitet i veckan."),
        ("Familj", "Middag hemma varje söndag.")]


def test_a_first_plan_of_four_rows_is_saved_as_one_revision(server, signed_in_page):
    page = signed_in_page(ui.SOCIAL)
    case_id = ui.accepted_case(page)
    ui.tab(page, case_id, "plan")
    page.get_by_label("Huvudmål").fill("Sluta med brott.")
    for i, (area, goal) in enumerate(ROWS):
        if page.locator(f"#f-rows-{i}-area").count() == 0:
            page.get_by_role("button", name="Fler rader").click()
            expect(page.locator("#saved")).to_have_count(0)                  # nothing saved
        page.locator(f"#f-rows-{i}-area").fill(area)
        page.locator(f"#f-rows-{i}-goal").fill(goal)
        page.locator(f"#f-rows-{i}-how").fill("Samtal.")
        page.locator(f"#f-rows-{i}-responsible").fill("Socialsekreteraren")
    expect(page.get_by_label("Huvudmål")).to_have_value("Sluta med brott.")   # kept through "Fler rader"
    expect(page.locator("#f-rows-0-goal")).to_have_value("Komma i tid.")
    page.locator("#f-young_person_took_part input[value=true]").check()   # asked of each new revision
    page.get_by_role("button", name="Spara ny revision").click()
    expect(page.locator("#saved")).to_be_visible()
    # Opened at the notice: the redirect's own fragment replaces the one "Fler rader" posted to (#f-rows-3-area),
    # which the browser kept and which opened the saved page at a row of the new form.
    expect(page).to_have_url(re.compile(r"/plan\?sparat=revise_plan#saved$"))
    expect(page.locator("table.plan tbody tr")).to_have_count(4)
    expect(page.locator("section.revision")).to_have_count(1)                  # one revision, not one per save


def test_a_meeting_of_four_outcomes_is_recorded_in_one_go(server, signed_in_page):
    group = seed.school_and_police_group(server.context.cases)
    page = signed_in_page(ui.SOCIAL)
    ui.tab(page, str(group.case_id), "moten")
    page.locator("#f-attendees input[value=skola]").check()
    for i in range(4):
        if page.locator(f"#f-outcomes-{i}-text").count() == 0:
            page.get_by_role("button", name="Fler resultat").click()
            expect(page.locator("section.meeting")).to_have_count(0)         # nothing recorded
        page.locator(f"#f-outcomes-{i}-origin_agency").select_option("socialtjanst")
        page.locator(f"#f-outcomes-{i}-category").select_option("family")
        page.locator(f"#f-outcomes-{i}-text").fill(f"Resultat nummer {i + 1}.")
    expect(page.locator("#f-attendees input[value=skola]")).to_be_checked()
    page.get_by_role("button", name="Spara mötet").click()
    expect(page.locator("#saved")).to_be_visible()
    expect(page.locator("section.meeting li[data-kind='meeting.outcome']")).to_have_count(4)


def test_three_new_guardians_are_recorded_in_one_go(server, signed_in_page):
    """The guardians form offered two blank rows and no way to a third: a third guardian took a second save."""
    page = signed_in_page(ui.SOCIAL)
    case_id = ui.open_referral(page, ui.sixteen_year_old())
    ui.tab(page, case_id, "vardnadshavare")
    names = ("Maria Exempel", "Johan Exempel", "Eva Exempel")
    for i, name in enumerate(names):
        if page.locator(f"#f-guardians-{i}-name").count() == 0:
            page.get_by_role("button", name="Fler rader").click()
            expect(page.locator(f"#f-guardians-{i}-name")).to_have_count(1)
        page.locator(f"#f-guardians-{i}-name").fill(name)
    expect(page.locator("#f-guardians-0-name")).to_have_value("Maria Exempel")          # kept through "Fler rader"
    expect(page.locator("input[name='guardians.2.has_custody']")).to_be_checked()     # ticked, as blank rows are
    page.locator("input[name='guardians.2.has_custody']").uncheck()                   # Eva has no custody
    page.get_by_role("button", name="Spara vårdnadshavare").click()
    ui.tab(page, case_id, "vardnadshavare")
    for i, name in enumerate(names):
        expect(page.locator(f"#f-guardians-{i}-name")).to_have_value(name)
    expect(page.locator("input[name='guardians.1.has_custody']")).to_be_checked()
    expect(page.locator("input[name='guardians.2.has_custody']")).not_to_be_checked()
