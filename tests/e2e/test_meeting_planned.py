"""The group's next meeting planned on its own, in the browser: social services plans a new group's first network
meeting on *Möten* (with the keyboard alone), moves it and calls it off; a member whose consents cover `case` is told
it on its *Möten* page and in its case list, a member whose consents do not is told nothing — until they do."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from domain.values import ScopeEntry
from tests.e2e import seed, ui
from tests.e2e.test_accessibility import focus_field

NONE_PLANNED, NONE_SHOWN = "Inget nästa möte är planerat.", "Inget planerat möte att visa för er."
KIND = "Typ av möte (valfritt)"


def test_social_services_plans_moves_and_calls_off_the_first_network_meeting(server, signed_in_page, screenshot):
    cases = server.context.cases
    group = seed.new_group(cases)                    # the police's consents cover `crime`, not `case`
    case_id = str(group.case_id)
    first, moved = (seed._today(cases) + timedelta(days=d) for d in (14, 21))

    social = signed_in_page(ui.SOCIAL)
    ui.tab(social, case_id, "moten")
    expect(social.locator("#next-meeting")).to_have_text(NONE_PLANNED)
    expect(social.get_by_role("button", name="Ställ in nästa möte")).to_have_count(0)   # nothing to call off
    _plan_with_the_keyboard(social, first.isoformat())
    expect(social).to_have_url(re.compile(rf"/arenden/{case_id}/moten\?sparat=plan_next_meeting#saved$"))
    expect(social.locator("#saved")).to_contain_text("Planeringen av nästa möte är sparad.")
    planned = social.locator("#next-meeting")
    expect(planned).to_contain_text(f"Planerat möte: {first} (nätverksmöte) · Från Socialtjänsten ·")
    expect(social.locator("section.meeting")).to_have_count(0)      # planned, not held: no meeting recorded
    screenshot(social, "05b-nasta-mote-planerat")
    expect(_list_row(social, group)).to_contain_text(first.isoformat())

    school = signed_in_page(ui.SCHOOL)
    expect(_list_row(school, group)).to_contain_text(first.isoformat())
    ui.tab(school, case_id, "moten")
    told = school.locator("#next-meeting")
    expect(told).to_contain_text(f"Planerat möte: {first} (nätverksmöte) · Från Socialtjänsten")
    expect(told).to_contain_text("samtycke")                                      # and on what basis it is told
    expect(school.get_by_role("heading", name="Planera nästa möte")).to_have_count(0)   # social services' form alone
    expect(school.get_by_role("button", name="Ställ in nästa möte")).to_have_count(0)

    police = signed_in_page(ui.POLICE)
    police.goto("/arenden")
    # Not in its case list: the case's own row, if the police is shown one (other tests' cases, which the police may
    # see, can have a meeting on the same day).
    own_row = police.locator("table.list tr", has=police.locator(f'a[href="/arenden/{case_id}"]'))
    expect(own_row).not_to_contain_text(first.isoformat())
    ui.tab(police, case_id, "moten")
    expect(police.locator("#next-meeting")).to_have_text(NONE_SHOWN)             # said as when none is planned
    expect(police.locator("main")).not_to_contain_text(first.isoformat())

    ui.tab(social, case_id, "moten")                                              # moved: another day, no kind
    social.get_by_label("Datum för nästa möte", exact=True).fill(moved.isoformat())
    social.get_by_label(KIND, exact=True).select_option("")
    social.get_by_role("button", name="Spara planerat möte").click()
    expect(planned).to_contain_text(f"Planerat möte: {moved} · Från Socialtjänsten")
    expect(planned).not_to_contain_text("nätverksmöte")
    row = _list_row(social, group)
    expect(row).to_contain_text(moved.isoformat())
    expect(row).not_to_contain_text(first.isoformat())
    school.reload()
    expect(told).to_contain_text(f"Planerat möte: {moved} ·")

    # Once the family's consents cover `case` for the police too, it is told the meeting planned before them.
    seed.grant_everyone(cases, group.case_id, [ScopeEntry("polis", ("case",))])
    police.reload()
    expect(police.locator("#next-meeting")).to_contain_text(f"Planerat möte: {moved} · Från Socialtjänsten")
    expect(_list_row(police, group)).to_contain_text(moved.isoformat())

    ui.tab(social, case_id, "moten")
    social.get_by_role("button", name="Ställ in nästa möte").click()
    expect(social.locator("#saved")).to_contain_text("Planeringen av nästa möte är sparad.")
    expect(planned).to_have_text(NONE_PLANNED)
    expect(social.get_by_role("button", name="Ställ in nästa möte")).to_have_count(0)
    expect(_list_row(social, group)).not_to_contain_text(moved.isoformat())
    for member in (school, police):
        ui.tab(member, case_id, "moten")
        expect(member.locator("#next-meeting")).to_have_text(NONE_SHOWN)
        expect(_list_row(member, group)).not_to_contain_text(moved.isoformat())


def _plan_with_the_keyboard(page, day: str) -> None:
    """Planera nästa möte filled in and sent with the keyboard alone: the day typed into the date control's parts
    (drawn 2026-03-10 in Swedish: year, month, day; the arrow moves on, as the year takes more than four digits), the
    kind found by typing its name, Enter on the button."""
    focus_field(page, "Datum för nästa möte", limit=80)
    year, month, day_of_month = day.split("-")
    for part in (year, "ArrowRight", month, "ArrowRight", day_of_month):
        page.keyboard.press(part) if part == "ArrowRight" else page.keyboard.type(part)
    focus_field(page, KIND, limit=2)      # past the date control's calendar button
    page.keyboard.type("nät")                                     # Typ av möte: nätverksmöte
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Spara planerat möte"
    assert page.get_by_label("Datum för nästa möte", exact=True).input_value() == day
    page.keyboard.press("Enter")


def _list_row(page, group: seed.Group):
    """The case's row in the user's case list (all phases), which the list's Planerat möte column is part of."""
    page.goto("/arenden")
    return page.locator("table.list tr", has_text=group.case_number)
