"""An auditor replays a case as an agency at a chosen time, reads the disclosure and access logs, verifies
the ledger; social services prints the young person's extract."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

from playwright.sync_api import expect

from domain.calendar import STOCKHOLM
from tests.e2e import seed, ui


def test_an_auditor_replays_what_the_school_could_see_before_and_after_a_withdrawal(server, signed_in_page, screenshot):
    cases = server.context.cases
    group = seed.school_and_police_group(cases)
    school = signed_in_page(ui.SCHOOL)
    ui.tab(school, str(group.case_id))          # a read, to find in the access log (after the withdrawal the
    before = cases.app.clock.now()              # school sees nothing of the case: no such case, to it)
    cases.command(seed.SOCIAL, "withdraw_consent", group.case_id, None, consent_id=group.consents[1],
                  consenter=_guardian_of(cases, group, 1))

    page = signed_in_page(ui.AUDITOR)
    expect(page.locator("h1")).to_contain_text("Granskning")
    page.get_by_role("link", name=f"Återspela {group.case_number}").click()
    page.get_by_label("Aktör", exact=True).select_option("skola")
    page.get_by_role("button", name="Återspela").click()      # now: after the withdrawal
    expect(page.locator("#replay-result")).to_contain_text("Skolan")
    expect(page.locator("main")).not_to_contain_text(seed.SCHOOL_ROW)

    moment = (before + timedelta(microseconds=1)).astimezone(STOCKHOLM).replace(tzinfo=None).isoformat()
    page.goto(f"/granskning/arenden/{group.case_id}?" + urlencode({"myndighet": "skola", "tid": moment}))
    expect(page.locator("table.facts")).to_contain_text(seed.SCHOOL_ROW)
    expect(page.locator("table.facts")).not_to_contain_text(seed.POLICE_NEWS)
    screenshot(page, "09-granskning-aterspelning")

    page.get_by_role("link", name="Utlämnandelogg").click()
    page.get_by_label("Aktör", exact=True).select_option("skola")
    page.get_by_role("button", name="Visa").click()
    expect(page.locator("tr.ended").first).to_contain_text("upphörde")
    expect(page.locator("tr.ended").first).to_contain_text(f"samtycke {group.consents[1][:8]} återkallades")
    screenshot(page, "10-utlamnandelogg")

    # The access log's search form: posted, answered by a redirect to its GET page — the page gone back to from a
    # case opened there, where the POST's own page asked to send the form again (ERR_CACHE_MISS).
    page.goto("/granskning/atkomstlogg")
    page.get_by_label("Ärendenummer", exact=True).fill(group.case_number)
    page.get_by_label("Aktör", exact=True).select_option("skola")
    page.get_by_role("button", name="Sök", exact=True).click()
    expect(page).to_have_url(re.compile(
        r"/granskning/atkomstlogg\?" + re.escape(urlencode({"nummer": group.case_number, "myndighet": "skola"})) + "$"))
    expect(page.locator("table.list")).to_contain_text("tidslinjen")
    screenshot(page, "11-atkomstlogg")
    searched = page.url
    page.locator("table.list tbody a").filter(has_text=group.case_number).first.click()
    expect(page).to_have_url(re.compile(rf"/granskning/arenden/{group.case_id}\?myndighet=skola&tid="))
    page.go_back()
    expect(page).to_have_url(searched)
    expect(page.locator("table.list")).to_contain_text("tidslinjen")
    expect(page.get_by_label("Ärendenummer", exact=True)).to_have_value(group.case_number)
    # A personnummer typed by mistake: said at the field, named in the address only by a code.
    typed = ui.sixteen_year_old()
    page.get_by_label("Ärendenummer", exact=True).fill(typed)
    page.get_by_role("button", name="Sök", exact=True).click()
    expect(page).to_have_url(re.compile(r"/granskning/atkomstlogg\?myndighet=skola&fel=inte_nummer$"))
    expect(page.locator("#f-nummer-error")).to_contain_text("sök inte på personnummer")
    expect(page.get_by_label("Ärendenummer", exact=True)).to_have_value("")
    assert typed not in page.url and typed[:8] not in page.url and typed not in page.content()

    page.get_by_role("link", name="Verifiera liggaren").click()
    expect(page.locator(".notice").first).to_contain_text("Liggaren är intakt")
    expect(page.locator(".notice").nth(1)).to_contain_text("Åtkomstloggen är intakt")

    page.goto(f"/granskning/arenden/{group.case_id}/rapport")
    expect(page.locator("body")).to_contain_text(group.case_number)


def test_the_young_persons_extract_lists_who_read_what(server, signed_in_page, screenshot):
    group = seed.school_and_police_group(server.context.cases)
    school = signed_in_page(ui.SCHOOL)
    ui.tab(school, str(group.case_id), "plan")

    page = signed_in_page(ui.SOCIAL)
    ui.tab(page, str(group.case_id))
    page.get_by_label("Syfte med läsningen").fill("Förbereda nätverksmöte")
    page.get_by_role("button", name="Spara syfte").click()
    ui.tab(page, str(group.case_id), "registerutdrag")
    rows = page.locator("table.list")
    expect(rows).to_contain_text("Kurator, skolan")
    expect(rows).to_contain_text("åtgärdsplanen")
    expect(rows).to_contain_text("Förbereda nätverksmöte")
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    screenshot(page, "12-registerutdrag-utskrift")


def _guardian_of(cases, group, index: int) -> str:
    look = cases.look(seed.SOCIAL, group.case_id, "timeline", "test set-up")
    consent = next(d.fact for d in look.disclosures
                   if d.fact.kind == "consent.granted" and d.fact.content["consent_id"] == group.consents[index])
    return consent.content["consenter"]


def test_each_case_a_list_shows_is_in_the_extract_and_the_access_log_as_a_read_of_the_case_list(server, signed_in_page):
    """The school's case list shows the case's number, phase, next meeting…: a read of the case, which the young
    person's extract and the auditors' access log tell in Swedish (they were in neither).  The auditor's home page,
    an index of numbers and phases, reads no case: the access log tells it as one entry of no case."""
    group = seed.school_and_police_group(server.context.cases)
    school = signed_in_page(ui.SCHOOL)
    expect(school.locator("main")).to_contain_text(group.case_number)   # signed in, on the school's case list
    auditor = signed_in_page(ui.AUDITOR)
    expect(auditor.locator("main")).to_contain_text(group.case_number)   # the home page lists every case

    page = signed_in_page(ui.SOCIAL)
    ui.tab(page, str(group.case_id), "registerutdrag")
    reads = page.locator("table.list tbody tr")
    expect(reads.filter(has_text="Kurator, skolan").filter(has_text="ärendelistan")).to_have_count(1)
    expect(page.locator("table.list")).not_to_contain_text("granskning")
    expect(page.locator("table.list")).not_to_contain_text("case_list")

    auditor.goto("/granskning/atkomstlogg?" + urlencode({"nummer": group.case_number, "myndighet": "skola"}))
    expect(auditor.locator("table.list")).to_contain_text("ärendelistan")
    expect(auditor.locator("table.list")).not_to_contain_text("case_list")
    auditor.goto("/granskning/atkomstlogg?" + urlencode({"myndighet": "ivo"}))
    index = auditor.locator("table.list tbody tr").filter(has_text="förteckningen över ärenden (granskning): sida 1")
    expect(index.first).to_contain_text("inget enskilt ärende")
