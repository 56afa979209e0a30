"""A narrowing's line on the timeline says until when the narrowed consent holds, as a grant's line does ("t.o.m.
…", the consent's end as it stands after the narrowing): it said what was left ("… begränsat – ni får ta del av:
ärendet") and no end, so a reader could not tell until when. A member reads its own part and the end alone — never
another recipient's part — and one the narrowing left nothing is told no end that no longer concerns it."""

from __future__ import annotations

import re

import pytest

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as

END = "2026-12-31"


def _lines(html: str) -> list[str]:
    text = re.sub(r"[ \t]+", " ", re.sub(r"<[^>]+>", " ", html.replace("</tr>", "\n")))
    return [line.strip() for line in text.splitlines() if "begränsat" in line]


def _narrow(client, users, case_id: str, consent_id: str, scope: list[dict], **end: str) -> None:
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consent_id}/narrowings", headers=users.social,
                   json={"consenter": "young_person", "scope": scope, **end}))


@pytest.fixture
def case_id(client, users, tick) -> str:
    """The young person's consent narrowed: the school keeps `case` alone, until END; the police its `case`."""
    case_id, consents = school_consented_case(client, users, tick)
    tick()
    _narrow(client, users, case_id, consents[0], [{"agency": "skola", "categories": ["case"]},
                                                  {"agency": "polis", "categories": ["case"]}], valid_until=END)
    return case_id


def _timeline(context, settings, agency: str, case_id: str) -> list[str]:
    return _lines(web_as(context, settings, agency).get(f"/arenden/{case_id}").text)


def test_social_services_reads_the_narrowed_consents_end_on_its_line(case_id, context, settings):
    lines = _timeline(context, settings, "soc-0180", case_id)
    assert any("Samtycke från Peter Exempel (den unge) begränsat – Polisen: ärendet; Skolan: ärendet"
               f" t.o.m. {END}" in line for line in lines), lines


def test_a_member_reads_its_own_part_and_the_end_and_nothing_of_another_recipient(case_id, context, settings):
    lines = _timeline(context, settings, "skola", case_id)
    assert any(f"Samtycke från Peter Exempel (den unge) begränsat – ni får ta del av: ärendet"
               f" t.o.m. {END}" in line for line in lines), lines
    assert not any("Polis" in line for line in lines), lines


def test_a_recipient_the_narrowing_left_nothing_is_told_no_end(client, users, tick, context, settings):
    """A second consent of the young person's (the school: `school`; the police: `case`) narrowed to the police's
    part: the school, which still sees `case` under the first consents, reads that it may see nothing under it —
    and no end, which no longer concerns it."""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    second = ok(client.post(f"/api/v1/cases/{case_id}/consents", headers=users.social, json={
        "consenter": "young_person", "purpose": "Samverkan", "valid_from": "2026-02-02", "form": "written",
        "scope": [{"agency": "skola", "categories": ["school"]}, {"agency": "polis", "categories": ["case"]}]}),
        201)["created"]
    tick()
    _narrow(client, users, case_id, second, [{"agency": "polis", "categories": ["case"]}], valid_until=END)
    lines = _timeline(context, settings, "skola", case_id)
    assert any("begränsat – ni får ta del av: ingenting" in line for line in lines), lines
    assert all("t.o.m." not in line and "Polis" not in line for line in lines), lines
