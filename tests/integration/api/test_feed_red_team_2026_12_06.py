"""A red team of the agency feeds (2026-12-06): what a feed's reader can tell from when its feed stops short, and
cursors of forms the other tests do not send.

Found: at Stockholm midnight of the young person's 18th birthday every agency that had ever received a message of
the case had its feed stop short before that case's first message until the calendar keeper recorded the moment —
also a school whose consent the young person had withdrawn, every member of a closed case, and a police that only a
law (OSL 10 kap. 18 a §) had told of the case.  Re-reading its feed from the beginning just after midnight (a feed
may be read from the start at any time), such an agency saw its feed end early, and so learnt the young person's
birth date and that they had turned 18: a `case` fact, after its consent was withdrawn, or one it never had.  The
birthday now holds back the case only from the active members a consent of the young person's in force then names
(and social services), whose view it can change (``domain.visibility.CaseVisibility.next_moments_by_agency``).
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest

from tests.integration.api.flows import ok, school_consent_ending, school_consented_case
from tests.integration.api.test_feed_http import everything

CASES = "/api/v1/cases"
# 00:00:30 on the 18th birthday in Stockholm (personnummer 20090314-…): the keeper has not recorded it yet.
JUST_AFTER_MIDNIGHT = datetime(2027, 3, 13, 23, 0, 30, tzinfo=timezone.utc)


def _event_ids(items: list[dict]) -> list[str]:
    return [i["headers"]["event_id"] for i in items]


def _withdrawn(client, users, tick) -> tuple[str, str]:
    case_id, consents = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"{CASES}/{case_id}/consents/{consents[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))
    return case_id, "skola"


def _closed(client, users, tick) -> tuple[str, str]:
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"{CASES}/{case_id}/closure", headers=users.social, json={"reason": "other", "outcome": "Klart."}))
    return case_id, "skola"


def _told_by_law(client, users, tick) -> tuple[str, str]:
    case_id, _ = school_consented_case(client, users, tick, members=("skola",), others={})
    tick()
    ok(client.post(f"{CASES}/{case_id}/contributions", headers=users.social, json={
        "category": "crime", "text": "Risk för fortsatt brottslighet", "legal_basis": "osl10_18a"}), 201)
    return case_id, "polis"


@pytest.mark.parametrize("story", [_withdrawn, _closed, _told_by_law], ids=["withdrawn", "closed", "law"])
def test_an_agency_the_birthday_changes_nothing_for_reads_its_feed_whole_at_midnight(client, users, tick, app,
                                                                                      story):
    """Its feed read from the beginning just after midnight is the feed read the day before: not one message
    shorter, so no birth date told by where it stops."""
    case_id, agency = story(client, users, tick)
    reader = users.headers(agency, "member")
    before, _ = everything(client, reader, agency)
    assert any(i["body"]["case_id"] == case_id for i in before)
    app.clock.set(JUST_AFTER_MIDNIGHT)
    assert _event_ids(everything(client, reader, agency)[0]) == _event_ids(before)
    # Nor does any member's case list or lookup differ (they never listed the case: no group to be in).
    assert all(c["case_id"] != case_id for c in ok(client.get(CASES, headers=reader))["cases"])


def test_a_member_whose_young_persons_consent_ended_reads_its_feed_whole_at_midnight(client, users, tick, app):
    """As a withdrawn consent, one that ended by its date (the keeper recording its end) discloses nothing at the
    birthday: the school, still in the group, was held back at midnight all the same — its consent of the young
    person's was not withdrawn — and its feed, read from the beginning, ended short at the case."""
    case_id = school_consent_ending(client, users, tick, valid_until="2026-02-10")
    app.clock.set(datetime(2026, 2, 12, 9, 0, tzinfo=timezone.utc))
    client.app.state.context.cases.lists.runner.keep_calendar()
    before, _ = everything(client, users.school, "skola")
    assert any(i["body"]["case_id"] == case_id for i in before)
    app.clock.set(JUST_AFTER_MIDNIGHT)
    assert _event_ids(everything(client, users.school, "skola")[0]) == _event_ids(before)


def test_a_member_the_birthday_changes_things_for_still_waits_for_the_keeper(client, users, tick, app):
    """The other side: a school in the group under the young person's and the guardians' consents is shown nothing
    of the case between midnight and the keeper's record (the guardians' consents stop counting then), and then the
    change of basis."""
    case_id, consents = school_consented_case(client, users, tick)
    before, last = everything(client, users.school, "skola")
    app.clock.set(JUST_AFTER_MIDNIGHT)
    held, _ = everything(client, users.school, "skola")
    assert not any(i["body"]["case_id"] == case_id for i in held)
    client.app.state.context.cases.lists.runner.keep_calendar()
    after, _ = everything(client, users.school, "skola", after=last)
    changed = [i["body"] for i in after if i["body"]["case_id"] == case_id]
    assert changed and {b["change"] for b in changed} == {"basis_changed"}
    assert all(b["basis"]["consent_ids"] == [consents[0]] for b in changed)   # the young person's alone


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("tail", [b"skola.0180:0000000000000000001", b"skola.0180:+1", b"skola.0180:-1",
                                  b"skola.0180:1\n", b"skola.0180:\xd9\xa1", b"skola.0180:1:2", b"Skola.0180:1",
                                  b"skola..0180:1", b"skola.0180.1280:1", b"skola.0180:"])
def test_a_cursor_whose_place_is_no_number_of_a_feed_is_422_on_the_page_and_the_stream(client, users, tick, tail):
    """Made from a real cursor's generation and epoch, its feed or number bent: a precise 422, never a 500 nor a
    read from somewhere else."""
    school_consented_case(client, users, tick)
    page = ok(client.get("/api/v1/feeds/skola", headers=users.school))
    raw = base64.urlsafe_b64decode(page["next"] + "=" * (-len(page["next"]) % 4))
    head = raw[:raw.rindex(b":", 0, raw.rindex(b":"))] + b":"   # sigill-feed:3:<generation>:<epoch>:
    cursor = _cursor(head + tail)
    for reader in (users.school, users.headers("skola", "feed_reader")):
        response = client.get("/api/v1/feeds/skola", params={"after": cursor}, headers=reader)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "malformed_cursor"
        assert response.json()["error"]["field"] == "query.after"
        stream = client.get("/api/v1/feeds/skola/stream", headers={**reader, "Last-Event-ID": cursor})
        assert stream.status_code == 422 and stream.json()["error"]["field"] == "header.last-event-id", stream.text
