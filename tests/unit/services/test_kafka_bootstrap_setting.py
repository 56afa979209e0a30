"""SIGILL_KAFKA_BOOTSTRAP_SERVERS and SIGILL_KAFKA_TOPIC_PREFIX are checked when the settings load: a typo is one line
naming the variable."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.cli import setting_problem
from services.settings import Settings


@pytest.mark.parametrize("value, loaded", [
    ("127.0.0.1:9092", "127.0.0.1:9092"),
    ("kafka-1.internal:9093,kafka-2.internal:9093", "kafka-1.internal:9093,kafka-2.internal:9093"),
    ("kafka-1:9093, kafka-2:9093", "kafka-1:9093,kafka-2:9093"),   # spaces after the commas are dropped
    ("[::1]:9092,[fe80::1%eth0]:65535", "[::1]:9092,[fe80::1%eth0]:65535"),
    ("localhost:1", "localhost:1"),
    ("", None),                                                    # empty is not set: nothing is published
])
def test_a_list_of_host_port_pairs_is_taken(monkeypatch, value, loaded):
    monkeypatch.setenv("SIGILL_KAFKA_BOOTSTRAP_SERVERS", value)
    assert Settings().kafka_bootstrap_servers == loaded


@pytest.mark.parametrize("value, named", [
    ("127.0.0.1:notaport", "'127.0.0.1:notaport'"),
    ("not a server list", "'not a server list'"),
    ("localhost:99999", "'localhost:99999'"),
    ("localhost:0", "'localhost:0'"),
    ("localhost", "'localhost'"),
    (":9092", "':9092'"),
    ("kafka-1:9093,", "''"),
    ("kafka-1:9093,kafka 2:9093", "'kafka 2:9093'"),
    ("::1:9092", "'::1:9092'"),                                    # IPv6 needs its brackets
])
def test_anything_else_is_refused_in_one_line_naming_the_variable_and_the_entry(monkeypatch, value, named):
    monkeypatch.setenv("SIGILL_KAFKA_BOOTSTRAP_SERVERS", value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    problem = setting_problem(refused.value)
    assert problem == (f"SIGILL_KAFKA_BOOTSTRAP_SERVERS: {named} is not host:port (expected host:port[,host:port…],"
                       " port 1–65535, an IPv6 address in brackets)")


@pytest.mark.parametrize("value", ["", "bad/prefix", "sigill kommun", "sigill:prod", "ärenden", "x" * 176])
def test_a_topic_prefix_kafka_would_refuse_is_refused_in_one_line_naming_the_variable(monkeypatch, value):
    # Taken, kafka-python refused every topic as the publisher sent it, a ValueError retried for ever.
    monkeypatch.setenv("SIGILL_KAFKA_TOPIC_PREFIX", value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert setting_problem(refused.value) == ("SIGILL_KAFKA_TOPIC_PREFIX: must be 1–175 characters of A–Z, a–z, 0–9,"
                                              " '.', '_' and '-' (it begins every topic's name)")


@pytest.mark.parametrize("value", ["sigill", "kommun-0180.test_feeds", "x" * 175])
def test_a_topic_prefix_of_kafka_s_characters_is_taken(monkeypatch, value):
    monkeypatch.setenv("SIGILL_KAFKA_TOPIC_PREFIX", value)
    assert Settings().kafka_topic_prefix == value
