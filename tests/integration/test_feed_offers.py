"""Batches the views' writer hands the publisher (sent without being read back) against the stored feeds.

What goes out from an offered batch must be exactly what reading the disclosure log would have sent — the
same bodies, numbers and event ids, and no content for a fact a later offered batch ended — and anything
the publisher cannot place after what it sent last (another process wrote the views, a rebuild numbered
the feeds anew, the broker refused a batch) is read from the stored feeds instead, losing nothing.
"""

from __future__ import annotations

import json
from datetime import timedelta
from uuid import UUID

import pytest

from projections.agency_feed import feed_of
from services.bootstrap import build_view_runner
from services.feed_publisher import BrokerUnavailable, FeedPublisher
from tests.builders import POLICE, SCHOOL, SOCIAL
from tests.integration.test_kafka_feed import AGENCIES, on_topic, publisher  # noqa: F401  (the fixture)
from tests.kafka_broker import read_topic
from tests.service_behaviour import consenting_school

STOCKHOLM = "0180"


@pytest.fixture
def offering(runner, publisher):  # noqa: F811  the fixtures imported above
    """The publisher told of every batch the runner commits, as the follower wires them."""
    runner.written = publisher.offer
    # As the follower starts on a new installation, before any event: its views are built from the start, not over
    # stored events (a first build over stored events is published from the stored feeds once done).
    assert runner.built_under_other_rules() is None
    publisher.publish_pending()  # a first round over the stored feeds: it learns where each feed stands
    return publisher


class Reads:
    """Counts the publisher's reads of the stored feeds."""

    def __init__(self, store) -> None:
        self.count, self._feed = 0, store.feed

    def __call__(self, *args, **kwargs):
        self.count += 1
        return self._feed(*args, **kwargs)


def feeds_of(agency: str) -> list[str]:
    return [feed_of(agency, STOCKHOLM)]  # every case here is Stockholm's


def stored_bodies(runner, agency: str) -> list[dict]:
    """The agency's feed as the stored log reads now (numbers from 1), as message bodies."""
    return [m.to_json() for feed in feeds_of(agency) for m in runner.store.feed(feed, 0, 10_000)]


def by_number(messages: list[dict]) -> list[dict]:
    return sorted(messages, key=lambda m: (m["feed"], m["sequence"]))


def command_by_command(app, runner) -> None:
    """A case whose every command is caught up on its own (one offered batch each); then a guardian withdraws."""
    case_id = consenting_school(app)
    runner.catch_up()
    for by, category, text in ((POLICE, "school", "Skolk observerat."), (SCHOOL, "school", "Närvaro 80 %.")):
        app.clock.advance(timedelta(minutes=5))
        app.record_contribution(case_id, by=by, category=category, text=text)
        runner.catch_up()
    mother = next(c for c in app.get_case(case_id).consents.values() if c.consenter != "young_person")
    app.withdraw_consent(case_id, by=SOCIAL, consent_id=mother.consent_id, consenter=mother.consenter)
    runner.catch_up()


def test_offered_batches_go_out_exactly_as_the_stored_feeds_read(app, runner, offering):
    reads = Reads(runner.store)
    runner.store.feed = reads
    command_by_command(app, runner)
    published = offering.publish_pending()
    assert reads.count == 0  # nothing was read back
    assert published == sum(len(stored_bodies(runner, a)) for a in AGENCIES) > 0
    for agency in AGENCIES:
        expected = stored_bodies(runner, agency)
        assert by_number(on_topic(offering, agency, expect=len(expected))) == by_number(expected), agency
    school = stored_bodies(runner, "skola")
    ended = {(m["case_id"], m["fact_id"]) for m in school if m["change"] == "ended"}
    assert ended  # the withdrawal ended facts the school had been shown, in earlier batches …
    assert all(m["content"] is None for m in school if (m["case_id"], m["fact_id"]) in ended)  # … sent bare
    case_id, reads.count = school[0]["case_id"], 0  # (the test's own reads above counted too)
    app.record_contribution(UUID(case_id), by=SCHOOL, category="school", text="Närvaro 90 %.")
    runner.catch_up()
    assert offering.publish_pending() >= 1 and reads.count == 0  # the next batch follows on, still unread
    assert by_number(on_topic(offering, "skola", expect=len(school) + 1)) == by_number(stored_bodies(runner, "skola"))


def test_positions_of_offered_batches_are_stored_and_a_restart_sends_nothing_again(app, runner, offering):
    command_by_command(app, runner)
    assert offering.publish_pending() > 0
    offering.settle(wait=True)  # the broker's answers taken in: what they acknowledged may be stored
    offering.store_positions()
    _, heads = runner.store.feed_heads()
    assert runner.store.publication_positions() == heads
    restarted = FeedPublisher(runner.store, offering.sink, app.catalogue.agencies,
                              prefix=offering.prefix)  # knows only what is stored
    assert restarted.publish_pending() == 0


def test_a_batch_written_by_another_process_is_read_from_the_stored_feed(app, runner, settings, postgres, offering):
    case_id = consenting_school(app)
    other = build_view_runner(app, settings, postgres)  # an API worker catching up for a case list
    try:
        other.catch_up()  # its batch is offered to nobody
        app.record_contribution(case_id, by=POLICE, category="school", text="Skolk observerat.")
        runner.catch_up()  # this one is offered, but does not follow what was sent
        reads = Reads(runner.store)
        runner.store.feed = reads
        offering.publish_pending()
        assert reads.count > 0
        for agency in ("skola", "polis"):
            expected = stored_bodies(runner, agency)
            got = on_topic(offering, agency, expect=len(expected))
            assert sorted(m["sequence"] for m in got) == list(range(1, len(expected) + 1)), agency  # once each
            assert by_number(got) == by_number(expected), agency
    finally:
        other.store.close()


class Refused:
    """The broker's answer to a batch it refused."""

    def done(self) -> bool:
        return True

    def wait(self) -> None:
        raise BrokerUnavailable("refused")


def test_a_refused_offered_batch_is_sent_again_from_the_stored_feed(app, runner, offering):
    sink = offering.sink

    class RefusesOnce:
        where, refused = sink.where, False

        def send_all(self, batches):
            if not RefusesOnce.refused:
                RefusesOnce.refused = True
                return Refused()
            return sink.send_all(batches)

        def close(self):
            pass

    offering.sink = RefusesOnce()
    command_by_command(app, runner)
    offering.publish_pending()  # sent; the refusal comes with the broker's answer
    with pytest.raises(BrokerUnavailable):
        offering.settle(wait=True)
    offering.sink = sink
    offering.publish_pending()  # nothing offered is left: the stored feeds are read from the positions
    expected = stored_bodies(runner, "skola")
    got = on_topic(offering, "skola", expect=len(expected))
    assert sorted(m["sequence"] for m in got) == list(range(1, len(expected) + 1))


class HeldAnswers:
    """The real broker behind it, but each batch counts as unanswered until ``release``."""

    def __init__(self, sink) -> None:
        self.sink, self.where, self.held, self.released = sink, sink.where, [], False

    def send_all(self, batches):
        answers = self.sink.send_all(batches)
        self.held.append(answers)
        outer = self

        class Held:
            def done(self) -> bool:
                return outer.released and answers.done()

            def wait(self) -> None:
                answers.wait()
        return Held()

    def close(self) -> None:
        pass


def test_an_offered_batch_goes_before_the_one_ahead_of_it_is_acknowledged_and_only_acknowledged_positions_are_stored(
        app, runner, offering):
    held = offering.sink = HeldAnswers(offering.sink)
    case_id = consenting_school(app)
    runner.catch_up()
    offering.publish_pending()
    offering.settle()
    offering.store_positions()
    acknowledged = runner.store.publication_positions()
    for text in ("Närvaro 70 %.", "Närvaro 80 %."):
        app.record_contribution(case_id, by=SCHOOL, category="school", text=text)
        runner.catch_up()
        assert offering.publish_pending() == 1  # sent, though no answer has been taken in
    assert len(held.held) == 3
    offering.settle()
    offering.store_positions()
    assert runner.store.publication_positions() == acknowledged  # nothing unanswered counts as published
    held.released = True
    assert offering.settle(wait=True) > 0
    offering.store_positions()
    assert runner.store.publication_positions()[feed_of("skola", STOCKHOLM)] == len(stored_bodies(runner, "skola"))
    got = on_topic(offering, "skola", expect=len(stored_bodies(runner, "skola")))
    assert [m["sequence"] for m in got] == list(range(1, len(got) + 1))  # in order, once each


def test_after_a_rebuild_elsewhere_an_offered_batch_of_the_new_numbering_is_not_trusted(
        app, runner, settings, postgres, offering):
    case_id = consenting_school(app)
    runner.catch_up()
    offering.publish_pending()
    before = stored_bodies(runner, "skola")
    other = build_view_runner(app, settings, postgres)
    try:
        other.rebuild()  # `sigill views rebuild` in another process: the feeds are numbered anew from 1
    finally:
        other.store.close()
    app.record_contribution(case_id, by=SCHOOL, category="school", text="Närvaro 80 %.")
    runner.catch_up()  # offered, numbered in the new epoch
    offering.publish_pending()
    after = stored_bodies(runner, "skola")
    got = [json.loads(r.value) for r in read_topic(offering.sink.where, offering.topic("skola", "0180"),
                                                    expect=len(before) + len(after))]
    assert len(got) == len(before) + len(after)  # the old numbering's, then the whole rebuilt feed again
    assert {m["event_id"] for m in got} == {m["event_id"] for m in after}  # the same ids: dedup absorbs it
