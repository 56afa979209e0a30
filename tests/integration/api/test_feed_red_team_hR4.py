"""Red team hR4 (2026-12-07): the agency feeds at calendar moments and at erasure.

Found: when a closed case's key was destroyed (gallring), every agency that had ever received a message of it got an
``erased`` message — also a school whose every fact had ended years before with the young person's withdrawal.  The
message's ``at`` is the moment of the erasure, which follows the case's last entry by the retention period: the
school learnt that the case lived on after the consent it had was withdrawn, and until when, and re-reading its feed
it found every old message of the case turned ``erased: true``.  Nothing may be disclosed under a consent after it
ends; an agency that holds nothing of the case needs no instruction to delete it.  Now only an agency that still sees
a fact of the case (its own, what a law carries to it, or what a consent in force still covers) is told, and to the
others the case's old messages read as they did before the erasure.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from uuid import UUID

from tests.builders import BORN_2009_03_14
from tests.integration.api.flows import ok, school_consent_ending, school_consented_case
from tests.integration.api.test_feed_http import everything

CASES = "/api/v1/cases"


def _of(items: list[dict], case_id: str) -> list[dict]:
    return [i["body"] for i in items if i["body"]["case_id"] == case_id]


def _store(client):
    return client.app.state.context.cases.lists.runner.store


def test_an_agency_that_holds_nothing_of_an_erased_case_reads_its_feed_as_before_the_erasure(client, users, tick,
                                                                                               app):
    """The school's facts all ended at the young person's withdrawal; the case went on a year and was closed, then
    culled.  The school's feed, read from the start or from its cursor, is exactly what it was before the erasure;
    the police, which recorded a note of its own, and social services are told to delete the case."""
    case_id, consents = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"{CASES}/{case_id}/contributions", headers=users.police,
                   json={"category": "crime", "text": "Polisens egen notering"}), 201)
    tick()
    ok(client.post(f"{CASES}/{case_id}/consents/{consents[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))
    before, last = everything(client, users.school, "skola")
    assert _of(before, case_id) and all(b["content"] is None for b in _of(before, case_id))
    police_before, police_last = everything(client, users.police, "polis")
    tick(60 * 24 * 365)   # the case lives on a year without the school
    ok(client.post(f"{CASES}/{case_id}/closure", headers=users.social, json={"reason": "other", "outcome": "Klart."}))
    app.keystore.destroy(UUID(case_id))
    _store(client).record_erasures()
    assert everything(client, users.school, "skola", after=last)[0] == []
    assert everything(client, users.school, "skola")[0] == before
    told, _ = everything(client, users.police, "polis", after=police_last)
    assert [b["change"] for b in _of(told, case_id)] == ["erased"]
    assert "erased" in {b["change"] for b in _of(everything(client, users.social, "socialtjanst")[0], case_id)}


def test_guard_a_fact_recorded_after_a_lapse_before_the_keeper_never_reaches_the_school(client, users, tick, app):
    """Guard: the consent ends at Stockholm midnight with no event on the case; at 00:05, before the calendar keeper
    has run, social services records a `school` note.  The school's feed never carries it — not before the keeper,
    not after — and its facts end dated at midnight, not when the end was noticed."""
    case_id = school_consent_ending(client, users, tick, valid_until="2026-02-10")
    _, last = everything(client, users.school, "skola")
    app.clock.set(datetime(2026, 2, 10, 23, 5, tzinfo=timezone.utc))   # 00:05 on the 11th in Stockholm
    ok(client.post(f"{CASES}/{case_id}/contributions", headers=users.social,
                   json={"category": "school", "text": "EFTER SAMTYCKETS SLUT"}), 201)
    first = everything(client, users.school, "skola", after=last)[0]
    client.app.state.context.cases.lists.runner.keep_calendar()
    after = everything(client, users.school, "skola", after=last)[0]
    assert "EFTER SAMTYCKETS SLUT" not in json.dumps(first + after, ensure_ascii=False)
    assert _of(after, case_id) and {(b["change"], b["at"]) for b in _of(after, case_id)} == {
        ("ended", "2026-02-10T23:00:00+00:00")}


def test_guard_a_guardian_given_custody_without_a_consent_ends_what_the_school_saw(client, users, tick):
    """Guard: under 18 a disclosure needs every custodial guardian's consent; a third guardian given custody, who has
    consented to nothing, ends every fact the school saw under consent at once, and the school is told nothing of
    the new guardian (its `family` is not covered)."""
    case_id, _ = school_consented_case(client, users, tick)
    _, last = everything(client, users.school, "skola")
    timeline = ok(client.get(f"{CASES}/{case_id}", headers=users.social))
    guardians = next(f for f in timeline["facts"] if f["kind"] == "guardians")["content"]["guardians"]
    tick()
    ok(client.post(f"{CASES}/{case_id}/guardians", headers=users.social, json={"guardians": [
        *({"guardian_id": g["guardian_id"], "name": g["name"], "has_custody": True} for g in guardians),
        {"name": "Ny Vårdnadshavare"}]}))
    after = _of(everything(client, users.school, "skola", after=last)[0], case_id)
    assert after and {b["change"] for b in after} == {"ended"}
    assert "Ny Vårdnadshavare" not in json.dumps(after, ensure_ascii=False)


def test_guard_no_name_or_personnummer_in_a_feed_item_s_cursor_headers_or_ids(client, users, tick):
    """Guard: the young person's name and personnummer and the guardians' names travel only in the content of the
    facts that carry them — never in a cursor (it goes into URLs and logs), a header (Kafka's are the HTTP item's),
    an event id, a fact id or the Kafka key (the case id)."""
    case_id, _ = school_consented_case(client, users, tick, categories=("case", "school", "family"))
    personal = ("Peter", "Exempel", "Maria", "Johan", BORN_2009_03_14, BORN_2009_03_14.replace("-", ""),
                BORN_2009_03_14[2:])
    for agency, reader in (("skola", users.school), ("socialtjanst", users.social)):
        items, last = everything(client, reader, agency)
        assert any("Peter Exempel" in json.dumps(i["body"]["content"], ensure_ascii=False) for i in items)
        for item in items:
            cursor = base64.urlsafe_b64decode(item["cursor"] + "=" * (-len(item["cursor"]) % 4)).decode()
            ids = [cursor, item["body"]["event_id"], item["body"]["fact_id"], item["body"]["case_id"],
                   *item["headers"].values()]
            assert not [p for p in personal for text in ids if p in text], item
