"""A school user sees exactly what consent allows, and a withdrawal takes it away again."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e import seed, ui


def test_the_school_sees_what_consent_allows_and_not_the_police_crime_information(server, signed_in_page, screenshot):
    group = seed.school_and_police_group(server.context.cases)
    page = signed_in_page(ui.SCHOOL)
    expect(page.locator("table.list")).to_contain_text(group.case_number)
    page.get_by_role("link", name=group.case_number).click()

    facts = page.locator("table.facts")
    expect(facts).to_contain_text(seed.SCHOOL_ROW)
    expect(facts).to_contain_text("samtycke")                 # each item says why the school may see it
    # Not the health row, the police's crime information, the eligibility assessment, nor the police's consent.
    for hidden in (seed.HEALTH_ROW, seed.POLICE_NEWS, seed.REFERRAL_SUMMARY, "Hög risk", "Polisen: "):
        expect(page.locator("main")).not_to_contain_text(hidden)
    screenshot(page, "06-skolans-tidslinje")

    ui.tab(page, str(group.case_id), "plan")
    expect(page.locator("table.plan")).to_contain_text(seed.SCHOOL_ROW)
    expect(page.locator("table.plan")).not_to_contain_text(seed.HEALTH_ROW)
    expect(page.get_by_role("button", name="Spara ny revision")).to_have_count(0)

    ui.tab(page, str(group.case_id), "uppgift")
    page.get_by_label("Kategori").select_option("school")
    page.get_by_label("Uppgift", exact=True).fill("Närvaron har ökat till 85 procent.")
    page.get_by_role("button", name="Spara uppgiften").click()
    expect(page.locator("table.facts")).to_contain_text("Närvaron har ökat till 85 procent.")

    ui.tab(page, str(group.case_id), "uppfoljning")
    page.get_by_label("Planrad").select_option(label=f"Skola: {seed.SCHOOL_ROW}")
    page.get_by_label("Status").select_option("partly")
    page.get_by_label("Kommentar").fill("Bättre, men sen två dagar av fem.")
    page.get_by_role("button", name="Spara uppföljning").click()
    expect(page.locator("table.facts")).to_contain_text("Bättre, men sen två dagar av fem.")
    screenshot(page, "06c-skolans-uppfoljning")

    tablet = signed_in_page(ui.SCHOOL, width=768, height=1024)
    ui.tab(tablet, str(group.case_id))
    assert tablet.evaluate("document.documentElement.scrollWidth") <= 768   # no sideways scrolling on a tablet
    screenshot(tablet, "06b-skolan-surfplatta")

    police = signed_in_page(ui.POLICE)
    ui.tab(police, str(group.case_id))
    expect(police.locator("table.facts")).to_contain_text(seed.POLICE_NEWS)    # its own
    expect(police.locator("main")).not_to_contain_text(seed.SCHOOL_ROW)        # the police may see only `case`
    expect(police.locator("main")).not_to_contain_text("Närvaron har ökat")


def test_a_withdrawal_removes_content_from_the_schools_pages(server, signed_in_page, screenshot):
    group = seed.school_and_police_group(server.context.cases)
    school = signed_in_page(ui.SCHOOL)
    ui.tab(school, str(group.case_id))
    expect(school.locator("table.facts")).to_contain_text(seed.SCHOOL_ROW)

    social = signed_in_page(ui.SOCIAL)
    ui.tab(social, str(group.case_id), "samtycken")
    card = social.locator(f"#consent-{group.consents[0][:8]}")
    card.get_by_text("Återkalla samtycket").click()           # opens the confirmation: no longer one red click
    card.get_by_role("button", name="Registrera återkallelsen").click()
    expect(social.locator("#error-summary")).to_contain_text("Bekräfta att samtycket har återkallats")
    expect(card.locator(".state")).to_have_text("gäller")      # unconfirmed: nothing recorded
    card.get_by_label("Jag bekräftar att samtycket har återkallats av Test Exempelsson (den unge)").check()
    card.get_by_role("button", name="Registrera återkallelsen").click()
    expect(social.locator(f"#consent-{group.consents[0][:8]}")).to_contain_text("återkallat")
    expect(social.locator("#consent-picture tr[data-agency=skola] td[data-category=school]")).to_have_class("no")
    screenshot(social, "07-samtycke-aterkallat")

    school.reload()
    expect(school.locator("main")).not_to_contain_text(seed.SCHOOL_ROW)
    expect(school.locator("main")).not_to_contain_text("Sluta med brott")
    ui.tab(school, str(group.case_id), "plan")
    expect(school.locator("main")).not_to_contain_text(seed.SCHOOL_ROW)
    screenshot(school, "08-skolan-efter-aterkallelse")


def test_a_members_meeting_outcome_is_its_own_without_choosing_so(server, signed_in_page):
    """The school's form offers one origin, its own: an outcome typed without choosing it was refused."""
    group = seed.school_and_police_group(server.context.cases)
    school = signed_in_page(ui.SCHOOL)
    ui.tab(school, str(group.case_id), "moten")
    school.locator("#f-attendees input[value=skola]").check()
    school.locator("#f-outcomes-0-category").select_option("school")
    school.locator("#f-outcomes-0-text").fill("Närvaron är nu 90 procent.")
    school.get_by_role("button", name="Spara mötet").click()
    expect(school.locator("#saved")).to_contain_text("Mötet är registrerat.")
    expect(school.locator("section.meeting")).to_contain_text("Skolan (kategori Skola): Närvaron är nu 90 procent.")
