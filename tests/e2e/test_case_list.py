"""A caseworker walks the case list by keyboard, at a desk and on a phone: filters it on a phase, pages, searches a
number that is not there and one that is, opens a case and goes back.  Searching lost the filter, and going back to
the list a search had answered was Chromium's "Bekräfta att formuläret skickas igen" (ERR_CACHE_MISS): the list was
the POST's own answer, which a ``no-store`` page cannot be shown again without sending."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import seed, ui

NEVER_GIVEN = "0180-2026-9999"
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
FOCUSED = "() => document.activeElement.id"


def _referred_and_accepted(cases, referred: int, accepted: int) -> tuple[list[str], list[str]]:
    """Cases of social services in Stockholm: ``referred`` just opened, ``accepted`` found eligible; their numbers."""
    day = seed._today(cases)
    numbers: dict[str, list[str]] = {"referred": [], "accepted": []}
    for phase, count in (("referred", referred), ("accepted", accepted)):
        for _ in range(count):
            opened = cases.open_case(seed.SOCIAL, municipality="0180", personnummer=ui.sixteen_year_old(),
                                     name="Test Exempelsson", entry_route="lul6", referring_agency="polis",
                                     referral_date=day, summary=seed.REFERRAL_SUMMARY, summary_category="crime")
            if phase == "accepted":
                cases.command(seed.SOCIAL, "decide_eligibility", opened.case_id, None, accepted=True,
                              reasons="Hög risk.", instruments=["SAVRY"], decided_on=day)
            numbers[phase].append(cases.app.get_case(opened.case_id).case_number)
    return numbers["referred"], numbers["accepted"]


def _press_on(page, locator) -> None:
    """Enter on ``locator``, reached by Tab as a keyboard user reaches it (never clicked)."""
    for _ in range(40):
        page.keyboard.press("Tab")
        if locator.evaluate("e => e === document.activeElement"):
            page.keyboard.press("Enter")
            page.wait_for_load_state()
            return
    raise AssertionError("not reached by Tab")


@pytest.mark.parametrize("width", [1280, 360])
def test_the_filter_and_page_are_kept_through_a_search_and_back_from_a_case(server, signed_in_page, monkeypatch,
                                                                              width):
    from services.web import paging

    monkeypatch.setattr(paging, "LIST_PAGE", 3)
    referred, accepted = _referred_and_accepted(server.context.cases, referred=4, accepted=1)
    page = signed_in_page(ui.SOCIAL, width=width, height=800)
    page.goto("/arenden")

    page.locator("#f-fas").select_option("referred")   # the select itself by keyboard: the browser's own
    _press_on(page, page.get_by_role("button", name="Filtrera"))
    expect(page).to_have_url(re.compile(r"/arenden\?fas=referred$"))
    _press_on(page, page.get_by_role("link", name="Nästa sida"))
    expect(page).to_have_url(re.compile(r"/arenden\?fas=referred&efter=\d{4}-\d{4}-\d{4}&sida=2$"))
    assert page.evaluate(OVERFLOW) <= 0, "the list is wider than the window"

    # A number not found: said on the filtered list, the box focused with the message tied to it.
    page.locator("#f-nummer").fill(NEVER_GIVEN)
    page.locator("#f-nummer").press("Enter")
    expect(page).to_have_url(re.compile(rf"/arenden\?fas=referred&nummer={NEVER_GIVEN}$"))
    expect(page.locator("#f-nummer-error")).to_contain_text(f"Inget ärende med numret {NEVER_GIVEN}")
    expect(page.locator("#f-fas")).to_have_value("referred")
    assert page.evaluate(FOCUSED) == "f-nummer"
    expect(page.locator("table.cases")).not_to_contain_text(accepted[0])
    assert page.evaluate(OVERFLOW) <= 0, "the list with the message is wider than the window"

    # A case opened from it, and back: the same list, the message and the filter (it was ERR_CACHE_MISS).
    listed = page.url
    page.locator("table.cases td.number a").first.click()
    expect(page).to_have_url(re.compile(r"/arenden/[0-9a-f-]{36}$"))
    page.go_back()
    expect(page).to_have_url(listed)
    expect(page.locator("#f-nummer-error")).to_be_visible()
    expect(page.locator("#f-fas")).to_have_value("referred")

    # A number found opens the case; back is the filtered list it was searched from.
    page.locator("#f-nummer").fill(referred[0])
    page.locator("#f-nummer").press("Enter")
    expect(page.locator("h1")).to_contain_text(f"Ärende {referred[0]}")
    page.go_back()
    expect(page).to_have_url(listed)

    # A personnummer typed by mistake: refused at the box on the filtered list, and in no address (only a code).
    typed = ui.sixteen_year_old()
    page.locator("#f-nummer").fill(typed)
    page.locator("#f-nummer").press("Enter")
    expect(page.locator("#f-nummer-error")).to_contain_text("sök inte på personnummer")
    expect(page.locator("#f-fas")).to_have_value("referred")
    expect(page.locator("table.cases")).not_to_contain_text(accepted[0])
    assert page.evaluate(FOCUSED) == "f-nummer"
    assert typed not in page.url and typed[:8] not in page.url and typed not in page.content()
    # The refusal is a GET's page too, its message named by a code: back from a case opened there is the same list
    # and message (the POST's own 422 answer was ERR_CACHE_MISS).
    expect(page).to_have_url(re.compile(r"/arenden\?fas=referred&fel=inte_nummer$"))
    refused = page.url
    page.locator("table.cases td.number a").first.click()
    expect(page).to_have_url(re.compile(r"/arenden/[0-9a-f-]{36}$"))
    page.go_back()
    expect(page).to_have_url(refused)
    expect(page.locator("#f-nummer-error")).to_contain_text("sök inte på personnummer")
    expect(page.locator("#f-fas")).to_have_value("referred")
    expect(page.locator("#f-nummer")).to_have_value("")
