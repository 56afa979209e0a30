"""Skyddade personuppgifter in the browser: social services records them on the case, every page of the case shows
the banner (a labelled region, not an alert: standing content) to each reader who sees that the case exists, and the case lists show the case by number and
marker only."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e import seed, ui

BANNER = ("Skyddade personuppgifter (sekretessmarkering). Den unges uppgifter får inte lämnas ut utan särskild"
          " sekretessprövning – uppge aldrig adress eller vistelseort.")


def test_a_protected_case_shows_the_banner_on_every_page_and_the_lists_no_name(server, signed_in_page, screenshot):
    group, page = _social_services_on_the_tab(server, signed_in_page)
    case_id = str(group.case_id)
    expect(page.locator("#protected-banner")).to_have_count(0)
    _record(page, "sekretessmarkering")
    expect(page.locator("#saved")).to_contain_text("skyddade personuppgifter är sparad")
    for slug in ("", "plan", "samtycken", "avslut"):
        ui.tab(page, case_id, slug)
        expect(page.get_by_role("region", name="Skyddade personuppgifter")).to_contain_text(BANNER)
        expect(page.get_by_role("alert")).to_have_count(0)
    ui.tab(page, case_id)
    expect(page.locator("table.facts")).to_contain_text("Test Exempelsson")   # the case page still names the subject
    screenshot(page, "20-skyddade-personuppgifter")

    page.goto("/arenden")
    row = page.locator("table.list tr", has_text=group.case_number)
    expect(row.locator(".marker.protected")).to_have_text("Skyddade personuppgifter")
    expect(page.locator("main")).not_to_contain_text("Exempelsson")

    school = signed_in_page(ui.SCHOOL)   # the school's consents cover `case`: it is told, on every page and in its list
    expect(school.locator("table.list tr", has_text=group.case_number).locator(".marker.protected")).to_have_count(1)
    for slug in ("", "plan", "moten"):
        ui.tab(school, case_id, slug)
        expect(school.get_by_role("region", name="Skyddade personuppgifter")).to_contain_text(BANNER)

    ui.tab(page, case_id, "skydd")   # removed: the banner goes
    page.get_by_label("Skydd hos Skatteverket").select_option("none")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator("#protection-now")).to_contain_text("Inga skyddade personuppgifter är registrerade.")
    expect(page.locator("#protected-banner")).to_have_count(0)


def test_an_auditor_sees_it_on_the_case_and_in_a_replay(server, signed_in_page, screenshot):
    group, _, case_id = _protected_on_the_tab(server, signed_in_page)
    auditor = signed_in_page(ui.AUDITOR)
    auditor.goto("/granskning")
    expect(auditor.locator("table.list tr", has_text=group.case_number).locator(".marker.protected")).to_have_count(1)
    auditor.goto(f"/granskning/arenden/{case_id}")
    expect(auditor.get_by_role("region", name="Skyddade personuppgifter")).to_contain_text(
        "Den unge har skyddade personuppgifter (skyddad folkbokföring)")
    auditor.get_by_label("Aktör").select_option("skola")
    auditor.get_by_role("button", name="Återspela").click()
    expect(auditor.locator("#protected-at")).to_contain_text("Vid tidpunkten hade den unge skyddade personuppgifter")
    screenshot(auditor, "21-skyddade-personuppgifter-granskning")


def _social_services_on_the_tab(server, signed_in_page):  # noqa: ANN001, ANN202 - the e2e fixtures
    """A case of the school and the police, social services signed in on its tab Skyddade personuppgifter."""
    group = seed.school_and_police_group(server.context.cases)
    page = signed_in_page(ui.SOCIAL)
    ui.tab(page, str(group.case_id), "skydd")
    return group, page


def _record(page, kind: str) -> None:  # noqa: ANN001
    page.get_by_label("Skydd hos Skatteverket").select_option(kind)
    page.get_by_role("button", name="Spara", exact=True).click()


def _protected_on_the_tab(server, signed_in_page):  # noqa: ANN001, ANN202 - the e2e fixtures
    """``_social_services_on_the_tab``, skyddad folkbokföring recorded there and saved: the group, the page and the
    case id."""
    group, page = _social_services_on_the_tab(server, signed_in_page)
    case_id = str(group.case_id)
    _record(page, "skyddad_folkbokforing")
    expect(page.locator("#saved")).to_be_visible()
    return group, page, case_id


def test_a_guardians_printed_extract_tells_neither_readers_nor_the_protection(server, signed_in_page):
    """Printed (print media, what is shown as the browser lays it out), a guardian's loggutdrag of a protected case has
    the reading agencies and the neutral line — no reader, no purpose, no banner, no 'skyddade personuppgifter';
    on screen social services has the banner and is told why the extract is limited."""
    _, page, case_id = _protected_on_the_tab(server, signed_in_page)
    school = signed_in_page(ui.SCHOOL)
    ui.tab(school, case_id, "plan")
    ui.tab(page, case_id, "registerutdrag")
    page.locator("nav[aria-label='Utdrag för'] a", has_text="(vårdnadshavare)").first.click()
    expect(page.locator("#extract-for")).to_contain_text("(vårdnadshavare)")
    expect(page.locator("#extract-limited-warning")).to_contain_text("särskild sekretessprövning")
    expect(page.locator("#protected-banner")).to_be_visible()
    page.emulate_media(media="print")
    printed = page.locator("main")
    expect(page.locator("#extract-limited-warning")).to_be_hidden()
    expect(page.locator("#protected-banner")).to_be_hidden()
    expect(printed).to_contain_text("Namn på enskilda läsare och syften med läsningarna lämnas inte ut i detta utdrag.",
                                    use_inner_text=True)
    expect(page.locator("table.list")).to_contain_text("Skolan", use_inner_text=True)
    expect(page.locator("table.list")).to_contain_text("åtgärdsplanen", use_inner_text=True)
    expect(page.locator("table.list")).to_contain_text("ärendet", use_inner_text=True)   # the protection tab's read
    for told in ("Kurator, skolan", "Handläggare, socialtjänsten", "Skyddade personuppgifter",
                 "skyddade personuppgifter", "skyddad folkbokföring", "vistelseort"):
        expect(printed).not_to_contain_text(told, use_inner_text=True)
