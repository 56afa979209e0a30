"""Rules version 5: a plan row names to each reader only the responsible agencies whose memberships it may see —
in its view, its feed and to a consumer that goes on reading, to auditors, and after the rebuild that brings the
rules in.  (A red team's tests, 2026-12-04: the first version logged no change when only the names shown changed.)"""

from __future__ import annotations

from uuid import UUID

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.test_feed_http import everything, store

ROW = {"area": "Skola", "goal": "Närvaro.", "how": "Mentorn följer upp.", "responsible": "Mentor",
       "responsible_agencies": ["skola", "polis"]}


def plan_naming_police(client, users, tick, case_id):
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", json={"main_goal": "Mål.", "rows": [ROW]},
                   headers=users.social), 201)


def narrow_away_case(client, users, tick, case_id, consents) -> None:
    """One guardian narrows her consent (the third) to `school` for the school: `case` is no longer covered."""
    timeline = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    guardian = next(f for f in timeline["facts"] if f["kind"] == "guardians")["content"]["guardians"][1]
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[2]}/narrowings", headers=users.social, json={
        "consenter": guardian["guardian_id"], "scope": [{"agency": "skola", "categories": ["school"]},
                                                        {"agency": "polis", "categories": ["case"]}]}))


def shown_under_rules_4(client, users, tick, monkeypatch) -> tuple[str, list[dict]]:
    """A case whose school sees `school` only, its plan naming the police written to the views as rules version 4
    wrote it (no name withheld); the school's feed as it read then."""
    from domain import disclosure as rules

    unredacted = lambda judge, fact: (  # noqa: E731  version 4: the row as recorded
        None if (b := judge.basis_for(fact)) is None else rules.Disclosure(fact, b))
    case_id, _ = school_consented_case(client, users, tick, categories=("school",))
    with monkeypatch.context() as m:
        m.setattr(rules.Judge, "disclosure", unredacted)
        plan_naming_police(client, users, tick, case_id)
        first, _ = everything(client, users.school, "skola")
    return case_id, first


def feed_rows(client, users):
    messages, _ = everything(client, users.school, "skola")
    return [m["body"] for m in messages if m["body"]["kind"] == "plan.row"]


def test_a_narrowing_away_of_case_withholds_the_police_in_the_stored_view_and_the_feed(client, users, tick):
    """One guardian narrows his consent to `school` for the school: it may no longer know the police take part.
    The row's basis (the three consents covering `school`) is unchanged: before, no change was logged, and the
    stored view and the feed went on naming the police while the API's live plan withheld them."""
    case_id, consents = school_consented_case(client, users, tick)   # school sees case + school
    plan_naming_police(client, users, tick, case_id)
    assert [r["content"]["responsible_agencies"] for r in feed_rows(client, users)] == [["skola", "polis"]]
    narrow_away_case(client, users, tick, case_id, consents)
    live = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))
    assert [r["content"]["responsible_agencies"] for r in live["rows"]] == [["skola"]]   # the rules: withheld
    feed = [r["content"]["responsible_agencies"] for r in feed_rows(client, users) if r["content"]]  # catches up
    stored = [f.content["responsible_agencies"] for f in store(client).facts("skola", UUID(case_id))
              if f.kind == "plan.row"]
    assert stored == [["skola"]] and feed == [["skola"]], (stored, feed)


def consume(held: dict, messages: list[dict]) -> None:
    """A feed consumer as the README describes it: keep a disclosed fact's content, drop it on `ended`/`erased`;
    a `basis_changed` keeps the fact (with new content when the message carries any)."""
    for m in messages:
        b = m["body"]
        if b["change"] == "disclosed":
            held[b["fact_id"]] = b
        elif b["change"] == "basis_changed" and b["content"] is not None:
            held[b["fact_id"]] = b
        elif b["change"] in ("ended", "erased"):
            held.pop(b["fact_id"], None)


def consent_for_case(client, users, tick, case_id) -> list[str]:
    timeline = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    guardians = next(f for f in timeline["facts"] if f["kind"] == "guardians")["content"]["guardians"]
    made = []
    for consenter in ["young_person", *(g["guardian_id"] for g in guardians)]:
        tick()
        made.append(ok(client.post(f"/api/v1/cases/{case_id}/consents", headers=users.social, json={
            "consenter": consenter, "scope": [{"agency": "skola", "categories": ["case"]}],
            "purpose": "Samverkan", "valid_from": "2026-02-02", "form": "written"}), 201)["created"])
    return made


def test_a_consumer_that_goes_on_drops_the_police_when_the_consent_covering_case_is_withdrawn(client, users, tick):
    """The school sees `school` under one set of consents and `case` under another.  A guardian withdraws the one
    covering `case`: before, the feed said only `basis_changed`, with no content, and a consumer that went on held
    the row naming the police.  Now the row as shown ends and the row without them is disclosed."""
    case_id, _ = school_consented_case(client, users, tick, categories=("school",))
    case_consents = consent_for_case(client, users, tick, case_id)
    plan_naming_police(client, users, tick, case_id)
    held: dict = {}
    messages, cursor = everything(client, users.school, "skola")
    consume(held, messages)
    tick()
    guardian = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    guardian_id = next(f for f in guardian["facts"] if f["kind"] == "guardians")["content"]["guardians"][0]
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{case_consents[1]}/withdrawal", headers=users.social,
                   json={"consenter": guardian_id["guardian_id"]}))
    later, _ = everything(client, users.school, "skola", after=cursor)
    consume(held, later)
    live = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))
    assert [r["content"]["responsible_agencies"] for r in live["rows"]] == [["skola"]]
    rows = [b["content"]["responsible_agencies"] for b in held.values() if b["kind"] == "plan.row"]
    assert rows == [["skola"]], (rows, [m["body"]["change"] for m in later])


def test_a_consumer_that_goes_on_learns_the_police_once_case_is_consented(client, users, tick):
    """The converse: the grant that covers `case` gave a `basis_changed` with no content, and a consumer never
    held the police named while the live plan named them."""
    case_id, _ = school_consented_case(client, users, tick, categories=("school",))
    plan_naming_police(client, users, tick, case_id)
    held: dict = {}
    messages, cursor = everything(client, users.school, "skola")
    consume(held, messages)
    consent_for_case(client, users, tick, case_id)
    later, _ = everything(client, users.school, "skola", after=cursor)
    consume(held, later)
    live = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))
    assert [r["content"]["responsible_agencies"] for r in live["rows"]] == [["skola", "polis"]]
    rows = [b["content"]["responsible_agencies"] for b in held.values() if b["kind"] == "plan.row"]
    assert rows == [["skola", "polis"]], (rows, [m["body"]["change"] for m in later])


def test_the_rebuild_under_rules_5_takes_the_police_back_from_a_deduplicating_consumer(client, users, tick,
                                                                                        monkeypatch):
    """Views built under rules version 4 (no withholding) disclosed the row naming the police to a school that
    sees only `school`.  The rebuild under version 5 ends that row (`rules_changed`: the view no longer holds
    it) and discloses the row as shown now, a fact of its own with an event id of its own, which a consumer
    deduplicating by id does not skip."""
    case_id, first = shown_under_rules_4(client, users, tick, monkeypatch)
    held: dict = {}
    seen_ids = set()
    for msg in first:
        seen_ids.add(msg["headers"]["event_id"])
    consume(held, first)
    assert [b["content"]["responsible_agencies"] for b in held.values() if b["kind"] == "plan.row"] == [
        ["skola", "polis"]]
    store(client)   # the runner
    client.app.state.context.cases.lists.runner.rebuild()
    again, _ = everything(client, users.school, "skola")
    consume(held, [msg for msg in again if msg["headers"]["event_id"] not in seen_ids])   # deduplicated by id
    live = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))
    assert [r["content"]["responsible_agencies"] for r in live["rows"]] == [["skola"]]
    rows = [b["content"]["responsible_agencies"] for b in held.values() if b["kind"] == "plan.row"]
    assert rows == [["skola"]], rows


def test_the_audit_log_tells_when_the_police_stopped_being_named_to_the_school(client, users, tick, app):
    """The auditors' disclosure log (the pure one, from the events) after the narrowing of the first test: the
    replay says the school is shown the row without the police, and so must the log — it said nothing before."""
    case_id, consents = school_consented_case(client, users, tick)
    plan_naming_police(client, users, tick, case_id)
    narrow_away_case(client, users, tick, case_id, consents)
    tick()
    now = app.clock.now().isoformat()
    replay = ok(client.get(f"/api/v1/audit/cases/{case_id}/replay", params={"agency": "skola", "as_of": now},
                           headers=users.auditor))
    assert [f["content"]["responsible_agencies"] for f in replay["facts"] if f["kind"] == "plan.row"] == [["skola"]]
    log = ok(client.get(f"/api/v1/audit/cases/{case_id}/disclosures", params={"agency": "skola"},
                        headers=users.auditor))
    row_changes = [(c["change"], c["fact"]["content"]["responsible_agencies"]) for c in log["changes"]
                   if c["fact"]["kind"] == "plan.row"]
    assert row_changes == [("disclosed", ["skola", "polis"]), ("disclosed", ["skola"]), ("ended", ["skola", "polis"])]
