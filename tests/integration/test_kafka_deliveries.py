"""The record of Kafka deliveries (``feed_deliveries``): what the broker acknowledged, to which topic, partition and
offset, and when — ids and positions only, append-only, so an auditor can say when an agency's topic got a fact."""

from __future__ import annotations

from datetime import datetime, timezone

import psycopg
import pytest

from gateways.kafka_publisher import KafkaMessageSink
from services.feed_publisher import BrokerUnavailable
from tests.integration.feed_history import STOCKHOLM
from tests.integration.test_feed_offers import command_by_command, offering  # noqa: F401 (a fixture)
from tests.integration.test_kafka_feed import AGENCIES, publisher, realistic_case  # noqa: F401 (a fixture)
from tests.integration.test_backup_restore import cli
from tests.builders import BORN_2009_03_14
from tests.kafka_broker import header, read_topic
from tests.service_behaviour import NAME

# Ids and positions, nothing else: no name, personnummer or content can be stored in such a row.
COLUMNS = {"id": "bigint", "acknowledged_at": "timestamp with time zone", "feed": "text", "agency": "text",
           "epoch": "text", "seq": "bigint", "event_id": "uuid", "case_id": "uuid", "fact_id": "text",
           "topic": "text", "kafka_partition": "integer", "kafka_offset": "bigint"}
UNREACHABLE = {"request_timeout_ms": 500, "delivery_timeout_ms": 1000, "max_block_ms": 500,
               "bootstrap_timeout_ms": 500, "reconnect_backoff_max_ms": 100}


def test_a_publish_records_exactly_what_the_broker_acknowledged_where_and_when(app, runner, publisher):
    cases = [realistic_case(app), realistic_case(app)]
    runner.catch_up()
    before = datetime.now(timezone.utc)
    publisher.publish_pending()
    after = datetime.now(timezone.utc)
    for agency in AGENCIES:
        topic = publisher.topic(agency, STOCKHOLM)
        records = read_topic(publisher.sink.where, topic, expect=len(runner.store.disclosure_log(agency=agency)))
        delivered = runner.store.deliveries(agency=agency)
        assert sorted((d["topic"], d["kafka_partition"], d["kafka_offset"], str(d["event_id"])) for d in delivered) \
            == sorted((r.topic, r.partition, r.offset, header(r, "event_id")) for r in records), agency
        assert [d["seq"] for d in delivered] == list(range(1, len(records) + 1))  # the feed's numbers, in order
        assert {d["feed"] for d in delivered} <= {f"{agency}.{STOCKHOLM}"}
        assert all(before <= d["acknowledged_at"] <= after for d in delivered)
    one = runner.store.deliveries(case_id=cases[0], agency="skola")
    assert one and {d["case_id"] for d in one} == {cases[0]}
    public = runner.store.fact_ids()
    assert sorted((d["event_id"], d["fact_id"]) for d in one) == sorted(
        (r["event_id"], public(r["case_id"], r["fact_id"]))
        for r in runner.store.disclosure_log(case_id=cases[0], agency="skola"))
    publisher.publish_pending()   # nothing new: nothing sent, nothing recorded
    assert len(runner.store.deliveries()) == sum(len(runner.store.disclosure_log(agency=a)) for a in AGENCIES)


def test_offered_batches_are_recorded_once_acknowledged_with_their_positions(app, runner, offering):
    """Sent without waiting for the broker's answer: recorded when their positions are stored, not before."""
    command_by_command(app, runner)
    sent = offering.publish_pending()
    assert sent and runner.store.deliveries() == []   # sent; whether acknowledged is not yet known here
    offering.settle(wait=True)
    offering.store_positions()
    delivered = runner.store.deliveries()
    assert len(delivered) == len({d["event_id"] for d in delivered}) == sum(
        len(runner.store.disclosure_log(agency=a)) for a in AGENCIES)
    for agency in AGENCIES:
        records = read_topic(offering.sink.where, offering.topic(agency, STOCKHOLM), expect=len(
            [d for d in delivered if d["agency"] == agency]))
        assert sorted((r.partition, r.offset, header(r, "event_id")) for r in records) == sorted(
            (d["kafka_partition"], d["kafka_offset"], str(d["event_id"])) for d in delivered if d["agency"] == agency)


def test_an_unacknowledged_publish_records_nothing_and_its_retry_records_once(app, runner, publisher):
    realistic_case(app)
    runner.catch_up()
    working = publisher.sink
    publisher.sink = KafkaMessageSink("127.0.0.1:9", producer=UNREACHABLE)   # nothing listens there
    with pytest.raises(BrokerUnavailable):
        publisher.publish_pending()
    assert runner.store.deliveries() == []
    publisher.sink = working
    publisher.publish_pending()
    delivered = runner.store.deliveries()
    assert len(delivered) == len({d["event_id"] for d in delivered}) == sum(
        len(runner.store.disclosure_log(agency=a)) for a in AGENCIES)


def test_an_agencys_deliveries_name_only_its_own_messages(app, runner, publisher):
    case_id = realistic_case(app)
    runner.catch_up()
    publisher.publish_pending()
    receiving = 0
    for agency in AGENCIES:
        own = {r["event_id"] for r in runner.store.disclosure_log(agency=agency)}
        delivered = runner.store.deliveries(case_id=case_id, agency=agency)
        assert {d["event_id"] for d in delivered} == own, agency
        assert {(d["agency"], d["topic"]) for d in delivered} <= {(agency, publisher.topic(agency, STOCKHOLM))}
        receiving += bool(delivered)
    assert receiving >= 3   # social services, the police and the school each got something of the case


def test_the_record_holds_ids_and_positions_only_and_refuses_every_change(app, runner, publisher, postgres):
    realistic_case(app)
    runner.catch_up()
    publisher.publish_pending()
    schema = runner.store.datastore.schema
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        columns = dict(conn.execute("SELECT column_name, data_type FROM information_schema.columns"
                                    " WHERE table_schema = %s AND table_name = 'feed_deliveries'", (schema,)))
        assert columns == COLUMNS
        rows = [text for (text,) in conn.execute(psycopg.sql.SQL("SELECT t::text FROM {}.feed_deliveries t").format(
            psycopg.sql.Identifier(schema)))]
        assert rows and not [row for row in rows for secret in (NAME, BORN_2009_03_14, BORN_2009_03_14[2:])
                             if secret in row]
        for change in ("UPDATE {}.feed_deliveries SET seq = 0", "DELETE FROM {}.feed_deliveries",
                       "TRUNCATE {}.feed_deliveries"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(psycopg.sql.SQL(change).format(psycopg.sql.Identifier(schema)))
    delivered = runner.store.deliveries()
    runner.rebuild()   # the feeds are numbered anew; what was delivered stays on record
    assert runner.store.deliveries() == delivered


def test_an_auditor_reads_a_cases_deliveries_to_one_agency_and_the_read_is_logged(app, runner, publisher, settings,
                                                                                master_key, postgres):
    """`sigill audit deliveries --case C --agency A`: "message M of case C reached A's topic at T", a line each."""
    case_id, other = realistic_case(app), realistic_case(app)
    runner.catch_up()
    publisher.publish_pending()
    number = app.get_case(case_id).case_number
    result = cli(settings, master_key, postgres, "audit", "deliveries", "--case", number, "--agency", "skola",
                 "--purpose", "JO 123-2026")
    assert result.returncode == 0, result.stderr
    delivered = runner.store.deliveries(case_id=case_id, agency="skola")
    lines = result.stdout.splitlines()
    assert len(lines) == len(delivered) > 0
    for line, d in zip(lines, delivered):
        assert f"{d['topic']} partition {d['kafka_partition']} offset {d['kafka_offset']}" in line
        assert f"uppgift {d['fact_id']}" in line and f"event_id {d['event_id']}" in line and "Skolan" in line
    assert not {str(d["event_id"]) for d in runner.store.deliveries(case_id=other)} & set(result.stdout.split())
    logged = cli(settings, master_key, postgres, "audit", "access-log", "--case", str(case_id))
    assert "Kafka-leveranserna (granskning): Skolan" in logged.stdout and "JO 123-2026" in logged.stdout
    unknown = cli(settings, master_key, postgres, "audit", "deliveries", "--case", number, "--agency", "skolan")
    assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1 and "the agencies:" in unknown.stderr
