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
    provider.state.consent_form = True   # the return to Sigill starts from the provider's own page: cross-site
    page.get_by_role("link", name="Logga in med organisationens inloggning").click()
    expect(page).to_have_url(re.compile(r"^http://localhost:\d+/authorize"))
    page.get_by_role("button", name="Godkänn inloggning").click()
    expect(page).to_have_url(re.compile(r"/arenden$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kommunens ärenden")
    expect(page.locator("header .who")).to_contain_text("Maja Handläggare")
    screenshot(page, "00-inloggad-via-oidc")
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Du är utloggad.")
    assert provider.state.logouts, "the provider's session was not ended"


def test_a_sign_in_the_provider_denies_ends_on_a_swedish_page_with_a_way_back(open_browser, production_server,
                                                                               provider, screenshot):
    provider.state.deny = True
    page = open_browser(base_url=production_server.url)
    page.goto("/logga-in")
    page.get_by_role("link", name="Logga in med organisationens inloggning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggningen misslyckades")
    expect(page.get_by_role("alert")).to_contain_text("avbröts eller nekades")
    screenshot(page, "00-inloggning-nekad")
    page.get_by_role("link", name="Logga in igen").click()
    expect(page).to_have_url(re.compile(r"/logga-in$"))
    page.goto("/finns-inte")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sidan finns inte")
    screenshot(page, "00-sidan-finns-inte")
