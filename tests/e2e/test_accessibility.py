"""Accessible forms, checked in the browser: every control has a label; an error sits next to its field and is
tied to it (aria-describedby, aria-invalid); a form can be filled in and sent with the keyboard alone."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from services.web.case_pages import LEAD_TABS, MEMBER_TABS
from tests.e2e import seed, ui

# Every visible form control and the accessible name the browser gives it through labels or ARIA.
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter(c => c.type !== 'hidden' && c.type !== 'submit' && c.type !== 'button')
    .filter(c => !(c.labels && c.labels.length && [...c.labels].some(l => l.textContent.trim()))
                 && !c.getAttribute('aria-label') && !c.getAttribute('aria-labelledby'))
    .map(c => c.name || c.id || c.outerHTML.slice(0, 80))"""

# Every shown error: which control (or group) points at it, whether that one is marked invalid, and whether
# the error is inside the same field block as the control.
ERRORS = """() => [...document.querySelectorAll('.error[id]')].map(e => {
    const owner = document.querySelector(`[aria-describedby~="${e.id}"]`);
    return {id: e.id, text: e.textContent.trim(), owner: owner ? (owner.name || owner.id) : null,
            invalid: owner ? owner.getAttribute('aria-invalid') === 'true' : false,
            beside: owner ? (owner.closest('.field') === e.closest('.field')) : false}; })"""


def assert_every_control_is_labelled(page, where: str) -> None:
    assert page.evaluate(UNLABELLED) == [], where


def assert_errors_are_tied_to_their_fields(page, where: str) -> list[dict]:
    errors = page.evaluate(ERRORS)
    for error in errors:
        assert error["text"], (where, error)
        assert error["owner"], f"{where}: error {error['id']} is tied to no control"
        assert error["invalid"] and error["beside"], (where, error)
    return errors


def test_every_form_control_on_every_page_has_a_label(server, open_browser, signed_in_page):
    group = seed.school_and_police_group(server.context.cases)
    for user, paths in ((ui.SOCIAL, ["/arenden", "/arenden/nytt", "/gallring"] + [f"/arenden/{group.case_id}/{t}" for t in LEAD_TABS]),
                        (ui.SCHOOL, [f"/arenden/{group.case_id}/{t}" for t in MEMBER_TABS]),
                        (ui.AUDITOR, ["/granskning", "/granskning/atkomstlogg",
                                      f"/granskning/arenden/{group.case_id}",
                                      f"/granskning/arenden/{group.case_id}/utlamnanden"])):
        page = signed_in_page(user)
        for path in paths:
            page.goto(path)
            assert_every_control_is_labelled(page, f"{user} {path}")
    page = open_browser()
    page.goto("/logga-in")
    assert_every_control_is_labelled(page, "/logga-in")


def test_refused_forms_show_each_error_beside_its_field_and_tied_to_it(server, signed_in_page):
    group = seed.school_and_police_group(server.context.cases)
    page = signed_in_page(ui.SOCIAL)
    page.goto("/arenden/nytt")
    page.get_by_label("Datum för aktualisering").fill("")
    page.get_by_role("button", name="Öppna ärendet").click()
    tied = assert_errors_are_tied_to_their_fields(page, "referral")
    assert {e["owner"] for e in tied} >= {"personnummer", "name", "entry_route", "referring_agency",
                                          "referral_date", "summary", "summary_category"}
    for slug, button, emptied in (("moten", "Spara mötet", "Mötesdatum"),
                                  ("samtycken", "Registrera samtycke", "Gäller från"), ("grupp", "Lägg till", None)):
        ui.tab(page, str(group.case_id), slug)
        if emptied:
            page.get_by_label(emptied, exact=True).fill("")
        page.get_by_role("button", name=button, exact=True).first.click()
        assert assert_errors_are_tied_to_their_fields(page, slug), f"{slug}: no error shown"
        assert_every_control_is_labelled(page, slug)
    ui.tab(page, str(group.case_id), "samtycken")
    page.locator(f"#consent-{group.consents[0][:8]} summary").first.click()      # narrow a consent: to nothing
    narrowing = page.locator(f"#consent-{group.consents[0][:8]} form").first
    for box in narrowing.get_by_role("checkbox").all():
        box.uncheck()
    narrowing.get_by_role("button", name="Begränsa samtycket").click()
    tied = assert_errors_are_tied_to_their_fields(page, "narrowing")
    assert [e["owner"] for e in tied] == [f"f-scope-{group.consents[0][:8]}"]
    target = page.locator("#error-summary a").first.get_attribute("href")
    assert target == f"#f-scope-{group.consents[0][:8]}"    # the summary leads to the field itself
    narrowing = page.locator(f"#consent-{group.consents[0][:8]} form").first   # a narrowing not confirmed
    narrowing.locator("input[value='skola:case']").check()
    narrowing.get_by_role("button", name="Begränsa samtycket").click()
    expect(page.locator(f"#f-narrow-confirm-{group.consents[0][:8]}-error")).to_be_visible()
    tied = assert_errors_are_tied_to_their_fields(page, "narrowing unconfirmed")
    assert [e["owner"] for e in tied] == ["confirm"]
    assert page.locator("#error-summary a").first.get_attribute("href") == \
        f"#f-narrow-confirm-{group.consents[0][:8]}"
    card = page.locator(f"#consent-{group.consents[0][:8]}")      # a withdrawal not confirmed
    card.get_by_text("Återkalla samtycket", exact=True).click()   # the summary, not the narrowing's error naming it
    card.get_by_role("button", name="Registrera återkallelsen").click()
    expect(page.locator(f"#f-confirm-{group.consents[0][:8]}-error")).to_be_visible()   # the refused page, loaded
    tied = assert_errors_are_tied_to_their_fields(page, "withdrawal")
    assert [e["owner"] for e in tied] == ["confirm"]
    assert page.locator("#error-summary a").first.get_attribute("href") == f"#f-confirm-{group.consents[0][:8]}"
    page.goto("/arenden?nummer=0180-1999-9999")
    assert [e["owner"] for e in assert_errors_are_tied_to_their_fields(page, "find")] == ["nummer"]
    page.goto("/logga-in")
    page.get_by_role("button", name="Logga in").click()
    assert [e["owner"] for e in assert_errors_are_tied_to_their_fields(page, "sign-in")] == ["f-user"]


def focus_field(page, label: str, limit: int = 40) -> None:
    """Press Tab until the field with this label has the focus (as a keyboard user would)."""
    target = page.get_by_label(label, exact=True)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {label!r}")


def test_a_referral_can_be_made_with_the_keyboard_alone(open_browser, screenshot):
    page = open_browser()
    page.goto("/logga-in")
    page.keyboard.press("Tab")                                  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Hoppa till innehållet"
    focus_field(page, "Handläggare, socialtjänsten Stockholm (0180)")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")                                # sends the sign-in form
    expect(page).to_have_url(re.compile(r"/arenden$"))
    page.goto("/arenden/nytt")
    focus_field(page, "Personnummer eller samordningsnummer")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused field shows no focus outline"
    page.keyboard.type(ui.sixteen_year_old())
    page.keyboard.press("Tab")
    page.keyboard.type("Kim Tangentbord")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")                            # Hur ärendet kom in: the first choice
    page.keyboard.press("Tab")
    page.keyboard.type("Polis")                                 # Aktualiserad av: found by typing its name
    page.keyboard.press("Tab")                                  # the date: today, already filled in
    focus_field(page, "Sammanfattning")
    page.keyboard.type("Gjord med tangentbordet.")
    page.keyboard.press("Tab")
    page.keyboard.type("Brott")                                 # Kategori för sammanfattningen
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Öppna ärendet"
    screenshot(page, "03-tangentbord-fokus-pa-knappen")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/arenden/[0-9a-f-]{36}\?sparat=open_case#saved$"))
    expect(page.locator("table.facts")).to_contain_text("Gjord med tangentbordet.")


def test_the_consent_picture_says_no_in_words_a_screen_reader_reads(server, signed_in_page):
    """A cell no consent covers showed "–" with aria-label="nej" on a plain span, where ARIA forbids the label
    (a generic element has no name) and screen readers read the dash, or nothing: the dash is now a symbol named
    "nej" (role="img")."""
    group = seed.school_and_police_group(server.context.cases)
    page = signed_in_page(ui.SOCIAL)
    ui.tab(page, str(group.case_id), "samtycken")
    cell = page.locator("#consent-picture tr[data-agency=polis] td[data-category=school]")
    expect(cell).to_have_class("no")
    assert page.locator("main :is(span, div, p, small)[aria-label]:not([role])").count() == 0
    expect(cell.get_by_role("img", name="nej", exact=True)).to_have_text("–")
