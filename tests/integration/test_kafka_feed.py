"""The agency feeds on a real Kafka-protocol broker (Tansu): each topic is exactly that agency's disclosure log."""

from __future__ import annotations

import json
from datetime import timedelta
from uuid import uuid4

import pytest

from projections.agency_feed import WITHHELD_BASIS, feed_of
from services.bootstrap.feeds import build_feed_publisher
from services.settings import Settings
from tests.builders import POLICE, SCHOOL, SOCIAL
from tests.integration.feed_history import (GOTHENBURG, STOCKHOLM, another_process, carries, global_positions,
                                            interleaved_history)
from tests.kafka_broker import header, read_topic
from tests.service_behaviour import consenting_school, contributed_case

AGENCIES = ("socialtjanst", "polis", "skola", "bup")


def kafka_settings(settings: Settings, bootstrap: str, **extra) -> Settings:
    """The test's settings, pointed at the broker, on topics no other test uses."""
    return settings.model_copy(update={"kafka_bootstrap_servers": bootstrap,
                                       "kafka_topic_prefix": f"t{uuid4().hex[:10]}", **extra})


@pytest.fixture
def publisher(app, settings, postgres, runner, kafka_broker):
    publisher = build_feed_publisher(app, kafka_settings(settings, kafka_broker.bootstrap), postgres, runner)
    yield publisher
    publisher.sink.close()


def realistic_case(app):
    """Consents for the school, the group, contributions from police and school, then a guardian withdraws."""
    case_id = contributed_case(app)
    withdraw_a_guardians_consent(app, case_id)
    return case_id


def withdraw_a_guardians_consent(app, case_id) -> None:
    """The end of ``realistic_case``: the school's consent-based facts of the case end (one event, one commit)."""
    app.clock.advance(timedelta(hours=1))
    mother = next(c for c in app.get_case(case_id).consents.values() if c.consenter != "young_person")
    app.withdraw_consent(case_id, by=SOCIAL, consent_id=mother.consent_id, consenter=mother.consenter)


def on_topic(publisher, agency: str, expect: int = 0, municipality: str = STOCKHOLM, whole: bool = False
             ) -> list[dict]:
    """The agency's topic in one municipality (every test case here is Stockholm's, unless it says); ``whole``:
    read to its end, for a check that something is not on it (``read_topic``)."""
    records = read_topic(publisher.sink.where, publisher.topic(agency, municipality), expect=expect, whole=whole)
    for r in records:  # headers and key agree with the body
        body = json.loads(r.value)
        assert header(r, "event_id") == body["event_id"] and r.key == body["case_id"].encode()
        assert header(r, "type") == f"{body['kind'] or 'withheld'}/{body['change']}"
        assert header(r, "schema_version") == "4"
    return [json.loads(r.value) for r in records]


def log_rows(runner, agency: str) -> list[tuple]:
    """The agency's disclosure log as (number in its feed, case, public fact id, change, basis), in the feed's order:
    the basis withheld of a fact the agency does not see now (schema 4)."""
    public = runner.store.fact_ids()
    rows = runner.store.disclosure_log(agency=agency)
    seen = {(c, f.fact_id) for c in {r["case_id"] for r in rows} for f in runner.store.facts(agency, c)}
    return sorted((r["seq"], r["case_id"], public(r["case_id"], r["fact_id"]), r["change"],
                   r["basis"] if (r["case_id"], r["fact_id"]) in seen else WITHHELD_BASIS) for r in rows)


def as_rows(messages: list[dict]) -> list[tuple]:
    return sorted((m["sequence"], m["case_id"], m["fact_id"], m["change"], m["basis"]) for m in messages)


def test_each_agencys_topic_carries_exactly_its_disclosure_log(app, runner, publisher):
    cases = [realistic_case(app), realistic_case(app)]
    runner.catch_up()
    published = publisher.publish_pending()
    assert published == sum(len(runner.store.disclosure_log(agency=a)) for a in app.catalogue.agencies)
    for agency in AGENCIES:
        expected = [(i, str(c), f, ch, b) for i, c, f, ch, b in log_rows(runner, agency)]
        # every case here is Stockholm's (0180): each agency's topic of that municipality has them all
        messages = on_topic(publisher, agency, expect=len(expected))
        assert as_rows(messages) == expected, agency
        for case_id in cases:  # one case is one key, one partition: in the log's order
            ids = [m["sequence"] for m in messages if m["case_id"] == str(case_id)]
            assert ids == sorted(ids)
    assert publisher.publish_pending() == 0  # the position is kept: nothing is sent twice


def test_every_record_names_the_ids_generation_and_a_renewal_of_the_ids_changes_it(app, runner, publisher):
    """A header, not the body (schema 4 unchanged): a consumer tells a renewal of every id after a restore (drop what
    it holds, take the feed again) from a plain rebuild, which sends every message again with the same ids."""
    realistic_case(app)
    runner.catch_up()
    publisher.publish_pending()
    count = len(runner.store.disclosure_log(agency="skola"))
    topic = publisher.topic("skola", STOCKHOLM)
    first = read_topic(publisher.sink.where, topic, expect=count)
    generation = header(first[0], "id_generation")
    assert len(generation) == 12 and {header(r, "id_generation") for r in first} == {generation}
    runner.rebuild()   # a plain rebuild: every message again, the same ids and generation
    publisher.publish_pending()
    rebuilt = read_topic(publisher.sink.where, topic, expect=2 * count)
    assert len(rebuilt) == 2 * count and {header(r, "id_generation") for r in rebuilt} == {generation}
    runner.rebuild(renew_ids=True)   # after a restore: every id new, and so the generation
    publisher.publish_pending()
    renewed_count = len(runner.store.disclosure_log(agency="skola"))
    every = read_topic(publisher.sink.where, topic, expect=2 * count + renewed_count)
    renewed = [r for r in every if header(r, "id_generation") != generation]
    assert len(renewed) == renewed_count and {header(r, "id_generation") for r in renewed} == {
        runner.store.id_generation()}
    assert not {header(r, "event_id") for r in renewed} & {header(r, "event_id") for r in first}


def test_a_running_publisher_publishes_ids_another_process_renewed_under_their_generation(app, runner, publisher,
                                                                                         settings, postgres):
    """`sigill views rebuild --after-restore` run while `sigill feed publish` runs: its next round's records name the
    new generation and carry the new fact ids (until 2026-12-05 they went on naming the old generation, and a consumer
    could not tell the renewal from a plain rebuild, until the publisher was restarted)."""
    realistic_case(app)
    runner.catch_up()
    publisher.publish_pending()
    topic = publisher.topic("skola", STOCKHOLM)
    first = read_topic(publisher.sink.where, topic, expect=len(runner.store.disclosure_log(agency="skola")))
    generation = header(first[0], "id_generation")
    with another_process(app, settings, postgres) as elsewhere:
        elsewhere.rebuild(renew_ids=True)
        renewed, public = elsewhere.store.id_generation(), elsewhere.store.fact_ids()
        log = elsewhere.store.disclosure_log(agency="skola")
    assert renewed != generation
    publisher.publish_pending()   # the publisher's process read nothing since the renewal
    every = read_topic(publisher.sink.where, topic, expect=len(first) + len(log))
    old_ids = {header(r, "event_id") for r in first}
    renewed_records = [r for r in every if header(r, "event_id") not in old_ids]   # read partition by partition
    assert len(every) == len(first) + len(log) and len(renewed_records) == len(log)
    assert {header(r, "id_generation") for r in renewed_records} == {renewed}
    again = sorted((json.loads(r.value) for r in renewed_records), key=lambda body: body["sequence"])
    assert [body["fact_id"] for body in again] == [public(r["case_id"], r["fact_id"]) for r in log]


def test_the_police_topic_never_carries_what_consent_withholds_from_the_police(app, runner, publisher):
    case_id = realistic_case(app)
    app.record_contribution(case_id, by=SCHOOL, category="health", text="Samtal med BUP-kurator.")
    runner.catch_up()
    publisher.publish_pending()
    police = on_topic(publisher, "polis", expect=len(runner.store.disclosure_log(agency="polis")))
    text = json.dumps(police, ensure_ascii=False)
    assert "Samtal med BUP" not in text and "Närvaro 80" not in text  # school facts: never consented to the police
    assert "Ny misstanke." in text                                   # its own contribution


def test_a_withdrawal_ends_the_schools_facts_at_once_and_nothing_more_is_disclosed_under_it(app, runner, publisher):
    case_id = consenting_school(app)
    app.record_contribution(case_id, by=POLICE, category="school", text="Skolk observerat.")
    runner.catch_up()
    publisher.publish_pending()
    before = on_topic(publisher, "skola", expect=len(runner.store.disclosure_log(agency="skola")))
    assert any(m["content"] and m["content"].get("text") == "Skolk observerat." for m in before)

    young = next(c for c in app.get_case(case_id).consents.values() if c.consenter == "young_person")
    withdrawal = app.withdraw_consent(case_id, by=SOCIAL, consent_id=young.consent_id, consenter="young_person")
    app.record_contribution(case_id, by=POLICE, category="school", text="Skolk igen.")
    runner.catch_up()
    publisher.publish_pending()  # one round after the withdrawal: its end messages are out
    after = on_topic(publisher, "skola", expect=len(runner.store.disclosure_log(agency="skola")))[len(before):]
    ended = [m for m in after if m["change"] == "ended"]
    caused = {str(r["event_id"]) for r in runner.store.disclosure_log(case_id, "skola")
              if r["notification_id"] == withdrawal.notification_id}
    assert ended and {m["event_id"] for m in ended} == caused and all(m["content"] is None for m in ended)
    assert any(m["fact_id"] == next(b["fact_id"] for b in before if b["content"] and
                                    b["content"].get("text") == "Skolk observerat.") for m in ended)
    assert {m["change"] for m in after} == {"ended"}  # the school has nothing of its own here: nothing else
    assert "Skolk igen." not in json.dumps(after, ensure_ascii=False)


def test_no_record_on_a_topic_carries_its_events_global_notification_id(app, runner, publisher, postgres):
    interleaved_history(app)
    runner.catch_up()
    publisher.publish_pending()
    lead = app.catalogue.lead_agency
    for agency, municipality in (("skola", STOCKHOLM), ("polis", STOCKHOLM), ("polis", GOTHENBURG),
                                 (lead, STOCKHOLM), (lead, GOTHENBURG)):
        expected = [r for r in runner.store.disclosure_log(agency=agency) if r["feed"] == feed_of(agency, municipality)]
        records = read_topic(publisher.sink.where, publisher.topic(agency, municipality), expect=len(expected))
        positions = global_positions(postgres, [json.loads(r.value)["event_id"] for r in records])
        assert len(records) == len(expected) == len(positions)
        for r in records:
            body = json.loads(r.value)
            nid, log_id = positions[body["event_id"]]
            body.pop("sequence"), body.pop("content")  # checked in test_feed_store.py
            headers = {name: value for name, value in r.headers if name != "schema_version"}
            for number in (nid, log_id):
                assert not carries(body, number) and not carries(headers, number) and not carries(r.key, number)


def test_each_topic_numbers_its_messages_1_to_n_though_hidden_activity_happens_between(app, runner, publisher):
    interleaved_history(app)
    runner.catch_up()
    publisher.publish_pending()
    lead = app.catalogue.lead_agency
    for agency, municipality in (("skola", STOCKHOLM), ("polis", STOCKHOLM), ("polis", GOTHENBURG),
                                 (lead, STOCKHOLM), (lead, GOTHENBURG)):
        feed = feed_of(agency, municipality)
        rows = [r for r in runner.store.disclosure_log(agency=agency) if r["feed"] == feed]
        topic = on_topic(publisher, agency, expect=len(rows), municipality=municipality)
        assert sorted(m["sequence"] for m in topic) == list(range(1, len(rows) + 1)), feed
        assert {m["feed"] for m in topic} == {feed}
        log_ids = sorted(r["id"] for r in rows)  # in the log every agency shares, others' rows came between
        assert log_ids[-1] - log_ids[0] + 1 > len(log_ids), feed


def test_a_feed_waits_at_a_consent_s_end_until_the_keeper_has_recorded_it_and_then_goes_on_with_content(
        app, runner, publisher):
    """As the HTTP feed: until the calendar keeper has recorded the end, nothing of the case goes out — and the
    feed waits there rather than sending it without content.  An integrator's review (2026-12-05): the school's
    own note, which stays visible, went out then without its content and was never sent again with it."""
    from datetime import date

    from tests.builders import utc
    from tests.service_behaviour import school_consented_until

    case_id = school_consented_until(app, date(2026, 2, 28))
    app.add_member(case_id, by=SOCIAL, agency="polis", contact_person="Per", role="kontakt")
    app.record_contribution(case_id, by=POLICE, category="school", text="Skolk observerat.")
    app.record_contribution(case_id, by=SCHOOL, category="school", text="Närvaro 80 %.")
    runner.catch_up()
    app.clock.set(utc(2026, 3, 1, 0))   # the consents have ended; no keeper has run
    publisher.publish_pending()
    assert [m for m in on_topic(publisher, "skola", whole=True) if m["case_id"] == str(case_id)] == []
    runner.keep_calendar()               # the keeper records the end
    publisher.publish_pending()
    published = [m for m in on_topic(publisher, "skola", expect=1) if m["case_id"] == str(case_id)]
    own = [m for m in published if m["content"] and m["content"].get("text") == "Närvaro 80 %."]
    assert own and own[0]["change"] == "disclosed"
    assert not any(m["content"] and m["content"].get("text") == "Skolk observerat." for m in published)
    police_note = {m["fact_id"] for m in published if m["change"] == "ended"}
    assert police_note and all(m["content"] is None for m in published if m["fact_id"] in police_note)
