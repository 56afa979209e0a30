"""A plan row naming as responsible an agency that cannot see it is saved, and social services is told (a domain
review, 2026-12-05: the police, their consents covering case, crime and school, were named on a *Fritid* row
without a word; they never saw the row, and their follow-up tab said "Inga rader att följa upp").  The API's answer
to the plan command carries `warnings` (`responsible_cannot_see_row`), the lead's plan page and the lead's `GET /plan`
say it as things stand at each read; nothing of it reaches a member."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from domain.calendar import local_date
from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as

POLICE = {"polis": ["case", "crime", "school"]}
LEISURE = {"area": "Fritid", "goal": "En aktivitet i veckan.", "how": "Fritidsgården.", "responsible": "Peter",
           "responsible_agencies": ["polis"]}
SCHOOL = {"area": "Skola", "goal": "Närvaro.", "how": "Mentorn följer upp.", "responsible": "Mentor",
          "responsible_agencies": ["skola", "polis"]}
SAID = "Polisen är ansvarig men kan inte se raden: inget samtycke täcker Fritid."


def _revise(client, users, case_id, *rows, **headers):
    return client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers={**users.social, **headers},
                       json={"main_goal": "Mål.", "rows": list(rows)})


def _consent_all(client, users, case_id, tick, scope, valid_until=None) -> list[str]:
    timeline = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    guardians = next(f for f in timeline["facts"] if f["kind"] == "guardians")["content"]["guardians"]
    ids = []
    for consenter in ["young_person", *(g["guardian_id"] for g in guardians)]:
        tick()
        ids.append(ok(client.post(f"/api/v1/cases/{case_id}/consents", headers=users.social, json={
            "consenter": consenter, "scope": [{"agency": a, "categories": c} for a, c in scope.items()],
            "purpose": "Samverkan", "valid_from": "2026-02-02", "valid_until": valid_until, "form": "written"}),
            201)["created"])
    return ids


def _plan(client, headers, case_id):
    return ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=headers))


def test_a_row_the_responsible_police_cannot_see_is_saved_with_a_warning(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick, others=POLICE)
    tick()
    answer = ok(_revise(client, users, case_id, SCHOOL, LEISURE), 201)
    assert answer["warnings"] == [{
        "code": "responsible_cannot_see_row", "field": "body.rows.1.responsible_agencies.0", "row": 1,
        "row_id": answer["warnings"][0]["row_id"], "agency": "polis", "category": "leisure", "reason": "no_consent",
        "missing_consenters": [],
        "message": "the agency 'polis' is responsible for row 1 but cannot see it now: no consent in force covers the"
                   " category leisure for it"}]
    rows = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.social))["rows"]
    assert [r["content"]["area"] for r in rows] == ["Skola", "Fritid"]   # saved all the same
    assert rows[1]["content"]["row_id"] == answer["warnings"][0]["row_id"]


def test_the_leads_plan_read_carries_the_same_warnings_as_things_stand_at_each_read(client, users, tick, app):
    """`GET /plan` tells social services what the plan command told it, judged again at each read: a consent granted
    takes the warning away, one that ends brings it back — also when its end is no event yet (the calendar records
    it later), so an answer shaped before is not sent again."""
    case_id, _ = school_consented_case(client, users, tick, others=POLICE)
    assert _plan(client, users.social, case_id)["warnings"] == []   # no plan yet: nothing to warn of, but a list
    tick()
    answer = ok(_revise(client, users, case_id, SCHOOL, LEISURE), 201)
    assert answer["warnings"] and _plan(client, users.social, case_id)["warnings"] == answer["warnings"]
    today = local_date(app.clock.now())
    _consent_all(client, users, case_id, tick, {"polis": ["leisure"]}, valid_until=today.isoformat())
    before = _plan(client, users.social, case_id)
    assert before["warnings"] == []
    tick(int(timedelta(days=2).total_seconds() // 60))   # the consents ended yesterday; nothing recorded since
    after = _plan(client, users.social, case_id)
    assert after["version"] == before["version"], "the test needs the consents' end unrecorded"
    assert [(w["agency"], w["row"], w["reason"]) for w in after["warnings"]] == [("polis", 1, "no_consent")]
    assert after["warnings"][0]["row_id"] == after["rows"][1]["content"]["row_id"]   # N: the row's index in rows


def test_no_warning_once_a_consent_covers_the_category(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick, others=POLICE)
    tick()
    assert ok(_revise(client, users, case_id, SCHOOL), 201)["warnings"] == []
    _consent_all(client, users, case_id, tick, {"polis": ["leisure"]})
    tick()
    assert ok(_revise(client, users, case_id, SCHOOL, LEISURE), 201)["warnings"] == []


def test_a_missing_guardians_consent_is_named_by_id(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick, others=POLICE)
    ids = _consent_all(client, users, case_id, tick, {"polis": ["leisure"]})
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{ids[2]}/withdrawal", headers=users.social,
                   json={"consenter": _consenter_of(client, users, case_id, ids[2])}))
    tick()
    [warning] = ok(_revise(client, users, case_id, LEISURE), 201)["warnings"]
    assert (warning["reason"], warning["missing_consenters"]) == (
        "consent_missing", [_consenter_of(client, users, case_id, ids[2])])


def _consenter_of(client, users, case_id, consent_id) -> str:
    timeline = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    return next(f["content"]["consenter"] for f in timeline["facts"]
                if f["kind"] == "consent.granted" and f["content"]["consent_id"] == consent_id)


def test_a_retry_under_the_same_idempotency_key_is_told_the_same_warnings(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick, others=POLICE)
    tick()
    first = _revise(client, users, case_id, LEISURE, **{"Idempotency-Key": "plan-1"})
    again = _revise(client, users, case_id, LEISURE, **{"Idempotency-Key": "plan-1"})
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert ok(first, 201)["warnings"] == ok(again, 201)["warnings"] != []
    assert first.json()["warnings"][0]["reason"] == "no_consent"


def test_a_keyed_revision_folds_its_events_once_for_both_answers_and_keeps_that_fold(client, users, tick, context,
                                                                                     monkeypatch):
    """The key's answer (version, warnings), made before the commit, and the command's own, after, are made of one
    fold of the revision's events; it was made three times."""
    case_id, _ = school_consented_case(client, users, tick, others=POLICE)
    tick()
    judged, folds = context.cases.judged, []
    extended = judged.extended
    monkeypatch.setattr(judged, "extended", lambda *args, **kwargs: folds.append(1) or extended(*args, **kwargs))
    answer = ok(_revise(client, users, case_id, LEISURE, **{"Idempotency-Key": "plan-1"}), 201)
    assert len(folds) == 1
    assert [w["reason"] for w in answer["warnings"]] == ["no_consent"]
    assert judged.cached(UUID(case_id)).case.version == answer["version"]   # the lead sees every event: its version
    again = _revise(client, users, case_id, LEISURE, **{"Idempotency-Key": "plan-1"})
    assert again.headers.get("Idempotent-Replayed") == "true" and ok(again, 201) == answer


def test_nothing_of_it_reaches_a_member(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick, others=POLICE)
    tick()
    ok(_revise(client, users, case_id, SCHOOL, LEISURE), 201)
    refused = client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.police,
                          json={"main_goal": "Mål.", "rows": [LEISURE]})
    assert refused.status_code == 403 and "warnings" not in refused.json()
    # The API's read: the lead is told (so there is something a member could be told), a member never.
    assert [w["agency"] for w in _plan(client, users.social, case_id)["warnings"]] == ["polis"]
    for member in (users.police, users.school):
        plan = client.get(f"/api/v1/cases/{case_id}/plan", headers=member)
        assert plan.status_code == 200, plan.text
        assert "warnings" not in plan.json() and "responsible_cannot_see_row" not in plan.text
        assert "Fritid" not in plan.text   # the police do not see the row; the school neither


def test_other_commands_carry_no_warnings(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick, others=POLICE)
    tick()
    answer = ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.social,
                            json={"category": "family", "text": "Familjen har flyttat."}), 201)
    assert "warnings" not in answer


def test_the_leads_plan_page_says_it_beside_the_row_as_things_stand_now(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick, others=POLICE)
    tick()
    ok(_revise(client, users, case_id, SCHOOL, LEISURE), 201)
    lead = web_as(context, settings, "soc-0180")
    page = lead.get(f"/arenden/{case_id}/plan").text
    assert page.count(SAID) == 1 and 'class="row-unseen"' in page
    police = web_as(context, settings, "polis")
    for member in (police, web_as(context, settings, "skola")):
        shown = member.get(f"/arenden/{case_id}/plan")
        assert shown.status_code == 200
        assert "kan inte se raden" not in shown.text and "row-unseen" not in shown.text
    ids = _consent_all(client, users, case_id, tick, {"polis": ["leisure"]})
    assert "kan inte se raden" not in lead.get(f"/arenden/{case_id}/plan").text   # a consent granted: gone
    assert "Fritid" in police.get(f"/arenden/{case_id}/plan").text                # and the police see the row
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{ids[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))
    page = lead.get(f"/arenden/{case_id}/plan").text   # withdrawn: back, with whose consent is missing
    assert "Polisen är ansvarig men kan inte se raden: samtycke saknas från Peter Exempel (den unge) för Fritid." in page


def test_the_leads_plan_page_says_what_lets_a_row_be_seen_of_an_agency_not_an_authority(client, users, tick, context,
                                                                                      settings):
    """The note under the table read "Raden sparades ändå: myndigheten kan se och följa upp den först när samtycke
    täcker radens kategori": of a school that had left the group, for which no consent is the remedy, and of an
    *aktör* that may be no authority (a voluntary organisation) as "myndigheten"."""
    case_id, _ = school_consented_case(client, users, tick, others=POLICE)
    tick()
    ok(_revise(client, users, case_id, SCHOOL), 201)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/members/skola/departure", headers=users.social,
                   json={"reason": "Eleven har bytt skola."}))
    page = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/plan").text
    assert "Skolan är ansvarig men kan inte se raden: inte längre med i gruppen." in page
    assert "myndigheten" not in page
    assert ("En ansvarig aktör kan se och följa upp en rad först när den är med i gruppen och samtycke täcker radens"
            " kategori. Se flikarna Gruppen och Samtycken.") in page
