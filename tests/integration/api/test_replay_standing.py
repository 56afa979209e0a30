"""The auditors' replay says the agency's standing at the moment — membership, the consents in force naming it,
custody, each category's cover or whose consent was missing — and, when it saw nothing, why (it said nothing)."""

from __future__ import annotations

import re

from tests.integration.api.flows import ok, page_text, school_consented_case
from tests.integration.api.skew import web_as


def _replay(client, users, case_id: str, agency: str, as_of: str) -> dict:
    return ok(client.get(f"/api/v1/audit/cases/{case_id}/replay", headers=users.auditor,
                         params={"agency": agency, "as_of": as_of}))


def test_the_replay_says_the_police_joined_only_later_and_whose_consent_was_then_missing(client, users, tick, app):
    case_id, consents = school_consented_case(client, users, tick, members=("skola",))
    before_joining = app.clock.now().isoformat()
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/members", headers=users.social,
                   json={"agency": "polis", "contact_person": "Kontakt", "role": "kontaktperson"}), 201)
    joined = app.clock.now()

    early = _replay(client, users, case_id, "polis", before_joining)
    assert early["facts"] == []
    standing = early["standing"]
    assert standing["why_nothing"] == "not_yet_a_member" and not standing["member"]
    assert standing["joins_at"].startswith(joined.isoformat()[:19])
    assert standing["description"][0].startswith("Polisen var inte medlem i gruppen vid tidpunkten: den gick med först")
    # Every consent needed was in force all the same: membership held the police back, not consent.
    assert [c["category"] for c in standing["categories"] if c["covered"]] == ["case"]

    guardians = ok(client.get(f"/api/v1/audit/cases/{case_id}/replay", headers=users.auditor, params={
        "agency": "socialtjanst", "as_of": app.clock.now().isoformat()}))["standing"]["custodians"]
    maria = guardians[0]
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[1]}/withdrawal", headers=users.social,
                   json={"consenter": maria}))
    tick()
    later = _replay(client, users, case_id, "polis", app.clock.now().isoformat())
    standing = later["standing"]
    assert later["facts"] == [] and standing["member"] and standing["why_nothing"] == "consent_missing"
    assert [(c["consenter"], c["counts"]) for c in standing["consents"]] == [("young_person", True),
                                                                             (guardians[1], True)]
    case = next(c for c in standing["categories"] if c["category"] == "case")
    assert not case["covered"] and case["missing"] == [maria]
    assert [(x["consenter"], x["consent_id"], x["how"]) for x in case["lapses"]] == [(maria, consents[1], "withdrawn")]
    assert re.fullmatch(
        rf"Samtycke från den unge och vårdnadshavaren Johan gällde, men inte från vårdnadshavaren Maria \(samtycke"
        rf" {consents[1][:8]} återkallades 2026-\S+ \S+ CES?T\): inget i kategorin ärendet var täckt\.",
        standing["description"][0]), standing["description"][0]


def test_the_standing_is_for_auditors_only(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    for member in (users.police, users.school, users.social):
        refused = client.get(f"/api/v1/audit/cases/{case_id}/replay", headers=member,
                             params={"agency": "polis", "as_of": "2026-12-31T00:00:00Z"})
        assert refused.status_code == 403
        own = client.get(f"/api/v1/cases/{case_id}", headers=member)
        assert "standing" not in own.text and "why_nothing" not in own.text


def test_the_web_replay_says_why_nothing_was_seen_and_the_standing(client, users, tick, app, context, settings):
    """The web client's replay said "Inget att visa." and nothing more when the police was not yet in the group."""
    case_id, _ = school_consented_case(client, users, tick, members=("skola",))
    moment = app.clock.now().isoformat(timespec="seconds")
    tick(60 * 24)
    ok(client.post(f"/api/v1/cases/{case_id}/members", headers=users.social,
                   json={"agency": "polis", "contact_person": "Kontakt", "role": "kontaktperson"}), 201)
    auditor = web_as(context, settings, "ivo")
    html = auditor.get(f"/granskning/arenden/{case_id}", params={"myndighet": "polis", "tid": moment}).text
    page = page_text(html)
    assert "Inget att visa. Polisen var inte medlem i gruppen vid tidpunkten: den gick med först 20" in page
    assert 'id="standing"' in html and "Ställning vid tidpunkten (ur händelserna, enligt utlämnandereglerna)" in page
    assert "samtycke krävs från den unge och från varje vårdnadshavare med vårdnad – vårdnadshavaren Maria och" \
        " vårdnadshavaren Johan" in page
    # Never on a member's own pages.
    for agency in ("polis", "skola"):
        own = web_as(context, settings, agency).get(f"/arenden/{case_id}").text
        assert 'id="standing"' not in own and "Ställning vid tidpunkten" not in own
