"""Every agency's feed on Kafka is one topic per municipality: each holds its own cases and nothing else.

Social services, the police, the school … are each one agency id across every municipality of an
installation; an agency's integration in one municipality reading its topic must never see another
municipality's case.  Its topic is exactly what a user of that agency and municipality reads over HTTP.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import psycopg
import pytest
from fastapi.testclient import TestClient

from gateways.jwt_tokens import DevTokens
from services.api.app import create_api
from services.bootstrap import build_api_context
from services.bootstrap.feeds import build_feed_publisher
from services.feed_publisher import BrokerUnavailable
from tests.builders import POLICE, SOCIAL
from tests.integration.test_kafka_feed import (AGENCIES, as_rows, kafka_settings, log_rows, on_topic,  # noqa: F401
                                               publisher, realistic_case)
from tests.integration.test_kafka_feed_cli import consume
from tests.kafka_broker import read_topic
from tests.service_behaviour import open_case

STOCKHOLM, LUND = "0180", "1281"


def lund_case(app):
    """A Lund case the police report to social services by law (LUL 6 §), with a member agency in the group."""
    case_id, _ = open_case(app, municipality=LUND)
    app.decide_eligibility(case_id, by=SOCIAL, accepted=True, reasons="Hög risk.", instruments=("SAVRY",),
                           decided_on=date(2026, 2, 2))
    app.clock.advance(timedelta(hours=1))
    app.add_member(case_id, by=SOCIAL, agency="polis",
                   contact_person="Sam", role="kontaktperson")
    app.record_contribution(case_id, by=POLICE, category="crime", text="LUNDS MISSTANKE", legal_basis="lul6")
    return case_id


@pytest.fixture
def http(app, settings, postgres):
    """The API, as a municipality's caseworker reads social services' feed over HTTP."""
    context = build_api_context(app, settings, postgres)
    client, tokens = TestClient(create_api(context), raise_server_exceptions=False), DevTokens(settings.data_dir)

    def feed(municipality: str) -> list[dict]:
        token = tokens.issue(subject=f"handlaggare-{municipality}", name="Namn Handläggare", agency="socialtjanst",
                             roles=["caseworker"], municipality=municipality)
        items, after = [], None
        while True:
            response = client.get("/api/v1/feeds/socialtjanst", headers={"Authorization": f"Bearer {token}"},
                                  params={"limit": 200, **({"after": after} if after else {})})
            assert response.status_code == 200, response.text
            page = response.json()
            items.extend(i["body"] for i in page["messages"])
            after = page["next"]
            if not page["more"]:
                return items

    yield feed
    context.close()


def test_each_municipalitys_topics_are_exactly_its_own_cases(app, runner, publisher, http):
    stockholm, lund = realistic_case(app), lund_case(app)
    runner.catch_up()
    assert publisher.publish_pending() == sum(len(runner.store.disclosure_log(agency=a)) for a in AGENCIES)

    lead = runner.store.disclosure_log(agency="socialtjanst")
    for municipality, case_id, other in ((STOCKHOLM, stockholm, lund), (LUND, lund, stockholm)):
        public = runner.store.fact_ids()
        expected = sorted((r["seq"], str(r["case_id"]), public(r["case_id"], r["fact_id"]), r["change"], r["basis"])
                          for r in lead if r["case_id"] == case_id)
        assert expected, municipality
        topic = on_topic(publisher, "socialtjanst", expect=len(expected), municipality=municipality)
        assert as_rows(topic) == expected, municipality                       # exactly its own case's log …
        assert str(other) not in json.dumps(topic), municipality              # … and nothing of the other's
        assert sorted(topic, key=lambda m: m["sequence"]) == http(municipality)  # what its caseworker reads
    stockholm_topic = json.dumps(on_topic(publisher, "socialtjanst", municipality=STOCKHOLM, whole=True),
                                 ensure_ascii=False)
    assert "LUNDS MISSTANKE" not in stockholm_topic
    for agency in AGENCIES:  # no topic an agency shares across municipalities
        assert read_topic(publisher.sink.where, f"{publisher.prefix}.{agency}.disclosures", whole=True) == [], agency

    for agency in ("polis", "skola", "bup"):  # the member agencies' topics: one per municipality, too
        for municipality, case_id in ((STOCKHOLM, stockholm), (LUND, lund)):
            expected = [(i, str(c), f, ch, b) for i, c, f, ch, b in log_rows(runner, agency) if c == case_id]
            topic = on_topic(publisher, agency, expect=len(expected), municipality=municipality)
            assert as_rows(topic) == expected, (agency, municipality)
    police_in_stockholm = json.dumps(on_topic(publisher, "polis", municipality=STOCKHOLM, whole=True),
                                     ensure_ascii=False)
    assert str(lund) not in police_in_stockholm and "LUNDS MISSTANKE" not in police_in_stockholm
    assert "LUNDS MISSTANKE" in json.dumps(on_topic(publisher, "polis", expect=1, municipality=LUND),
                                           ensure_ascii=False)
    assert publisher.publish_pending() == 0  # one position per feed, past everything published


def test_a_crash_between_two_municipalities_topics_only_repeats_the_batch(app, runner, publisher):
    stockholm, lund = realistic_case(app), lund_case(app)
    runner.catch_up()
    sink, sent = publisher.sink, []

    class FailsOnLund:  # the broker acknowledges Stockholm's part of the batch, then refuses Lund's
        where = sink.where

        def publish(self, topic, messages):
            if topic.endswith(f".{LUND}.disclosures"):
                raise BrokerUnavailable("refused")
            sent.append(topic)
            sink.publish(topic, messages)

        def close(self):
            pass

    publisher.sink = FailsOnLund()
    with pytest.raises(BrokerUnavailable, match="refused"):
        publisher.publish_pending()
    assert any(t.endswith(f".{STOCKHOLM}.disclosures") for t in sent)
    assert runner.store.publication_positions().get(f"socialtjanst.{LUND}", 0) == 0  # not past what Lund never got
    publisher.sink = sink
    publisher.publish_pending()

    lead = runner.store.disclosure_log(agency="socialtjanst")
    for municipality, case_id in ((STOCKHOLM, stockholm), (LUND, lund)):
        wanted = {str(r["event_id"]) for r in lead if r["case_id"] == case_id}
        topic = on_topic(publisher, "socialtjanst", expect=len(wanted), municipality=municipality)
        assert {m["event_id"] for m in topic} == wanted, municipality  # nothing lost; repeats share event ids


def test_the_reference_consumer_reads_one_municipalitys_topic(app, settings, runner, publisher):
    stockholm, lund = realistic_case(app), lund_case(app)
    runner.catch_up()
    publisher.publish_pending()
    feeds = settings.model_copy(update={"kafka_bootstrap_servers": publisher.sink.where,
                                        "kafka_topic_prefix": publisher.prefix})
    result = consume(feeds, "--agency", "socialtjanst", "--municipality", LUND, "--from-beginning",
                     "--idle-timeout", "1")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(runner.store.disclosure_log(case_id=lund, agency="socialtjanst"))
    assert all(f"case={lund}" in line for line in lines) and str(stockholm) not in result.stdout
    assert f"{publisher.prefix}.socialtjanst.{LUND}.disclosures" in result.stderr


def test_consuming_an_agencys_feed_needs_its_municipality(settings, kafka_broker):
    feeds = kafka_settings(settings, kafka_broker.bootstrap)
    for agency in ("socialtjanst", "skola"):
        missing = consume(feeds, "--agency", agency, "--idle-timeout", "1")
        assert missing.returncode == 2 and missing.stdout == "", agency   # argparse: a required option
        assert "--municipality" in missing.stderr and "Traceback" not in missing.stderr
        unknown = consume(feeds, "--agency", agency, "--municipality", "9999")
        assert unknown.returncode == 2 and unknown.stderr.startswith("sigill: unknown municipality '9999' (the codes: ")


def test_an_erased_case_is_erased_on_its_own_municipalitys_topic_and_on_no_other(app, runner, publisher):
    realistic_case(app)   # a Stockholm case beside it, on whose topic nothing of Lund's may appear
    lund = lund_case(app)
    runner.catch_up()
    publisher.publish_pending()  # the publisher learns where each case belongs while it can still be read
    app.keystore.destroy(lund)
    assert runner.store.record_erasures() > 0
    publisher.publish_pending()
    erased = [(m["case_id"], m["change"]) for m in on_topic(publisher, "socialtjanst", expect=1, municipality=LUND)
              if m["change"] == "erased"]
    assert erased == [(str(lund), "erased")]
    assert str(lund) not in json.dumps(on_topic(publisher, "socialtjanst", municipality=STOCKHOLM, whole=True))


def test_a_fresh_publisher_tells_the_erased_cases_municipality_to_delete_it(app, settings, postgres, runner,
                                                                           publisher, kafka_broker):
    stockholm, lund = realistic_case(app), lund_case(app)
    runner.catch_up()
    publisher.publish_pending()  # Lund's subscriber now holds the case's data
    held = len(runner.store.disclosure_log(case_id=lund, agency="socialtjanst"))
    got = {m["event_id"] for m in on_topic(publisher, "socialtjanst", expect=held, municipality=LUND)}
    app.keystore.destroy(lund)
    runner.store.record_erasures()
    # Another process, which never read the case while its key existed: only the stored mapping can place it.
    same_topics = kafka_settings(settings, kafka_broker.bootstrap, kafka_topic_prefix=publisher.prefix)
    fresh = build_feed_publisher(app, same_topics, postgres)
    fresh.source.reset_publication()  # its first round re-reads everything, the erased case included
    try:
        assert fresh.publish_pending() == sum(len(runner.store.disclosure_log(agency=a)) for a in AGENCIES)
    finally:
        fresh.sink.close()
        fresh.source.close()
    again = on_topic(publisher, "socialtjanst", expect=2 * held + 1, municipality=LUND)  # a re-read, then the news
    erasures = [m for m in again if m["change"] == "erased"]
    assert [(m["case_id"], m["content"]) for m in erasures] == [(str(lund), None)]
    assert erasures[0]["event_id"] not in got  # news to the subscriber that holds the data
    # Stockholm's topic as both publishers left it (each published its case once): read until all of it is in, for
    # a read expecting nothing gives up after 0.3 s of quiet, and the broker's first records can take about as long.
    published = 2 * len(runner.store.disclosure_log(case_id=stockholm, agency="socialtjanst"))
    stockholm_topic = json.dumps(on_topic(publisher, "socialtjanst", expect=published, municipality=STOCKHOLM))
    assert str(lund) not in stockholm_topic and str(stockholm) in stockholm_topic


def test_a_fresh_api_shows_the_erasure_to_the_cases_municipality_only(app, runner, http):
    lund = lund_case(app)
    runner.catch_up()
    app.keystore.destroy(lund)  # before the API process (the fixture's, built above) ever read the case
    runner.store.record_erasures()
    lund_feed = http(LUND)
    assert [(m["case_id"], m["change"], m["content"]) for m in lund_feed if m["change"] == "erased"] == [
        (str(lund), "erased", None)]
    assert len(lund_feed) == len(runner.store.disclosure_log(case_id=lund, agency="socialtjanst"))
    assert all(m["erased"] for m in lund_feed)  # what it received earlier: without content, marked erased
    assert http(STOCKHOLM) == []


def test_the_mapping_is_written_with_the_referral_kept_after_erasure_and_through_a_rebuild(app, runner, postgres):
    stockholm, lund = realistic_case(app), lund_case(app)
    runner.catch_up()
    assert mapping(postgres) == {stockholm: STOCKHOLM, lund: LUND}
    app.keystore.destroy(lund)
    runner.store.record_erasures()
    runner.catch_up()
    assert mapping(postgres) == {stockholm: STOCKHOLM, lund: LUND}  # erasure keeps it …
    runner.rebuild()
    assert mapping(postgres) == {stockholm: STOCKHOLM, lund: LUND}  # … and so does a rebuild
    with psycopg.connect(postgres.conninfo()) as conn:
        conn.execute("DELETE FROM case_municipality")  # views built before the table existed
    runner.rebuild()
    assert mapping(postgres) == {stockholm: STOCKHOLM}  # a live case is referred again; an erased one cannot be
    assert runner.store.case_municipality(lund) is None


def test_what_cannot_be_placed_in_a_municipality_reaches_no_topic(app, runner, publisher, postgres, caplog):
    lund = lund_case(app)
    runner.catch_up()
    with psycopg.connect(postgres.conninfo()) as conn:  # as in views built before the table existed, then
        conn.execute("DELETE FROM case_municipality")  # numbered when this version started on them
        conn.execute("ALTER TABLE disclosure_log DISABLE TRIGGER append_only")   # no trigger then
        conn.execute("UPDATE disclosure_log SET feed = NULL, seq = NULL")
        conn.execute("ALTER TABLE disclosure_log ENABLE TRIGGER append_only")
        conn.execute("TRUNCATE feed_sequence")
    runner.store.prepare_feeds(app.catalogue.lead_agency)
    withheld = len(runner.store.disclosure_log(case_id=lund, agency="socialtjanst"))
    published = publisher.publish_pending()
    assert published == 0  # the case is the only one: nothing of it can be placed, for any agency
    for municipality in app.catalogue.municipalities:
        assert read_topic(publisher.sink.where, publisher.topic("socialtjanst", municipality), whole=True) == []
        assert read_topic(publisher.sink.where, publisher.topic("polis", municipality), whole=True) == []
    assert f"{withheld} of socialtjanst's feed messages withheld" in caplog.text
    assert "sigill views rebuild" in caplog.text
    assert runner.store.publication_positions()["socialtjanst"] == withheld  # no stalled feed
    assert runner.store.publication_positions()["polis"] == len(runner.store.disclosure_log(case_id=lund,
                                                                                             agency="polis"))
    assert publisher.publish_pending() == 0 and caplog.text.count("withheld") == 2  # said once a feed


def mapping(postgres) -> dict:
    with psycopg.connect(postgres.conninfo()) as conn:
        return dict(conn.execute("SELECT case_id, municipality FROM case_municipality").fetchall())
