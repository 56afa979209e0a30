"""`sigill feed consume`, the reference consumer, as an agency's integration engineer runs it; and the follower
publishing by itself."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from pydantic import SecretStr

from services.bootstrap import build_feed_publisher, build_ledger, kafka_options
from services.follower import Follower
from services.settings import ConfigurationError
from tests.builders import POLICE
from tests.concurrency import eventually
from tests.integration.feed_history import all_published
from tests.integration.test_kafka_feed import kafka_settings, on_topic, realistic_case, runner  # noqa: F401


def consume(settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SIGILL_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
           "SIGILL_KAFKA_TOPIC_PREFIX": settings.kafka_topic_prefix, "SIGILL_DATA_DIR": str(settings.data_dir)}
    return subprocess.run([sys.executable, "-m", "services.cli", "feed", "consume", *args], capture_output=True,
                          text=True, timeout=60, env=env)


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
    unknown = consume(feeds, "--agency", "ingen", "--municipality", "0180")
    assert unknown.returncode == 1 and unknown.stderr.strip() == "sigill: unknown agency 'ingen'"


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
    assert result.returncode == 1
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
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    scram = production.model_copy(update={
        "kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "SCRAM-SHA-512",
        "kafka_sasl_username": "sigill", "kafka_sasl_password": SecretStr("hemligt"), "kafka_ssl_cafile": tmp_path / "ca.pem"})
    assert kafka_options(scram) == {"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512",
                                    "sasl_plain_username": "sigill", "sasl_plain_password": "hemligt",
                                    "ssl_cafile": str(tmp_path / "ca.pem")}
