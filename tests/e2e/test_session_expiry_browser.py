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
