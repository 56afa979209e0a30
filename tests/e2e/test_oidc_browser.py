"""In Chromium: a caseworker signs in through the (test) OIDC provider and lands on the case list."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_a_caseworker_signs_in_through_the_provider_and_lands_on_the_case_list(open_browser, production_server,
                                                                              provider, screenshot):
    page = open_browser(base_url=production_server.url)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/logga-in$"))
    expect(page.locator("input[name=user]")).to_have_count(0)  # no development sign-in in production
    screenshot(page, "00-inloggning-produktion")
    page.get_by_role("link", name="Logga in med organisationens inloggning").click()
    expect(page).to_have_url(re.compile(r"/arenden$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kommunens ärenden")
    expect(page.locator("header .who")).to_contain_text("Maja Handläggare")
    screenshot(page, "00-inloggad-via-oidc")
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Du är utloggad.")
    assert provider.state.logouts, "the provider's session was not ended"
