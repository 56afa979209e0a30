"""In Chromium: an expired session lands on the sign-in page with a message, and signing in returns to the page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from gateways.jwt_tokens import DevTokens
from tests.e2e import ui


def test_an_expired_session_comes_back_to_the_page_it_was_on(open_browser, server, screenshot):
    page = open_browser()
    stale = DevTokens(server.settings.data_dir).issue(subject="dev-soc-0180", name="Handläggare",
                                                      agency="socialtjanst", roles=["caseworker"],
                                                      municipality="0180", lifetime=-3600)
    page.context.add_cookies([{"name": "sigill_session", "value": stale, "url": server.url, "httpOnly": True,
                               "sameSite": "Strict"}])
    page.goto("/arenden/nytt")
    expect(page).to_have_url(re.compile(r"/logga-in\?orsak=utgangen&tillbaka=%2Farenden%2Fnytt$"))
    expect(page.get_by_role("status")).to_contain_text("Din inloggning har gått ut")
    screenshot(page, "00-inloggningen-har-gatt-ut")
    page.locator(f"input[name=user][value='{ui.SOCIAL}']").check()
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(re.compile(r"/arenden/nytt$"))
    expect(page.get_by_label("Den unges namn")).to_be_visible()


def test_a_form_sent_after_the_session_ended_gives_back_what_was_written(signed_in_page, server):
    """An hour's minutes typed into the meeting form, the session over meanwhile: "Spara mötet" led straight to the
    sign-in page, and every word was lost.  The words come back first, with a way to sign in and return."""
    from tests.e2e import seed

    group = seed.school_and_police_group(server.context.cases)
    page = signed_in_page(ui.SOCIAL)
    ui.tab(page, str(group.case_id), "moten")
    page.locator("#f-attendees input[value=skola]").check()
    page.locator("#f-outcomes-0-origin_agency").select_option("socialtjanst")
    page.locator("#f-outcomes-0-category").select_option("family")
    page.locator("#f-outcomes-0-text").fill("Familjen har fått stödsamtal varje vecka sedan förra mötet.")
    page.locator("#f-decisions").fill("Nytt möte om fyra veckor.")
    stale = DevTokens(server.settings.data_dir).issue(subject="dev-soc-0180", name="Handläggare",
                                                      agency="socialtjanst", roles=["caseworker"],
                                                      municipality="0180", lifetime=-3600)
    page.context.add_cookies([{"name": "sigill_session", "value": stale, "url": server.url, "httpOnly": True,
                               "sameSite": "Strict"}])
    page.get_by_role("button", name="Spara mötet").click()
    expect(page.locator("h1")).to_have_text("Inloggningen har gått ut")
    kept = page.locator("textarea[readonly]")
    expect(kept).to_contain_text("Familjen har fått stödsamtal varje vecka sedan förra mötet.")
    expect(kept).to_contain_text("Nytt möte om fyra veckor.")
    page.get_by_role("link", name="Logga in igen").click()
    expect(page.get_by_role("status")).to_contain_text("Din inloggning har gått ut")
    page.locator(f"input[name=user][value='{ui.SOCIAL}']").check()
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(re.compile(rf"/arenden/{group.case_id}/moten$"))
    expect(page.locator("section.meeting")).to_have_count(0)      # nothing was recorded with the stale session
