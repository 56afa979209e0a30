"""`sigill feed consume`, the reference consumer, as an agency's integration engineer runs it; and the follower
publishing by itself."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time

import pytest
from kafka import KafkaProducer
from pydantic import SecretStr

from projections.agency_feed import SCHEMA
from services.bootstrap.audit import build_ledger
from services.bootstrap.feeds import build_feed_publisher
from services.follower import Follower
from services.kafka_settings import kafka_options
from services.settings import ConfigurationError
from tests.builders import POLICE
from tests.concurrency import eventually
from tests.integration.feed_history import all_published
from tests.integration.test_kafka_feed import kafka_settings, on_topic, realistic_case
from tests.tls_postgres import _certificate_authority, _pem
from tests.kafka_broker import TansuBroker
from tests.servers import free_port


def feed_env(settings) -> dict[str, str]:
    return {**os.environ, "SIGILL_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
            "SIGILL_KAFKA_TOPIC_PREFIX": settings.kafka_topic_prefix, "SIGILL_DATA_DIR": str(settings.data_dir)}


def consume(settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "services.cli", "feed", "consume", *args], capture_output=True,
                          text=True, timeout=60, env=feed_env(settings))


def published_case(app, settings, postgres, runner, kafka_broker):
    """The realistic case's feeds published to the broker; the settings pointed at it, and the publisher."""
    feeds = kafka_settings(settings, kafka_broker.bootstrap)
    publisher = build_feed_publisher(app, feeds, postgres, runner)
    realistic_case(app)
    runner.catch_up()
    publisher.publish_pending()
    return feeds, publisher


def test_the_reference_consumer_prints_each_message_once_and_commits_what_it_handled(
        app, settings, postgres, runner, kafka_broker):
    feeds, publisher = published_case(app, settings, postgres, runner, kafka_broker)
    runner.store.reset_publication("skola")   # as after a crash: the whole feed is sent a second time
    publisher.publish_pending()
    publisher.sink.close()
    rows = runner.store.disclosure_log(agency="skola")

    first = consume(feeds, "--agency", "skola", "--municipality", "0180", "--from-beginning", "--group", "integration", "--idle-timeout", "1")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert len(lines) == len(rows)                                   # each message once …
    assert f"{len(rows)} meddelanden, {len(rows)} dubbletter" in first.stderr  # … though the topic has it twice
    assert sum("ended" in line for line in lines) == sum(r["change"] == "ended" for r in rows)
    assert any("Närvaro 80 %." in line for line in lines)            # the school's own contribution
    assert "Skolk observerat." not in first.stdout  # published after the withdrawal ended it: sent without content
    assert "Ny misstanke." not in first.stdout                     # the police's, by law to social services only

    again = consume(feeds, "--agency", "skola", "--municipality", "0180", "--group", "integration", "--idle-timeout", "1")
    assert again.returncode == 0 and again.stdout == ""              # its offsets were committed


def test_max_messages_handles_and_commits_that_many_and_the_next_run_goes_on_from_there(
        app, settings, postgres, runner, kafka_broker):
    feeds, publisher = published_case(app, settings, postgres, runner, kafka_broker)
    publisher.sink.close()
    total = len(runner.store.disclosure_log(agency="skola"))
    assert total > 5
    first = consume(feeds, "--agency", "skola", "--municipality", "0180", "--from-beginning", "--group", "steps", "--max-messages", "5")
    assert first.returncode == 0 and len(first.stdout.splitlines()) == 5, first.stderr
    rest = consume(feeds, "--agency", "skola", "--municipality", "0180", "--from-beginning", "--group", "steps", "--idle-timeout", "1")
    assert rest.returncode == 0 and len(rest.stdout.splitlines()) == total - 5, rest.stderr   # none lost, none twice
    assert not set(first.stdout.splitlines()) & set(rest.stdout.splitlines())


def test_bad_arguments_to_the_consumer_are_one_line_and_exit_2(settings, kafka_broker):
    feeds = kafka_settings(settings, kafka_broker.bootstrap)
    missing = consume(feeds)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "--agency" in missing.stderr
    zero = consume(feeds, "--agency", "skola", "--municipality", "0180", "--max-messages", "0")
    assert zero.returncode == 2 and "positive whole number" in zero.stderr
    huge = consume(feeds, "--agency", "skola", "--municipality", "0180", "--max-messages", "99999999999999999999")
    assert huge.returncode == 2 and huge.stderr.count("\n") == 1 and "at most 1,000,000,000 messages" in huge.stderr
    superscript = consume(feeds, "--agency", "skola", "--municipality", "0180", "--idle-timeout", "²")
    assert superscript.returncode == 2 and "positive whole number" in superscript.stderr
    unknown = consume(feeds, "--agency", "ingen", "--municipality", "0180")
    assert unknown.returncode == 2 and unknown.stderr.strip() == (
        "sigill: unknown agency 'ingen' (the agencies: arbetsformedlingen, bup, fritid, frivilligorganisation,"
        " missbruksvard, polis, sis, skola, socialtjanst)")


def produce(bootstrap: str, topic: str, values: list[bytes | None]) -> None:
    """Each value as a record on every partition of the topic, as a stray producer might write them."""
    producer = KafkaProducer(bootstrap_servers=[bootstrap], acks="all")
    try:
        for partition in sorted(producer.partitions_for(topic)):
            for value in values:
                producer.send(topic, key=b"stray", value=value, partition=partition)  # a null value needs a key
        producer.flush(timeout=10)
    finally:
        producer.close()


def test_records_the_consumer_cannot_read_are_skipped_with_a_warning_and_committed_past(
        app, settings, postgres, runner, kafka_broker):
    feeds, publisher = published_case(app, settings, postgres, runner, kafka_broker)
    unreadable = [b"not json {", None, b"[1, 2]", json.dumps({"schema": "sigill.disclosure/5"}).encode(),
                  json.dumps({"schema": SCHEMA, "event_id": "x"}).encode()]   # the current schema, fields missing
    produce(kafka_broker.bootstrap, publisher.topic("skola", "0180"), unreadable)
    realistic_case(app)   # good messages after the bad ones
    runner.catch_up()
    publisher.publish_pending()
    publisher.sink.close()
    rows = runner.store.disclosure_log(agency="skola")

    run = consume(feeds, "--agency", "skola", "--municipality", "0180", "--from-beginning", "--group", "strays",
                  "--idle-timeout", "2")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == len(set(lines)) == len(rows)                # every good message, each once
    warnings = [line for line in run.stderr.splitlines() if line.startswith("sigill: skipped the record")]
    assert len(warnings) == 3 * len(unreadable)                      # one line for each bad record on each partition
    assert all(re.match(r"sigill: skipped the record at partition \d, offset \d+: ", w) for w in warnings)
    assert sum("it is not JSON" in w for w in warnings) == 3
    assert sum("it has no value" in w for w in warnings) == 3
    assert sum("'sigill.disclosure/5', which this consumer does not know" in w for w in warnings) == 3
    assert sum(f"not a well-formed {SCHEMA} message" in w for w in warnings) == 3
    assert "Traceback" not in run.stderr
    assert f"{len(rows)} meddelanden, 0 dubbletter överhoppade, {len(warnings)} oläsbara överhoppade." in run.stderr

    again = consume(feeds, "--agency", "skola", "--municipality", "0180", "--group", "strays", "--idle-timeout", "1")
    assert again.returncode == 0 and again.stdout == "" and "skipped" not in again.stderr, again.stderr  # committed


def test_the_consumer_exits_non_zero_in_one_line_when_the_broker_goes_away(settings):
    broker = TansuBroker().start()   # its own: this one is killed
    feeds = kafka_settings(settings, broker.bootstrap)
    try:
        # --idle-timeout too: quiet because the broker is gone must not pass for quiet because nothing was sent
        consumer = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "feed", "consume", "--agency", "skola", "--municipality", "0180",
             "--idle-timeout", "20"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=feed_env(feeds))
        try:
            assert consumer.stderr.readline().startswith("Lyssnar på ")
            time.sleep(5)                # the group gives it its partitions in about 3 s
            broker.process.kill()        # a crash, not a goodbye
            killed = time.monotonic()
            out, err = consumer.communicate(timeout=60)
        finally:
            consumer.kill()
    finally:
        broker.stop()
    assert time.monotonic() - killed < 35        # 15 s without an answer, then leaving
    assert consumer.returncode == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith(
        f"sigill: kafka broker unreachable at {broker.bootstrap} (no broker has answered for 15 s)"), err


def test_a_malformed_bootstrap_server_list_is_refused_in_one_line_by_every_command(settings, kafka_broker):
    feeds = kafka_settings(settings, "127.0.0.1:notaport")
    refusal = ("sigill: SIGILL_KAFKA_BOOTSTRAP_SERVERS: '127.0.0.1:notaport' is not host:port"
               " (expected host:port[,host:port…], port 1–65535, an IPv6 address in brackets)\n")
    consumed = consume(feeds, "--agency", "skola", "--municipality", "0180")
    assert consumed.returncode == 1 and consumed.stderr == refusal
    published = subprocess.run([sys.executable, "-m", "services.cli", "feed", "publish"], capture_output=True,
                               text=True, timeout=60, env=feed_env(feeds))
    assert published.returncode == 78 and published.stderr == refusal   # not retried forever; EX_CONFIG


def test_the_follower_publishes_the_feeds_by_itself(app, settings, postgres, runner, kafka_broker):
    feeds = kafka_settings(settings, kafka_broker.bootstrap)
    publisher = build_feed_publisher(app, feeds, postgres, runner)
    follower = Follower(runner, build_ledger(app, settings, postgres), interval=0.05, publisher=publisher)
    stop = threading.Event()
    thread = threading.Thread(target=follower.run, args=(stop,), daemon=True)
    thread.start()
    try:
        case_id = realistic_case(app)
        app.record_contribution(case_id, by=POLICE, category="crime", text="Ännu en misstanke.", legal_basis="lul6")

        def published() -> bool:
            return all_published(runner.store)

        assert eventually(published)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    police = on_topic(publisher, "polis", expect=len(runner.store.disclosure_log(agency="polis")))
    assert any(m["content"] and m["content"].get("text") == "Ännu en misstanke." for m in police)


def test_publishing_without_kafka_configured_says_so_in_one_line(settings):
    env = {**os.environ, "SIGILL_DATA_DIR": str(settings.data_dir)}
    env.pop("SIGILL_KAFKA_BOOTSTRAP_SERVERS", None)
    result = subprocess.run([sys.executable, "-m", "services.cli", "feed", "publish"], capture_output=True,
                            text=True, timeout=60, env=env)
    assert result.returncode == 78   # EX_CONFIG: a long-running command's configuration refused
    assert result.stderr.strip() == "sigill: SIGILL_KAFKA_BOOTSTRAP_SERVERS is not set: there is no Kafka to publish to"


def test_kafka_security_settings_that_cannot_work_are_refused(settings, tmp_path):
    production = settings.model_copy(update={"environment": "production", "kafka_bootstrap_servers": "k:9093"})
    with pytest.raises(ConfigurationError, match="only over TLS"):
        kafka_options(production)
    with pytest.raises(ConfigurationError, match="SIGILL_KAFKA_SASL_MECHANISM"):
        kafka_options(production.model_copy(update={"kafka_security_protocol": "SASL_SSL"}))
    with pytest.raises(ConfigurationError, match="SIGILL_KAFKA_SSL_CAFILE names no file"):
        kafka_options(production.model_copy(update={"kafka_security_protocol": "SSL",
                                                    "kafka_ssl_cafile": tmp_path / "missing.pem"}))
    (tmp_path / "ca.pem").write_bytes(_pem(_certificate_authority("Kafka CA")[1]))   # loaded: a real one
    scram = production.model_copy(update={
        "kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "SCRAM-SHA-512",
        "kafka_sasl_username": "sigill", "kafka_sasl_password": SecretStr("hemligt"), "kafka_ssl_cafile": tmp_path / "ca.pem"})
    assert kafka_options(scram) == {"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512",
                                    "sasl_plain_username": "sigill", "sasl_plain_password": "hemligt",
                                    "ssl_cafile": str(tmp_path / "ca.pem")}


def test_a_consumer_pointed_where_no_broker_listens_says_what_to_check_in_one_line(settings):
    """An operator's walk met "kafka broker unreachable at HOST:PORT (…)" and nothing to act on."""
    feeds = kafka_settings(settings, f"127.0.0.1:{free_port()}")   # nothing listens there
    done = consume(feeds, "--agency", "skola", "--municipality", "0180", "--idle-timeout", "5")
    assert done.returncode == 1 and done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("sigill: kafka broker unreachable at 127.0.0.1:"), done.stderr
    assert done.stderr.rstrip().endswith(": check that Kafka runs there and that SIGILL_KAFKA_BOOTSTRAP_SERVERS and"
                                         " SIGILL_KAFKA_SECURITY_PROTOCOL are the cluster's"), done.stderr
