"""Deadlines a caseworker's day must not miss, on the case list and the case page: a consent about to end, a
planned meeting whose day has passed with no meeting recorded.  Judged by the application's clock; built from
what the reading agency sees — a member is never shown the end of a consent it cannot see."""

from __future__ import annotations

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as

DAY = 24 * 60   # minutes, for ``tick``
SOON = 'class="marker soon">Samtycke upphör 2026-03-20<'
OVERDUE = 'class="marker overdue">Planerat möte 2026-02-10 har passerat – inget möte registrerat<'
# The planned meeting's day is called alike wherever it shows (it read "Nästa möte 2026-02-10" in the list's column
# and on the Möten tab beside "Mötet 2026-02-10 har passerat": a next meeting in the past).
COLUMN = '<th scope="col" role="columnheader">Planerat möte</th>'
PLANNED = 'Planerat möte: <strong>2026-02-10</strong>'


def _police_consent_until(client, users, tick, case_id: str, until: str) -> None:
    """A consent naming the police alone (not the school), ending ``until``."""
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents", headers=users.social, json={
        "consenter": "young_person", "scope": [{"agency": "polis", "categories": ["case"]}],
        "purpose": "Samverkan", "valid_from": "2026-02-02", "valid_until": until, "form": "written"}), 201)


def test_a_consent_ending_within_30_days_is_marked_for_social_services_by_the_applications_clock(
        client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    _police_consent_until(client, users, tick, case_id, "2026-03-20")
    social = web_as(context, settings, "soc-0180")
    # 2026-02-03: the end is 45 days away — no marker yet.
    assert "Samtycke upphör" not in social.get("/arenden").text
    assert "Samtycke upphör" not in social.get(f"/arenden/{case_id}").text
    tick(20 * DAY)   # 2026-02-23: within 30 days of the end
    assert SOON in social.get("/arenden").text
    for tab in ("", "/plan", "/samtycken"):
        assert SOON in social.get(f"/arenden/{case_id}{tab}").text, tab


def test_a_member_is_shown_no_marker_of_a_consent_it_cannot_see(client, users, tick, context, settings):
    """The consent names the police only: the school, in the group, must not learn that it exists or when it
    ends — not on its list, not on the case page."""
    case_id, _ = school_consented_case(client, users, tick)
    _police_consent_until(client, users, tick, case_id, "2026-02-20")
    assert SOON.replace("03-20", "02-20") in web_as(context, settings, "soc-0180").get("/arenden").text
    school = web_as(context, settings, "skola")
    for path in ("/arenden", f"/arenden/{case_id}", f"/arenden/{case_id}/plan", f"/arenden/{case_id}/moten"):
        page = school.get(path)
        assert page.status_code == 200, path
        assert "Samtycke upphör" not in page.text and "2026-02-20" not in page.text, path
        assert 'class="marker' not in page.text, path


def test_a_planned_meeting_passed_without_a_meeting_recorded_is_marked_until_one_is(client, users, tick, context,
                                                                                     settings):
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/meetings", headers=users.social, json={
        "held_on": "2026-02-03", "attendees": ["skola"], "next_meeting": "2026-02-10"}), 201)
    social, school = web_as(context, settings, "soc-0180"), web_as(context, settings, "skola")
    assert 'class="marker' not in social.get("/arenden").text
    tick(7 * DAY)   # 2026-02-10: the meeting's own day has not passed
    assert 'class="marker' not in social.get(f"/arenden/{case_id}").text
    tick(DAY)       # 2026-02-11
    assert OVERDUE in social.get("/arenden").text
    assert OVERDUE in social.get(f"/arenden/{case_id}").text
    assert OVERDUE in school.get(f"/arenden/{case_id}/moten").text   # the school sees the meeting (`case`)
    assert COLUMN in social.get("/arenden").text
    for who in (social, school):
        meetings = who.get(f"/arenden/{case_id}/moten").text
        line = meetings[meetings.index('<p id="next-meeting"'):].split("</p>")[0]
        assert PLANNED in line and "Nästa möte" not in line
    ok(client.post(f"/api/v1/cases/{case_id}/meetings", headers=users.social, json={
        "held_on": "2026-02-11", "attendees": ["skola"]}), 201)
    assert "har passerat" not in social.get("/arenden").text
    assert "har passerat" not in social.get(f"/arenden/{case_id}").text
