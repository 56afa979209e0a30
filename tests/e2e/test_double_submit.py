"""A form sent twice — a double click on a slow save, a browser sending it again — is saved once: the second copy
is answered as the first was.  Before, it met the first copy's new version and came back as a conflict saying
"kontrollera och skicka igen", and sent again the meeting was recorded twice (or a second case opened)."""

from __future__ import annotations

import re

from tests.e2e import seed, ui
from tests.e2e.test_web_guards import signed_in


def _form(html: str) -> dict[str, str]:
    """The hidden fields of the form on the page (csrf, form key, version)."""
    return dict(re.findall(r'<input type="hidden" name="(csrf|form_key|expected_version)" value="([^"]*)"', html))


def test_a_meeting_sent_twice_is_recorded_once(server):
    group = seed.school_and_police_group(server.context.cases)
    web = signed_in(server, ui.SOCIAL)
    page = f"/arenden/{group.case_id}/moten"
    form = {**_form(web.get(page).text), "held_on": seed._today(server.context.cases).isoformat(),
            "attendees": "skola", "decisions": "Nytt möte om fyra veckor.", "decisions.0.category": "case"}
    first, second = web.post(page, data=form), web.post(page, data=form)
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == first.headers["location"] == f"{page}?sparat=record_meeting#saved"
    assert web.get(page).text.count('<section class="meeting">') == 1


def test_a_referral_sent_twice_opens_one_case(server):
    web = signed_in(server, ui.SOCIAL)
    form = {**_form(web.get("/arenden/nytt").text), "personnummer": ui.sixteen_year_old(),
            "name": "Dubbel Klick", "entry_route": "known", "referring_agency": "socialtjanst",
            "referral_date": seed._today(server.context.cases).isoformat(), "summary": "Känd sedan tidigare.",
            "summary_category": "family"}
    before = web.get("/arenden").text.count("/arenden/")
    first, second = web.post("/arenden/nytt", data=form), web.post("/arenden/nytt", data=form)
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == first.headers["location"]
    listed = web.get("/arenden").text
    assert listed.count(first.headers["location"].split("?")[0] + '"') == 1


def test_the_same_form_changed_and_sent_again_is_not_taken_for_the_first(server):
    """A form the browser restored, changed and sent again is another request: not answered as saved."""
    group = seed.school_and_police_group(server.context.cases)
    web = signed_in(server, ui.SOCIAL)
    page = f"/arenden/{group.case_id}/moten"
    form = {**_form(web.get(page).text), "held_on": seed._today(server.context.cases).isoformat(),
            "attendees": "skola"}
    assert web.post(page, data=form).status_code == 303
    changed = web.post(page, data={**form, "other_attendees": "den unge"})
    assert changed.status_code == 409 and "Ärendet har ändrats" in changed.text   # its version is stale
    assert "den unge" in changed.text                                            # and what was typed is kept
    assert web.get(page).text.count('<section class="meeting">') == 1


def test_two_copies_of_a_referral_at_the_same_moment_open_one_case(server):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    web = signed_in(server, ui.SOCIAL)
    form = {**_form(web.get("/arenden/nytt").text), "personnummer": ui.sixteen_year_old(),
            "name": "Samtidig Klick", "entry_route": "known", "referring_agency": "socialtjanst",
            "referral_date": seed._today(server.context.cases).isoformat(), "summary": "Känd sedan tidigare.",
            "summary_category": "family"}
    barrier = Barrier(2)

    def send(_: int):
        barrier.wait()
        return web.post("/arenden/nytt", data=form)

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(send, range(2))
    assert first.status_code == second.status_code == 303, (first.status_code, second.status_code)
    assert first.headers["location"] == second.headers["location"]
