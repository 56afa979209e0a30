"""Pages are Swedish (lang="sv"); every date they print is ISO (2026-03-10), every time 14:05, in Stockholm time.

The browser runs as a Swedish user would have it: locale sv-SE, time zone
Europe/Stockholm.  Date inputs are drawn by the browser; with the page's
lang="sv" this Chromium draws them as 2026-03-10 (see conftest's flags).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone


from domain.calendar import STOCKHOLM
from services.web.pages import _when
from tests.e2e import seed, ui
from services.web.case_pages import LEAD_TABS, MEMBER_TABS

# What a date or time printed the American, English or machine way looks like.
FOREIGN = {
    "US date": re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),
    "ISO with T": re.compile(r"\d{4}-\d\d-\d\dT\d\d"),
    "seconds": re.compile(r"\b\d\d:\d\d:\d\d"),
    "UTC offset": re.compile(r"[+-]\d\d:\d\d\b|\bUTC\b|\bGMT\b"),
    "AM/PM": re.compile(r"\b\d{1,2}(:\d\d)? ?(AM|PM|am|pm)\b"),
    "English month": re.compile(r"\b(January|February|March|April|June|July|August|September|October|November|"
                                r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b"),
    "English weekday": re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(day)?\b"),
}
SWEDISH_DATE = re.compile(r"\b20\d\d-[01]\d-[0-3]\d\b")


def assert_swedish_dates(page, where: str) -> None:
    assert page.evaluate("document.documentElement.lang") == "sv", where
    text = page.locator("body").inner_text()
    for name, pattern in FOREIGN.items():
        found = pattern.search(text)
        assert found is None, f"{where}: {name} {found.group(0)!r}"


def test_the_browser_runs_in_swedish_and_stockholm_time(signed_in_page):
    page = signed_in_page(ui.SOCIAL)
    assert page.evaluate("navigator.language") == "sv-SE"
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "Europe/Stockholm"
    assert page.evaluate("new Date(Date.UTC(2026, 2, 10, 13, 5)).toLocaleString()") == "2026-03-10 14:05:00"


def test_date_inputs_are_drawn_in_the_pages_swedish_language(signed_in_page, screenshot):
    page = signed_in_page(ui.SOCIAL)
    page.goto("/arenden/nytt")
    field = page.get_by_label("Datum för aktualisering")
    field.fill("2026-03-10")
    field.blur()
    assert page.evaluate("document.documentElement.lang") == "sv"
    # A date control exactly like the form's, drawn alone at the same spot under the page's own language, and
    # under explicit "sv" and "en-US": this browser draws it as the Swedish one (2026-03-10), not 03/10/2026.
    drawn = {lang: _draw_date_control(page, lang) for lang in ("page", "sv", "en-US")}
    assert drawn["sv"] != drawn["en-US"], "the browser draws dates the same in every language (Blink feature off?)"
    assert drawn["page"] == drawn["sv"]
    screenshot(page, "02-datumfalt-svenska")


def _draw_date_control(page, lang: str) -> bytes:
    page.evaluate("""lang => { document.getElementById('probe')?.remove();
        const attr = lang === 'page' ? '' : ` lang="${lang}"`;
        document.body.insertAdjacentHTML('beforeend', `<div id="probe"${attr} style="position:fixed;left:0;top:0;` +
            `z-index:99;background:#fff;padding:4px"><input type="date" value="2026-03-10"></div>`); }""", lang)
    shot = page.locator("#probe input").screenshot()
    page.evaluate("document.getElementById('probe').remove()")
    return shot


def test_every_page_prints_dates_the_swedish_way(server, signed_in_page):
    cases = server.context.cases
    group = seed.school_and_police_group(cases)
    cases.command(seed.SOCIAL, "record_meeting", group.case_id, None, **_meeting(cases))
    social = signed_in_page(ui.SOCIAL)
    social.goto("/arenden")
    assert_swedish_dates(social, "/arenden")
    for slug in LEAD_TABS:
        ui.tab(social, str(group.case_id), slug)
        assert_swedish_dates(social, f"social services /{slug}")
    ui.tab(social, str(group.case_id))
    assert SWEDISH_DATE.search(social.locator("table.facts").inner_text())
    school = signed_in_page(ui.SCHOOL)
    for slug in MEMBER_TABS:
        ui.tab(school, str(group.case_id), slug)
        assert_swedish_dates(school, f"school /{slug}")
    auditor = signed_in_page(ui.AUDITOR)
    for path in ("/granskning", f"/granskning/arenden/{group.case_id}?myndighet=skola",
                 f"/granskning/arenden/{group.case_id}/utlamnanden", "/granskning/atkomstlogg",
                 f"/granskning/arenden/{group.case_id}/rapport"):
        auditor.goto(path)
        assert_swedish_dates(auditor, path)


def test_times_are_printed_in_stockholm_time(server, signed_in_page):
    group = seed.school_and_police_group(server.context.cases)
    school = signed_in_page(ui.SCHOOL)
    read_at = datetime.now(timezone.utc)
    ui.tab(school, str(group.case_id))                  # a read, logged with its time
    auditor = signed_in_page(ui.AUDITOR)
    auditor.goto(f"/granskning/atkomstlogg?nummer={group.case_number}&myndighet=skola")
    shown = auditor.locator("table").inner_text()
    stockholm = {(read_at + timedelta(seconds=s)).astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") for s in (0, 60)}
    assert any(s in shown for s in stockholm), (stockholm, shown)
    if read_at.astimezone(STOCKHOLM).utcoffset() != timedelta(0):
        assert read_at.strftime("%Y-%m-%d %H:%M") not in shown  # not UTC


def test_the_when_filter_prints_stockholm_time_and_iso_dates():
    summer = datetime(2026, 7, 1, 12, 5, tzinfo=timezone.utc)
    winter = datetime(2026, 1, 10, 23, 30, tzinfo=timezone.utc)
    assert _when(summer) == "2026-07-01 14:05"
    assert _when(winter) == "2026-01-11 00:30"   # past midnight in Stockholm: the next day
    assert _when(summer.date()) == "2026-07-01" and _when(None) == ""


def _meeting(cases) -> dict:
    from domain.calendar import local_date

    today = local_date(cases.app.clock.now())
    return {"held_on": today, "attendees": ["socialtjanst", "skola"], "other_attendees": [], "outcomes": [],
            "decisions": [], "next_meeting": today + timedelta(days=14)}
