"""Finishing a build of the views from the first event (``gateways/build_finish.py``), as a review found it could
fail: a first build the follower began, a rebuild another process left unfinished, the publisher's offered path
during a build, ends found before the lock while the views were behind, and the stored-log check after rebuilds."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest

from domain.disclosure import RULES_VERSION
from gateways.batch_sealing import event_id_bytes
from gateways.build_finish import RULES_END_ID
from services.bootstrap import build_view_runner
from services.feed_publisher import FeedPublisher
from services.follower import Follower
from services.ports import FeedsRebuilding, ViewsMovedOn
from services.stored_log import compare, replaced_logs
from tests.builders import POLICE, SCHOOL
from tests.integration.test_agency_views import busy_case, never_shown, shown_by_older_rules
from tests.integration.test_feed_store import SKOLA, KeptSink, withdrawn_long_ago
from tests.service_behaviour import consenting_school, contributed_case


@pytest.fixture
def other(app, settings, postgres):
    """A second process on the same database (`sigill views rebuild`, an API worker)."""
    runner = build_view_runner(app, settings, postgres)
    yield runner
    runner.store.close()


def withdrawn_note(messages) -> list:
    """The school's messages with the police's note its consent's withdrawal ended (the police's own are its own)."""
    return [m for m in messages if m.feed == SKOLA and m.content and m.content.get("text") == "Skolk observerat."]


def reading_during(runner, app) -> tuple[list, list]:
    """Each batch written: an HTTP poll of the school's feed (what it read, and each refusal)."""
    reads, refused = [], []

    def during(written) -> None:
        try:
            reads.extend(runner.store.feed(SKOLA, 0, 10_000, now=app.clock.now()))
        except FeedsRebuilding:
            refused.append(written)
    runner.written = during
    runner.batch_size = 1
    return reads, refused


def test_a_first_build_the_follower_begins_blocks_the_feeds_too(app, runner):
    """`sigill serve` on a restored database (events, no views): the follower records the rules' version first."""
    withdrawn_long_ago(app)
    follower = Follower(runner, ledger=None)
    assert follower._rebuild_under_todays_rules()
    reads, refused = reading_during(runner, app)
    follower.step(calendar_due=False)
    assert refused and not reads and not runner.store.feeds_building()


def test_a_rebuild_another_process_left_unfinished_is_finished_by_whoever_catches_up(app, runner, other,
                                                                                     monkeypatch):
    withdrawn_long_ago(app)
    follower = Follower(runner, ledger=None)
    assert follower._rebuild_under_todays_rules()
    follower.step(calendar_due=False)
    assert not runner.build_due

    def moved_on(*args, **kwargs):
        raise ViewsMovedOn("the follower wrote this batch first")
    monkeypatch.setattr(other, "_catch_up_from", moved_on)
    other.rebuild()   # `sigill views rebuild` gives up after clearing
    assert runner.store.feeds_building()
    follower.step(calendar_due=False)
    assert runner.position == app.recorder.max_notification_id() and not runner.store.feeds_building()
    assert runner.store.feed(SKOLA, 0, 10) and not withdrawn_note(runner.store.feed(SKOLA, 0, 10_000))


def test_the_offered_path_publishes_nothing_of_a_first_build(app, runner):
    """The publisher's first stored round ran before any view (its thread starts with its follower); the first
    build keeps the epoch, so its batches followed what the publisher knew."""
    withdrawn_long_ago(app)
    sink = KeptSink()
    publisher = FeedPublisher(runner.store, sink, app.catalogue.agencies, now=app.clock.now)
    publisher.publish_pending()

    def offered(written) -> None:
        publisher.offer(written)
        publisher.publish_pending()
    runner.written = offered
    runner.batch_size = 1
    runner.catch_up()
    assert sink.sent == []
    publisher.publish_pending()   # the build done: the stored feeds, as the agency may see them now
    assert sink.sent and not withdrawn_note(sink.sent)


def test_a_rebuild_beginning_during_the_publishers_stored_round_is_seen(app, runner, other):
    withdrawn_long_ago(app)
    runner.catch_up()
    sink, store = KeptSink(), runner.store

    class Source:   # the store, with another process's rebuild beginning as the round reads the feeds' heads
        def __getattr__(self, name):
            return getattr(store, name)

        def feed_heads(self):
            answer = store.feed_heads()
            if not getattr(self, "done", False):
                self.done = True
                other.store.clear(app.name, building_to=app.recorder.max_notification_id())
                other.store.set_rules_version(RULES_VERSION)
            return answer
    publisher = FeedPublisher(Source(), sink, app.catalogue.agencies, now=app.clock.now)
    publisher.publish_pending()

    def offered(written) -> None:
        publisher.offer(written)
        publisher.publish_pending()
    runner.written, runner.batch_size = offered, 1
    runner.views.reset()
    runner._known = None
    runner.catch_up()
    assert not withdrawn_note(sink.sent)


def test_ends_found_while_the_views_were_behind_are_not_taken_for_none(app, runner, other, postgres):
    """Another process's rebuild had just cleared the views when this one looked (nothing found, behind); its
    catch-up passed the replaced log's position before this one got the lock."""
    case_id = busy_case(app)
    runner.catch_up()
    hidden = never_shown(runner, case_id, "skola")
    shown_by_older_rules(postgres, case_id, "skola", hidden)
    other.store.clear(app.name, building_to=app.recorder.max_notification_id())
    other.store.set_rules_version(RULES_VERSION)
    other.views.reset()
    other._known = None
    store, rows, seen = runner.store, runner.store._rows, []

    def looked(query, params, **how):
        answer = rows(query, params, **how)
        if "disclosure_log_replacements" in str(query) and not seen:
            seen.append(answer)
            finish, other.finish_build = other.finish_build, lambda: 0
            other.catch_up()   # commits while this process waits for the lock (its own finish comes later)
            other.finish_build = finish
        return answer
    store._rows = looked
    runner.finish_build()
    store._rows = rows
    other.finish_build()
    assert [r["change"] for r in store.disclosure_log(case_id, "skola") if r["fact_id"] == hidden.fact_id] == [
        "ended"]


def test_ends_written_after_another_process_renewed_the_ids_get_ids_under_the_stored_secret(app, runner, other,
                                                                                           postgres):
    """`sigill views rebuild --after-restore` run beside a server: its views caught up, and this process, which read
    the secret before, writes the ends.  Their event ids are made under the secret stored now, read under the log's
    lock, and published naming its generation — not under the old secret, whose ids the lost messages had (until
    2026-12-05 they were: the views' batches were checked, the ends not)."""
    case_id = busy_case(app)
    runner.catch_up()
    hidden = never_shown(runner, case_id, "skola")
    shown_by_older_rules(postgres, case_id, "skola", hidden)
    secret, generation = runner.store.feed_secret(), runner.store.id_generation()   # this process's, read before
    finish, other.finish_build = other.finish_build, lambda: 0
    other.rebuild(renew_ids=True)   # caught up to where the replaced log was; its ends left to this process
    other.finish_build = finish
    published = []
    runner.written = published.append
    assert runner.finish_build() == 1
    with psycopg.connect(postgres.conninfo()) as conn:
        stored, renewed = conn.execute("SELECT secret, id_generation FROM feed_state").fetchone()
    assert bytes(stored) != secret and renewed != generation
    [end] = [r for r in runner.store.disclosure_log(case_id, "skola") if r["fact_id"] == hidden.fact_id]
    assert end["change"] == "ended" and end["event_id"].bytes == event_id_bytes(
        bytes(stored), str(case_id), end["notification_id"], "skola", hidden.fact_id, RULES_END_ID, 0)
    [message] = runner.store.written_messages(published)
    assert (message.event_id, message.id_generation) == (end["event_id"], renewed)


def rules_end(store, case_id, fact) -> dict:
    [end] = [r for r in store.disclosure_log(case_id, "skola") if r["fact_id"] == fact.fact_id]
    assert end["change"] == "ended"
    return end


def stored_ids(postgres) -> tuple[bytes, str]:
    with psycopg.connect(postgres.conninfo()) as conn:
        secret, generation = conn.execute("SELECT secret, id_generation FROM feed_state").fetchone()
    return bytes(secret), generation


def made_under(secret: bytes, case_id, end, fact) -> bytes:
    """The id an end founded at ``end``'s position gets under ``secret`` (``build_finish._ends``)."""
    return event_id_bytes(secret, str(case_id), end["notification_id"], "skola", fact.fact_id, RULES_END_ID, 0)


def a_rebuilds_end(app, runner, postgres):
    """A case with a fact the school never saw, shown by older rules, and the end a rebuild wrote of it: the case,
    the fact, and the end's log row."""
    case_id = busy_case(app)
    runner.catch_up()
    hidden = never_shown(runner, case_id, "skola")
    shown_by_older_rules(postgres, case_id, "skola", hidden)
    app.clock.advance(timedelta(days=1))
    runner.rebuild()
    return case_id, hidden, rules_end(runner.store, case_id, hidden)


def test_an_end_written_again_keeps_its_id_within_a_generation_and_gets_one_of_the_new_after_a_renewal(
        app, runner, postgres):
    """A rebuild's end is written again in every later numbering; a consumer that handled it skips it by its id.
    After `sigill views rebuild --after-restore` its first id is the old secret's, and the consumers drop what they
    hold of the old generation: the end gets an id under the new secret (until 2026-12-05 it kept the old one, so a
    message of the new generation carried an old-generation id)."""
    case_id, hidden, first = a_rebuilds_end(app, runner, postgres)
    app.clock.advance(timedelta(days=1))
    runner.rebuild()
    kept = rules_end(runner.store, case_id, hidden)
    assert (kept["event_id"], kept["at"], kept["notification_id"]) == (
        first["event_id"], first["at"], first["notification_id"])
    published = []
    runner.written = published.append
    app.clock.advance(timedelta(days=1))

    runner.rebuild(renew_ids=True)

    secret, generation = stored_ids(postgres)
    again = rules_end(runner.store, case_id, hidden)
    assert (again["at"], again["notification_id"]) == (first["at"], first["notification_id"])   # the same end
    assert again["event_id"] != first["event_id"]
    assert again["event_id"].bytes == made_under(secret, case_id, again, hidden)
    messages = runner.store.written_messages(published)
    assert [m.id_generation for m in messages if m.event_id == again["event_id"]] == [generation]
    assert first["event_id"] not in {m.event_id for m in messages}
    assert agreement(app, runner.store, case_id).agrees   # written again as it was, for the stored-log check
    app.clock.advance(timedelta(days=1))
    runner.rebuild()   # within the new generation, its new id is kept
    assert rules_end(runner.store, case_id, hidden)["event_id"] == again["event_id"]


def test_an_end_of_a_log_replaced_before_generations_were_recorded_gets_an_id_under_the_stored_secret(
        app, runner, postgres):
    """An installation's replacements from before have no generation: not knowing which secret the end's id was
    made under, it is made anew under the stored one (after a renewal, not the old id)."""
    case_id, hidden, first = a_rebuilds_end(app, runner, postgres)
    finish, runner.finish_build = runner.finish_build, lambda: 0
    runner.rebuild(renew_ids=True)   # its ends not yet written: a process of the version before replaced the log
    runner.finish_build = finish
    with psycopg.connect(postgres.conninfo()) as conn:
        conn.execute("ALTER TABLE disclosure_log_replacements DISABLE TRIGGER append_only")   # its owner may
        conn.execute("UPDATE disclosure_log_replacements SET id_generation = NULL")
        conn.execute("ALTER TABLE disclosure_log_replacements ENABLE TRIGGER append_only")

    assert runner.finish_build() == 1

    secret, _ = stored_ids(postgres)
    again = rules_end(runner.store, case_id, hidden)
    assert again["event_id"] != first["event_id"]
    assert again["event_id"].bytes == made_under(secret, case_id, again, hidden)


def agreement(app, store, case_id):
    rows = store.disclosure_log(case_id)
    return compare(rows, app.disclosures(case_id, None, as_recorded=True), store.causes_stored_from(),
                   tuple(replaced_logs(store.replacements(), store.replaced_log(case_id), rows)))


def test_the_stored_log_agrees_after_one_two_and_three_rebuilds_and_names_a_deleted_end(app, runner, postgres):
    case_id = busy_case(app)
    runner.catch_up()
    hidden = never_shown(runner, case_id, "skola")
    shown_by_older_rules(postgres, case_id, "skola", hidden)
    for _ in range(3):
        app.clock.advance(timedelta(days=1))
        runner.rebuild()
        assert agreement(app, runner.store, case_id).agrees
    with psycopg.connect(postgres.conninfo()) as conn:
        conn.execute("ALTER TABLE disclosure_log DISABLE TRIGGER append_only")   # as its owner may: the trigger off
        conn.execute("DELETE FROM disclosure_log WHERE fact_id = %s AND agency = 'skola'", (hidden.fact_id,))
        conn.execute("ALTER TABLE disclosure_log ENABLE TRIGGER append_only")
    assert not agreement(app, runner.store, case_id).agrees


def test_a_builds_batches_are_prepared_without_plaintexts_and_a_catch_ups_with_them(app, runner):
    """The publisher sends a build's rows from the stored feeds once it is done, never from the plaintexts the writer
    hands it (``WrittenLog.building``): none is made for a first build's batches nor a rebuild's, while a catch-up's
    disclosures carry theirs."""
    case_id = contributed_case(app)
    written = []
    runner.written, runner.batch_size = written.append, 3
    runner.catch_up()   # the first views, over events already stored
    assert len(written) > 1 and all(w.building for w in written)
    assert any(row[5] == "disclosed" for w in written for row in w.rows)
    assert all(plain is None for w in written for plain in w.plains)
    written.clear()
    app.record_contribution(case_id, by=POLICE, category="school", text="Ny iakttagelse.")
    runner.catch_up()
    [caught_up] = written
    assert not caught_up.building and any(row[5] == "disclosed" for row in caught_up.rows)
    assert [plain is not None for plain in caught_up.plains] == [row[5] == "disclosed" for row in caught_up.rows]
    written.clear()
    runner.rebuild()
    assert len(written) > 1 and all(w.building and not any(w.plains) for w in written)


def test_what_a_build_writes_past_where_it_was_going_is_published_once_it_is_done(app, runner):
    """A build's round goes on past where it was going (events recorded meanwhile), its batches still a build's,
    written without plaintexts: the publisher sends them, content and all, from the stored feeds once it is done."""
    case_id = consenting_school(app)
    sink = KeptSink()
    publisher = FeedPublisher(runner.store, sink, app.catalogue.agencies, now=app.clock.now)
    publisher.publish_pending()
    going_to, building = [], []

    def offered(written) -> None:
        if not going_to:   # recorded after the build fixed where it was going: the round reaches it
            going_to.append(app.recorder.max_notification_id())
            app.record_contribution(case_id, by=POLICE, category="school", text="Skolk under bygget.")
        building.extend(row[8] for row in written.rows if written.building)
        publisher.offer(written)
        publisher.publish_pending()
    runner.written, runner.batch_size = offered, 2
    runner.catch_up()
    assert sink.sent == [] and max(building) > going_to[0]   # written by the build's round, as a build's
    publisher.publish_pending()
    assert [m.content["text"] for m in sink.sent if m.feed == SKOLA and m.content and "text" in m.content] == [
        "Skolk under bygget."]
    assert sorted_messages(sink.sent) == sorted_messages(stored_feeds(runner, app))


def sorted_messages(messages) -> list:
    return sorted(messages, key=lambda m: (m.feed, m.seq))


def stored_feeds(runner, app) -> list:
    """Every feed as an integration reading it over HTTP from the beginning gets it now."""
    return [m for feed in runner.store.feed_heads()[1] for m in runner.store.feed(feed, 0, 10_000, now=app.clock.now())]


def test_the_feeds_after_a_rebuild_carry_the_messages_they_carried_before(app, runner):
    """Kafka and HTTP: what was published of a first build (from the stored feeds) and of the catch-ups after it (from
    the writer's plaintexts) is published again, message for message, after a rebuild (from the stored feeds)."""
    case_id = contributed_case(app)
    sink = KeptSink()
    publisher = FeedPublisher(runner.store, sink, app.catalogue.agencies, now=app.clock.now)

    def offered(written) -> None:
        publisher.offer(written)
        publisher.publish_pending()
    runner.written, runner.batch_size = offered, 3
    runner.catch_up()
    publisher.publish_pending()
    for text in ("Ny iakttagelse.", "Närvaro 90 %."):
        app.clock.advance(timedelta(hours=1))
        app.record_contribution(case_id, by=POLICE if text.startswith("Ny") else SCHOOL, category="school", text=text)
        runner.catch_up()   # offered, and sent from the writer's plaintexts
    before, read_before = sorted_messages(sink.sent), sorted_messages(stored_feeds(runner, app))
    assert before == read_before and any(m.content and m.content.get("text") == "Närvaro 90 %." for m in before)
    sink.sent.clear()
    runner.rebuild()
    assert sink.sent == []
    publisher.publish_pending()
    assert sorted_messages(sink.sent) == before and sorted_messages(stored_feeds(runner, app)) == read_before
