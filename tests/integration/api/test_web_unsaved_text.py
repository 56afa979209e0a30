"""A form the web client could not save gives back what the user wrote: a member's note, its consent withdrawn while
it typed, is not lost to the 404 — and the answer is the same for a case that never existed, so it tells nothing."""

from __future__ import annotations

import re
from uuid import uuid4


from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as

NOTE = "Eleven har varit närvarande hela veckan och deltagit i samtal med kuratorn."


def test_a_note_the_case_left_the_members_reach_before_it_was_saved_is_given_back(client, users, tick, context,
                                                                                   settings):
    case_id, consents = school_consented_case(client, users, tick)
    school = web_as(context, settings, "skola")
    form = school.get(f"/arenden/{case_id}/uppgift")
    assert form.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))   # while the school was typing

    lost = school.post(f"/arenden/{case_id}/uppgift", data={"csrf": csrf, "category": "school", "text": NOTE},
                       follow_redirects=False)
    never = school.post(f"/arenden/{uuid4()}/uppgift", data={"csrf": csrf, "category": "school", "text": NOTE},
                        follow_redirects=False)
    assert lost.status_code == never.status_code == 404
    assert "Det du skrev sparades inte" in lost.text and "readonly" in lost.text and NOTE in lost.text
    assert lost.text == never.text   # the same answer: nothing said of whether the case exists
    assert "Det du skrev sparades inte" not in school.get(f"/arenden/{uuid4()}").text   # a read has nothing to give
