"""A publisher whose database refuses its statements — a table or grant an upgrade added and `sigill database setup`
has not made where the owner is kept apart (``feed_deliveries``) — says so and what to run, not that the database
cannot be reached: that line sent an operator to the network while every round failed on the schema."""

from __future__ import annotations

import logging
import threading

from eventsourcing.persistence import OperationalError, ProgrammingError

from services.feed_publisher import FeedPublisher


class Refusing:
    """The stored feeds, as a database refusing every statement with ``error`` answers them."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __getattr__(self, name: str):
        def refused(*args, **kwargs):
            raise self.error
        return refused


class NoBroker:
    where = "broker:9092"

    def publish(self, topic, messages):
        raise AssertionError("nothing is sent while the feeds cannot be read")

    def send_all(self, batches):
        raise AssertionError("nothing is sent while the feeds cannot be read")

    def close(self) -> None:
        pass


def one_round(error: Exception, caplog) -> str:
    caplog.set_level(logging.WARNING, logger="sigill.feed")
    publisher = FeedPublisher(Refusing(error), NoBroker(), ["polis"], backoff=(0.01, 0.01))
    stop = threading.Event()
    thread = threading.Thread(target=publisher.run, args=(stop,))
    thread.start()
    try:
        for _ in range(200):
            if caplog.records:
                break
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join(5)
    return caplog.records[0].getMessage()


def test_a_refused_statement_names_the_setup_to_run(caplog):
    line = one_round(ProgrammingError('relation "sigill.feed_deliveries" does not exist'), caplog)
    assert "cannot be reached" not in line
    assert "sigill database setup" in line and "deploy/README.md" in line
    assert "feed_deliveries" not in line   # the class only, as every line of the publisher: a text could quote data


def test_an_unreachable_database_is_still_said_to_be_unreachable(caplog):
    assert "the database cannot be reached (OperationalError)" in one_round(OperationalError("timeout"), caplog)
