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

from psycopg.sql import SQL

from projections.agency_feed import event_id
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
    case_id = _school_withdrawn_beside_a_police_note(client, users, tick)
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


def _without(bodies: list[dict], *fields: str) -> list[dict]:
    return [{k: v for k, v in b.items() if k not in fields} for b in bodies]


def test_an_agency_not_told_of_an_erasure_reads_the_case_as_before_after_a_rebuild(client, users, tick, app):
    """Review of hR4's fix: a rebuild writes nothing of an erased case (its history no longer reads), so the school,
    never told of the erasure, found the case's messages gone from the new numbering — as they would not be of a
    case that still exists — and learnt it was erased before the rebuild.  Read from the start of the new numbering
    its messages of the case are those it read before: the same facts, kinds, changes, times, bases and `ended`s
    (and event ids: the ids are kept), without content, `erased` false; the police is still told."""
    runner, case_id, before = _erased_case_the_school_is_not_told_of(client, users, tick, app)
    runner.rebuild()
    runner.store.record_erasures()   # as the follower does after each round
    after = _of(everything(client, users.school, "skola")[0], case_id)
    assert _without(after, "sequence") == _without(before, "sequence")
    assert all(b["content"] is None and b["erased"] is False for b in after)
    police = _of(everything(client, users.police, "polis")[0], case_id)
    assert police and police[-1]["change"] == "erased" and all(b["erased"] for b in police)


def test_an_untold_agency_s_rows_stored_without_an_event_id_keep_the_feed_s_ids_after_a_rebuild(client, users,
                                                                                               tick, app):
    """Review (2026-12-07): rows written before event ids were stored (NULL) are named by the feed with occurrence
    0; a rebuild copying them for the untold school named them anew (a rules end's id, a counted occurrence), and
    the school saw those messages again under new ids.  Within one ids generation they keep the feed's ids."""
    runner, case_id, _ = _erased_case_the_school_is_not_told_of(client, users, tick, app)
    store = runner.store
    with store.datastore.transaction(commit=True) as curs:   # as a row written before event ids were stored
        curs.execute(SQL("ALTER TABLE {}.disclosure_log DISABLE TRIGGER append_only").format(store._s))
        curs.execute(SQL("UPDATE {}.disclosure_log SET event_id = NULL WHERE case_id = %s AND agency = 'skola'")
                     .format(store._s), (UUID(case_id),))
        curs.execute(SQL("UPDATE {}.disclosure_log SET cause = '[{{\"what\": \"rules_changed\"}}]'::jsonb"
                         " WHERE case_id = %s AND agency = 'skola' AND change = 'ended'").format(store._s),
                     (UUID(case_id),))   # and its ends a rules change's, which a rebuild names by RULES_END_ID
        curs.execute(SQL("ALTER TABLE {}.disclosure_log ENABLE TRIGGER append_only").format(store._s))
    before = _of(everything(client, users.school, "skola")[0], case_id)
    runner.rebuild()
    store.record_erasures()
    after = _of(everything(client, users.school, "skola")[0], case_id)
    assert [b["event_id"] for b in after] == [b["event_id"] for b in before]
    assert _without(after, "sequence") == _without(before, "sequence")


def test_after_a_renewal_of_the_ids_an_untold_agency_reads_the_case_as_before_under_the_new_ids(client, users,
                                                                                                 tick, app):
    """`sigill views rebuild --after-restore` renews the ids: the school's messages of the erased case come again,
    as before but named by the new generation (every event id new, the facts' public ids new and told apart as
    before); a plain rebuild after it keeps those ids."""
    runner, case_id, before = _erased_case_the_school_is_not_told_of(client, users, tick, app)
    runner.rebuild(renew_ids=True)
    runner.store.record_erasures()
    renewed = _of(everything(client, users.school, "skola")[0], case_id)
    named = ("sequence", "event_id", "fact_id", "id_generation")
    assert _without(renewed, *named) == _without(before, *named)
    assert not {b["event_id"] for b in renewed} & {b["event_id"] for b in before}
    stored = runner.store._rows(SQL("SELECT notification_id, fact_id, change FROM {}.disclosure_log WHERE case_id = %s"
                                    " AND agency = 'skola' ORDER BY seq").format(runner.store._s), (UUID(case_id),))
    secret = runner.store.ids_now().secret   # the views' batches would make these under the new secret
    assert [b["event_id"] for b in renewed] == [str(event_id(secret, UUID(case_id), r["notification_id"], "skola",
                                                             r["fact_id"], r["change"], 0)) for r in stored]
    facts = dict(zip((b["fact_id"] for b in before), (b["fact_id"] for b in renewed)))
    assert [facts[b["fact_id"]] for b in before] == [b["fact_id"] for b in renewed]
    assert len(set(facts.values())) == len(facts) and not set(facts.values()) & set(facts)
    runner.rebuild()
    runner.store.record_erasures()
    again = _of(everything(client, users.school, "skola")[0], case_id)
    assert _without(again, "sequence") == _without(renewed, "sequence")


def _erased_case_the_school_is_not_told_of(client, users, tick, app) -> tuple:
    """A case whose every fact ended to the school at a withdrawal, closed a year later and culled; the views'
    runner, the case and the school's messages of it (not told of the erasure)."""
    runner = client.app.state.context.cases.lists.runner
    case_id = _school_withdrawn_beside_a_police_note(client, users, tick)
    tick(60 * 24 * 365)
    ok(client.post(f"{CASES}/{case_id}/closure", headers=users.social, json={"reason": "other", "outcome": "Klart."}))
    runner.catch_up()
    runner.keep_calendar()   # the 18th birthday came meanwhile: recorded, the feeds read past it
    app.keystore.destroy(UUID(case_id))
    runner.store.record_erasures()
    before = _of(everything(client, users.school, "skola")[0], case_id)
    assert before and {b["change"] for b in before} >= {"disclosed", "ended"} and before[-1]["change"] == "ended"
    assert all(b["content"] is None and b["erased"] is False for b in before)
    return runner, case_id, before


def _school_withdrawn_beside_a_police_note(client, users, tick) -> str:
    """A case the school saw under the young person's consent until its withdrawal, with a note the police recorded
    of its own: the police holds something of the case after the withdrawal, the school nothing."""
    case_id, consents = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"{CASES}/{case_id}/contributions", headers=users.police,
                   json={"category": "crime", "text": "Polisens egen notering"}), 201)
    tick()
    ok(client.post(f"{CASES}/{case_id}/consents/{consents[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))
    return case_id
