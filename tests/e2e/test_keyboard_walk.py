"""A caseworker's and an auditor's work by keyboard alone (Tab, Enter, Space, arrows), in Chromium: through a case's
tabs and a withdrawal's confirm step, with the focus on what to mend when a form is refused; every control of every
tab reached by Tab, none a trap, each with a visible focus ring; text at 200 % not clipped (WCAG 2.1.1, 2.1.2,
2.4.3, 2.4.7, 1.4.4, 3.3.1).  tests/e2e/test_accessibility.py covers labels, errors beside their fields and a
referral by keyboard; tests/integration/api/test_web_accessibility.py the markup of every page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from services.web.case_pages import LEAD_TABS
from tests.e2e import seed, ui

FOCUSED = """() => { const e = document.activeElement;
    return {tag: e.tagName.toLowerCase(), id: e.id, text: (e.innerText || e.value || '').trim(),
            href: e.getAttribute('href') || ''}; }"""

# What Tab must reach: every visible control not disabled, a radio group once (its arrows move within it).
TABBABLE = """() => [...document.querySelectorAll(
        'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
    .filter(e => !e.disabled && e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden'
                 && !e.closest('details:not([open]) > :not(summary)'))
    .map(e => e.type === 'radio' ? 'radio:' + e.name : e.outerHTML.slice(0, 120))"""

# The focused element as Tab left it: what it is, and whether its focus ring shows.
STEP = """() => { const e = document.activeElement, s = getComputedStyle(e);
    return {key: e.type === 'radio' ? 'radio:' + e.name : e.outerHTML.slice(0, 120), body: e === document.body,
            ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 || s.boxShadow !== 'none'}; }"""

# Text that does not fit its box and is cut off there (overflow hidden or clip), visually hidden text (.sr) aside.
CLIPPED = """() => [...document.querySelectorAll('main *')].filter(e => {
    const s = getComputedStyle(e);
    if (e.closest('.sr') || !e.getClientRects().length) return false;
    const cut = v => v === 'hidden' || v === 'clip';
    return (cut(s.overflowY) && e.scrollHeight > e.clientHeight + 1)
        || (cut(s.overflowX) && e.scrollWidth > e.clientWidth + 1); }).map(e => e.outerHTML.slice(0, 80))"""


def tab_to(page, matches, limit: int = 150) -> dict:
    """Press Tab until the focused element matches (as a keyboard user would look for it); what has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if matches(focused):
            return focused
    raise AssertionError("Tab never reached it")


def test_a_consent_is_withdrawn_by_keyboard_through_the_tabs_and_the_confirm_step(server, signed_in_page):
    group = seed.school_and_police_group(server.context.cases)
    short = group.consents[0][:8]
    page = signed_in_page(ui.SOCIAL)
    ui.tab(page, str(group.case_id))
    tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "Samtycken")      # the case's tabs, a link each
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/samtycken$"))
    card = page.locator(f"#consent-{short}")
    tab_to(page, lambda f: f["tag"] == "summary" and f["text"] == "Återkalla samtycket"
           and page.evaluate("document.activeElement.closest('section').id") == f"consent-{short}")
    page.keyboard.press("Enter")                                 # the confirm step opens, and keeps the focus
    expect(card.locator("details.withdraw")).to_have_attribute("open", "")
    tab_to(page, lambda f: f["id"] == f"f-confirm-{short}")       # the box to confirm is next in order …
    tab_to(page, lambda f: f["text"] == "Registrera återkallelsen")
    page.keyboard.press("Enter")                                 # … sent without it: refused
    expect(page.locator(f"#f-confirm-{short}-error")).to_be_visible()
    assert page.evaluate(FOCUSED)["id"] == "error-summary"       # the focus on what to mend
    assert page.title().startswith("Fel: "), page.title()        # and the title says so first
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["href"] == f"#f-confirm-{short}"
    page.keyboard.press("Enter")                                 # the summary's link puts the focus on the box
    assert page.evaluate(FOCUSED)["id"] == f"f-confirm-{short}"
    page.keyboard.press("Space")
    expect(page.locator(f"#f-confirm-{short}")).to_be_checked()
    tab_to(page, lambda f: f["text"] == "Registrera återkallelsen", limit=3)
    page.keyboard.press("Enter")
    saved = page.locator("#saved")
    expect(saved).to_have_attribute("role", "status")             # announced, not only shown
    expect(page.locator(f"#consent-{short} h3 .state")).to_have_text("återkallat")   # the state in words


def test_an_auditors_replay_refused_puts_the_focus_on_what_to_mend(server, signed_in_page):
    """The replay sent without an agency said so beside the field, with the focus left on the page's top: a
    keyboard or screen-reader user heard nothing and began again from the skip link."""
    group = seed.school_and_police_group(server.context.cases)
    page = signed_in_page(ui.AUDITOR)
    page.goto(f"/granskning/arenden/{group.case_id}")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Återspela")
    page.keyboard.press("Enter")
    expect(page.locator("#f-myndighet-error")).to_be_visible()
    assert page.evaluate(FOCUSED)["id"] == "error-summary"
    assert page.title().startswith("Fel: ") and group.case_number in page.title(), page.title()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")                                 # to the field named
    assert page.evaluate(FOCUSED)["id"] == "f-myndighet"
    page.keyboard.type("Skola")                                  # a choice found by typing its name
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Återspela")
    page.keyboard.press("Enter")
    expect(page.get_by_role("table", name=re.compile("^Synligt för Skola"))).to_be_visible()


def test_every_control_of_every_tab_is_reached_by_tab_with_its_focus_shown_and_no_trap(server, signed_in_page):
    group = seed.school_and_police_group(server.context.cases)
    page = signed_in_page(ui.SOCIAL)
    for slug in LEAD_TABS:
        ui.tab(page, str(group.case_id), slug)
        wanted = set(page.evaluate(TABBABLE))
        reached, unringed = set(), []
        for _ in range(2 * len(wanted) + 10):                     # a scrolling box is a stop too
            page.keyboard.press("Tab")
            step = page.evaluate(STEP)
            if step["body"]:
                break                                           # past the last: out of the page, no trap
            reached.add(step["key"])
            if not step["ring"]:
                unringed.append(step["key"])
        assert wanted <= reached, (slug, wanted - reached)
        assert not unringed, (slug, unringed)


def test_text_enlarged_to_200_percent_is_not_cut_off(server, signed_in_page):
    group = seed.school_and_police_group(server.context.cases)
    page = signed_in_page(ui.SOCIAL)
    for path in ["/arenden", "/arenden/nytt", *(f"/arenden/{group.case_id}/{t}" for t in LEAD_TABS)]:
        page.goto(path)
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        assert page.evaluate(CLIPPED) == [], path
        assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0, path
