"""On a narrow window (800 px: a laptop with the case file beside it) tables stay readable: a date is never broken
at its hyphens ("2026-12-" above "04 13:48"), and the auditor's disclosure log scrolls inside its own box instead
of pushing its last column (Orsak) off the page."""

from __future__ import annotations

from tests.e2e import seed, ui

LINES = """cells => cells.map(td => { const r = document.createRange(); r.selectNodeContents(td);
  return [td.innerText, new Set([...r.getClientRects()].map(x => Math.round(x.top))).size]; })"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _dates_on_one_line(page, where: str) -> None:
    cells = page.locator("td.when").evaluate_all(LINES)
    assert cells, f"{where}: no dates"
    broken = [text for text, lines in cells if text and lines > 1]
    assert not broken, f"{where}: dates broken over lines: {broken}"


def test_dates_and_the_disclosure_log_are_readable_at_800_px(server, signed_in_page):
    group = seed.school_and_police_group(server.context.cases)
    page = signed_in_page(ui.SOCIAL, width=800)
    for slug in ("", "grupp"):
        ui.tab(page, str(group.case_id), slug)
        _dates_on_one_line(page, slug or "tidslinjen")
        assert page.evaluate(OVERFLOW) <= 0, slug

    auditor = signed_in_page(ui.AUDITOR, width=800)
    auditor.goto(f"/granskning/arenden/{group.case_id}/utlamnanden")
    assert auditor.evaluate(OVERFLOW) <= 0, "the disclosure log is wider than the window"
    _dates_on_one_line(auditor, "utlämnandeloggen")
    auditor.goto(f"/granskning/arenden/{group.case_id}?myndighet=skola")
    assert auditor.evaluate(OVERFLOW) <= 0, "the replay is wider than the window"


def test_no_page_is_wider_than_a_phone_at_360_px(server, signed_in_page):
    """A caseworker on a home visit, a mentor in a corridor: at 360 px the case list, the group, the plan and the
    loggutdrag pushed the whole page sideways (the header's band stopped at the window's edge, the table ran on), and
    the auditors' menu and their case list too (a hidden label in a scroll box counted past it). Each wide table
    scrolls in its own box; the page itself does not."""
    group = seed.school_and_police_group(server.context.cases)
    case = str(group.case_id)
    for user, paths in ((ui.SOCIAL, ["/arenden"] + [f"/arenden/{case}/{slug}" for slug in
                                                    ("", "grupp", "plan", "samtycken", "registerutdrag")]),
                        (ui.SCHOOL, ["/arenden", f"/arenden/{case}", f"/arenden/{case}/plan"]),
                        (ui.AUDITOR, ["/granskning", "/granskning/atkomstlogg"])):
        page = signed_in_page(user, width=360)
        for path in paths:
            page.goto(path)
            assert page.evaluate(OVERFLOW) <= 0, f"{user} {path} is wider than the window"


# How much of the case-number box's placeholder shows: its text's width, in the box's font, against the box's room.
PLACEHOLDER_FITS = """el => { const s = getComputedStyle(el), c = document.createElement('canvas').getContext('2d');
  c.font = s.font; return [c.measureText(el.placeholder).width,
  el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)]; }"""


def test_the_case_number_box_shows_its_whole_example_at_360_px(server, signed_in_page):
    """At 360 px the case list's search box read "till exempel 0180-20", the number cut off: the example is short
    and the box wide enough for it, also on the auditors' home page."""
    for user, path in ((ui.SOCIAL, "/arenden"), (ui.AUDITOR, "/granskning")):
        page = signed_in_page(user, width=360)
        page.goto(path)
        box = page.locator("#f-nummer")
        text, room = box.evaluate(PLACEHOLDER_FITS)
        assert "0180-2026-0001" in box.get_attribute("placeholder") and text <= room, (user, text, room)
        assert page.evaluate(OVERFLOW) <= 0, f"{user} {path} is wider than the window"


# Each cell's left and right edge against the window's width: what of it shows without scrolling sideways.
EDGES = """cells => cells.map(td => { const r = td.getBoundingClientRect();
  return [td.innerText.trim(), Math.round(r.left), Math.round(r.right), window.innerWidth]; })"""


def _within_window(page, selector: str, where: str) -> None:
    cells = page.locator(selector).evaluate_all(EDGES)
    assert cells, f"{where}: no {selector}"
    outside = [c for c in cells if c[0] and (c[1] < 0 or c[2] > c[3])]
    assert not outside, f"{where}: off the screen at 360 px: {outside}"


def test_the_timeline_and_the_case_list_stack_their_rows_at_360_px(server, signed_in_page):
    """At 360 px the timeline's Uppgift column was off-screen (its table scrolled in its box, five columns wide) and
    the case list scrolled sideways: each row is a block, what happened and each list cell within the window — and
    the tables are still tables with their column headers to a screen reader."""
    group = seed.school_and_police_group(server.context.cases)
    for user in (ui.SOCIAL, ui.SCHOOL):
        page = signed_in_page(user, width=360)
        ui.tab(page, str(group.case_id), "")
        # By position, as the columns stand (När, Från, Kategori, Uppgift, Grund): Uppgift and Grund.
        _within_window(page, "table.facts td:nth-child(4)", f"{user} tidslinjen")
        _within_window(page, "table.facts td:nth-child(5)", f"{user} tidslinjen")
        assert page.get_by_role("columnheader", name="Uppgift").count() == 1, user
        page.goto("/arenden")
        _within_window(page, "table.list td", f"{user} ärendelistan")
        assert page.get_by_role("table").count() == 1, user
        assert page.evaluate(OVERFLOW) <= 0, user
