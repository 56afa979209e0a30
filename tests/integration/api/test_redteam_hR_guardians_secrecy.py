"""A red team on this stop's guardian changes (hR, 2026-12-07): only social services of the case's municipality
learns anything of the guardians from them.  The notice that custody added stopped sharing under consent is shown
on social services' consents page alone, whatever the address's ?sparat= says to anyone else; and whether a guardians
command would be refused as unchanged (422) or taken is never told to anyone who may not record guardians: the
refusal of who they are comes first, in the same words whichever guardians were sent."""

from __future__ import annotations

import pytest

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.web_forms import hidden_fields

CUSTODY_ADDED = "lämnas inget ut till de andra aktörerna med stöd av samtycke"


def _guardians(client, users, case_id: str) -> list[dict]:
    facts = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["facts"]
    recorded = next(f for f in facts if f["kind"] == "guardians")["content"]["guardians"]
    return [{"guardian_id": g["guardian_id"], "name": g["name"], "has_custody": g["has_custody"]} for g in recorded]


def test_the_custody_added_notice_reaches_no_one_but_social_services_of_the_case(client, users, tick, context,
                                                                                 settings):
    case_id, _ = school_consented_case(client, users, tick)
    tick()   # the school's own note: it stays in the case (its pages render) when consent stops sharing with it
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                   json={"category": "school", "text": "Närvaron har ökat."}), 201)
    tick()
    social = web_as(context, settings, "soc-0180")
    page = social.get(f"/arenden/{case_id}/vardnadshavare").text
    form = {**hidden_fields(page), "guardians.0.name": "Maria", "guardians.0.has_custody": "on",
            "guardians.1.name": "Johan", "guardians.1.has_custody": "on", "guardians.2.name": "Sara",
            "guardians.2.has_custody": "on"}
    assert CUSTODY_ADDED in social.post(f"/arenden/{case_id}/vardnadshavare", data=form).text
    rendered = 0
    for user in ("skola", "polis", "bup", "soc-1480", "ivo"):
        web = web_as(context, settings, user)
        for path in ("samtycken", "", "moten", "vardnadshavare"):
            answer = web.get(f"/arenden/{case_id}/{path}".rstrip("/"), params={"sparat": "record_guardians"})
            assert CUSTODY_ADDED not in answer.text, (user, path, answer.status_code)
            rendered += user == "skola" and answer.status_code == 200
            if path == "samtycken":
                assert answer.status_code in (403, 404), (user, answer.status_code)
    assert rendered >= 2   # the school's case page and meetings were shown it: the notice had a page to be on


@pytest.mark.parametrize("who", ["school", "police"])
def test_a_member_is_refused_guardians_alike_whether_they_are_the_recorded_ones_or_not(client, users, tick, who):
    case_id, _ = school_consented_case(client, users, tick)
    same = _guardians(client, users, case_id)
    changed = [same[0], {**same[1], "has_custody": not same[1]["has_custody"]}]
    other_municipality = users.headers("socialtjanst", "caseworker", municipality="1480")
    for headers in (getattr(users, who), other_municipality, users.auditor):
        answers = []
        for guardians in (same, changed, [{"name": "Okänd"}]):
            tick()
            answer = client.post(f"/api/v1/cases/{case_id}/guardians", headers=headers, json={"guardians": guardians})
            answers.append((answer.status_code, answer.json()["error"]))
        assert answers[0][0] in (403, 404) and answers[0] == answers[1] == answers[2], answers
    assert _guardians(client, users, case_id) == same   # nothing recorded by any of them
