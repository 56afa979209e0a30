"""The feed as the store reads it: an agency's disclosure log in order, with cursors and content as it may see it."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

import jsonschema_rs
import psycopg
import pytest
import yaml
from eventsourcing.persistence import Tracking

from domain.group_commands import PlanRowDraft
from domain.values import YOUNG_PERSON, Decision, Guardian, Outcome, ScopeEntry
from gateways import view_batch_rows
from gateways.batch_sealing import basis_jsonb, cause_jsonb
from gateways.feed_pages import view_where
from gateways.sealing import unseal
from projections.agency_feed import FeedMessage, event_id, feed_of
from projections.shown_facts import shown_content
from services.bootstrap import build_view_runner
from services.ports import ViewsMovedOn
from services.view_runner import CASE_TOPICS
from tests.builders import POLICE, SCHOOL, SOCIAL
from tests.service_behaviour import consenting_school, open_case, plan_next_meeting
from tests.integration.feed_history import (GOTHENBURG, STOCKHOLM, another_process, carries, global_positions,
                                            interleaved_history, unkeyed_event_id)
from tests.integration.test_agency_views import busy_case

SKOLA, POLIS = feed_of("skola", STOCKHOLM), feed_of("polis", STOCKHOLM)  # every feed is a municipality's


def test_the_feed_is_the_agencys_disclosure_log_in_order(app, runner):
    case_id = busy_case(app)
    runner.catch_up()
    for agency, feed_name in (("skola", SKOLA), ("polis", POLIS), ("socialtjanst", "socialtjanst.0180")):
        feed = runner.store.feed(feed_name, 0, 10_000)
        log = runner.store.disclosure_log(agency=agency)
        public = runner.store.fact_ids()  # a message names the logged fact by its public id
        seen = {f.fact_id for f in runner.store.facts(agency, case_id)}   # the basis of the rest is withheld
        assert [(m.seq, m.fact_id, m.change, m.basis) for m in feed] == [
            (r["seq"], public(r["case_id"], r["fact_id"]), r["change"], r["basis"] if r["fact_id"] in seen else
             {"kind": "withheld", "consent_ids": [], "legal_basis": None}) for r in log]
        assert {m.case_id for m in feed} == {case_id} and {m.agency for m in feed} == {agency}
        assert {m.feed for m in feed} == {feed_name}


def test_paging_by_cursor_gives_every_message_once(app, runner):
    busy_case(app)
    runner.catch_up()
    whole = runner.store.feed(SKOLA, 0, 10_000)
    pages, cursor = [], 0
    while page := runner.store.feed(SKOLA, cursor, 3):
        assert len(page) <= 3
        pages.extend(page)
        cursor = page[-1].seq
    assert pages == whole and len({m.event_id for m in whole}) == len(whole)


def test_a_disclosed_message_carries_the_content_the_view_shows_and_an_ended_one_none(app, runner):
    case_id = busy_case(app)
    runner.catch_up()
    feed = runner.store.feed(SKOLA, 0, 10_000)
    public = runner.store.fact_ids().of(case_id)
    own = {public(f.fact_id): shown_content(f.kind, f.content, lead=False)
           for f in runner.store.facts("skola", case_id)}
    disclosed = [m for m in feed if m.change == "disclosed"]
    for m in disclosed:
        if m.fact_id in own:
            assert m.content == own[m.fact_id]
    assert any(m.content for m in disclosed) and any(m.fact_id in own for m in disclosed)
    ended = [m for m in feed if m.change == "ended"]
    assert ended and all(m.content is None for m in ended)  # the withdrawal: stop using those facts


def test_a_fact_no_longer_visible_is_never_sent_again_by_reading_the_feed_anew(app, runner):
    case_id = consenting_school(app)
    app.record_contribution(case_id, by=POLICE, category="school", text="Skolk observerat.")
    runner.catch_up()
    before = [m for m in runner.store.feed(SKOLA, 0, 10_000) if m.content]
    assert any(m.content.get("text") == "Skolk observerat." for m in before)  # while the consent is in force
    young = next(c for c in app.get_case(case_id).consents.values() if c.consenter == "young_person")
    app.withdraw_consent(case_id, by=SOCIAL, consent_id=young.consent_id, consenter="young_person")
    runner.catch_up()
    again = runner.store.feed(SKOLA, 0, 10_000)  # a new integration reading from the beginning
    assert not any(m.content and m.content.get("text") == "Skolk observerat." for m in again)
    public = runner.store.fact_ids().of(case_id)
    seen = {public(f.fact_id) for f in runner.store.facts("skola", case_id)}
    assert {m.fact_id for m in again if m.content} <= seen


def test_reading_the_feed_anew_tells_neither_kind_nor_category_of_a_fact_no_longer_seen(app, runner):
    """A red team's finding: after the consent ended, reading the feed again still said each earlier message's kind
    and category — police.contribution/crime, member.joined/health: that BUP is in the group.  They are withheld,
    as content is, in the feed read again and in the messages the publisher sends of the change itself."""
    case_id = consenting_school(app)
    app.record_contribution(case_id, by=POLICE, category="school", text="Skolk observerat.")
    runner.catch_up()
    sent = []
    runner.written = sent.append
    young = next(c for c in app.get_case(case_id).consents.values() if c.consenter == "young_person")
    app.withdraw_consent(case_id, by=SOCIAL, consent_id=young.consent_id, consenter="young_person")
    runner.catch_up()
    public = runner.store.fact_ids().of(case_id)
    seen = {public(f.fact_id) for f in runner.store.facts("skola", case_id)}
    again = runner.store.feed(SKOLA, 0, 10_000)
    gone = [m for m in again if m.fact_id not in seen]
    assert gone and any(m.change == "ended" for m in gone)
    assert all(m.kind is None and m.category is None and m.content is None for m in gone)
    assert all(m.basis == {"kind": "withheld", "consent_ids": [], "legal_basis": None} for m in gone)   # its consents
    assert all(m.kind and m.category for m in again if m.fact_id in seen)   # what it sees keeps them
    ends = [m for m in runner.store.written_messages(sent) if m.change == "ended"]
    assert ends and all(m.kind is None and m.category is None and m.type == "withheld/ended" for m in ends)
    assert all(dict(m.headers())["basis_kind"] == b"withheld" and dict(m.headers())["basis_ids"] == b"" for m in ends)


def every_feed(runner) -> dict[str, list]:
    _, heads = runner.store.feed_heads()
    return {feed: [(m.seq, m.event_id, m.case_id, m.fact_id, m.change) for m in runner.store.feed(feed, 0, 10_000)]
            for feed in heads}


def test_a_rebuild_gives_every_feed_the_same_numbers_and_event_ids_in_a_new_epoch(app, runner):
    busy_case(app)
    interleaved_history(app)
    runner.catch_up()
    before, epoch = every_feed(runner), runner.store.feed_epoch()
    assert {SKOLA, POLIS, feed_of("socialtjanst", STOCKHOLM), feed_of("socialtjanst", GOTHENBURG)} <= set(before)
    runner.rebuild()
    assert every_feed(runner) == before
    assert runner.store.feed_epoch() != epoch  # cursors of the old numbering start again (tests/…/test_feed_http)


def test_a_page_counts_its_number_in_the_epoch_it_names_and_says_the_epoch_its_messages_are_numbered_in(app, runner):
    """``feed_page``: the epoch read with the messages; a number of another epoch reads from the first message."""
    interleaved_history(app)
    runner.catch_up()
    whole, epoch, ids = runner.store.feed(SKOLA, 0, 10_000), runner.store.feed_epoch(), runner.store.id_generation()
    assert len(whole) > 3
    assert runner.store.feed_page(SKOLA, epoch, 2, 10_000) == (epoch, ids, whole[2:])
    assert runner.store.feed_page(SKOLA, "0000abcd", 2, 10_000) == (epoch, ids, whole)   # another numbering's
    assert runner.store.feed_page(SKOLA, "", 2, 1) == (epoch, ids, whole[:1])   # no cursor yet
    runner.rebuild()
    renewed = runner.store.feed_epoch()
    assert renewed != epoch and runner.store.feed_page(SKOLA, epoch, 2, 10_000) == (renewed, ids, whole)


def test_each_feed_is_numbered_1_to_n_though_hidden_activity_happens_between_its_messages(app, runner):
    interleaved_history(app)
    runner.catch_up()
    for agency, feed in (("skola", SKOLA), ("polis", POLIS), ("socialtjanst", feed_of("socialtjanst", STOCKHOLM)),
                         ("socialtjanst", feed_of("socialtjanst", GOTHENBURG))):
        messages = runner.store.feed(feed, 0, 10_000)
        assert [m.seq for m in messages] == list(range(1, len(messages) + 1)), feed
        rows = {r["event_id"]: r for r in runner.store.disclosure_log(agency=agency)}
        log_ids = [rows[m.event_id]["id"] for m in messages]
        assert log_ids == sorted(log_ids), feed               # in the log's order …
        assert log_ids[-1] - log_ids[0] + 1 > len(log_ids), feed  # … with other feeds' rows between them
    school = [r["notification_id"] for r in runner.store.disclosure_log(agency="skola")]
    assert any(b - a > 1 for a, b in zip(school, school[1:]))  # events hidden from the school came in between


def test_no_message_carries_the_global_notification_id_of_its_event(app, runner, postgres):
    busy_case(app)
    interleaved_history(app)
    runner.catch_up()
    _, heads = runner.store.feed_heads()
    messages = [m for feed in heads for m in runner.store.feed(feed, 0, 10_000)]
    positions = global_positions(postgres, [str(m.event_id) for m in messages])
    internal = {r["event_id"]: r["fact_id"] for r in runner.store.disclosure_log()}
    assert len(positions) == len(messages)
    for m in messages:
        nid, log_id = positions[str(m.event_id)]
        body = json.loads(m.body())
        # Checked on their own: the number in its feed (1..n, above) and the content (the fact as the view
        # shows it).  The fact id is the public one, checked by test_fact_ids_in_messages_are_public_and_stable.
        assert body.pop("sequence") == m.seq and body["fact_id"] != internal[m.event_id]
        assert "notification_id" not in json.dumps(body.pop("content"))
        headers = dict(m.headers())
        assert headers.pop("schema_version") == b"4"  # a constant
        for number in (nid, log_id):
            assert not carries(body, number), (m.feed, m.seq, nid, log_id)
            assert not carries(headers, number) and not carries(m.key(), number)
        # the event id is keyed: no search over notification ids with a public formula finds it
        assert all(unkeyed_event_id(m.case_id, n, m.agency, internal[m.event_id], m.change) != m.event_id
                   for n in range(max(0, nid - 50), nid + 50))


def test_an_erased_case_keeps_its_messages_without_content(app, runner):
    erased, kept = busy_case(app), busy_case(app)
    runner.catch_up()
    app.keystore.destroy(erased)
    feed = runner.store.feed(SKOLA, 0, 10_000)
    assert {m.case_id for m in feed if m.erased} == {erased}
    assert all(m.content is None for m in feed if m.case_id == erased)
    assert any(m.content for m in feed if m.case_id == kept and not m.erased)


def test_an_erasure_message_takes_the_next_number_of_each_feed_that_knew_the_case(app, runner):
    cases = interleaved_history(app)
    runner.catch_up()
    _, before = runner.store.feed_heads()
    app.keystore.destroy(cases["school"])
    assert runner.store.record_erasures() == 3  # the school, the police and Stockholm's social services knew it
    _, after = runner.store.feed_heads()
    for feed in (SKOLA, POLIS, feed_of("socialtjanst", STOCKHOLM)):
        messages = runner.store.feed(feed, 0, 10_000)
        assert [m.seq for m in messages] == list(range(1, before[feed] + 2)), feed
        assert (messages[-1].change, messages[-1].case_id) == ("erased", cases["school"])
    assert after[feed_of("socialtjanst", GOTHENBURG)] == before[feed_of("socialtjanst", GOTHENBURG)]


def test_a_case_erased_before_a_rebuild_is_still_told_to_every_feed_that_knew_it(app, runner):
    """A review's finding: a rebuild between a key's destruction and the follower's round left nothing of the case
    in the log, so no erasure message was ever written, and the agencies that had it were never told."""
    cases = interleaved_history(app)
    runner.catch_up()
    app.keystore.destroy(cases["school"])
    runner.rebuild()   # the case's history no longer reads: the rebuilt log holds nothing of it
    assert not [r for r in runner.store.disclosure_log(cases["school"]) if r["change"] != "erased"]
    assert runner.store.record_erasures() == 3   # from the replaced log: the school, the police, Stockholm
    for feed in (SKOLA, POLIS, feed_of("socialtjanst", STOCKHOLM)):
        assert [(m.change, m.case_id) for m in runner.store.feed(feed, 0, 10_000)][-1] == ("erased", cases["school"])
    assert runner.store.record_erasures() == 0
    runner.rebuild()   # and again in each new numbering, for a consumer that starts over from its first message
    assert runner.store.record_erasures() == 3


def test_an_erasure_round_decides_each_erased_case_once_a_numbering(app, runner):
    """Every round weighed every erased case ever culled against every agency's log, for ever: a case with an agency
    not told (it holds nothing) was never marked, so the rounds grew with every erasure.  A case a round decided is
    not weighed again — until a rebuild's new numbering, which tells it again."""
    cases = interleaved_history(app)
    runner.catch_up()
    store, first, then = runner.store, cases["school"], busy_case(app)
    runner.catch_up()
    app.keystore.destroy(first)
    assert store.undecided_erasures() == {first}
    assert store.record_erasures() == 3
    assert store.undecided_erasures() == set()
    app.keystore.destroy(then)
    assert store.undecided_erasures() == {then}   # the next round weighs the new erasure alone
    assert store.record_erasures() > 0
    assert store.undecided_erasures() == set() and store.record_erasures() == 0
    runner.rebuild()   # a new numbering: both are told again, for a consumer that starts over
    assert store.undecided_erasures() == {first, then}
    assert store.record_erasures() > 3
    for feed in (SKOLA, POLIS, feed_of("socialtjanst", STOCKHOLM)):
        assert ("erased", first) in [(m.change, m.case_id) for m in store.feed(feed, 0, 10_000)]
    assert store.undecided_erasures() == set()


def test_a_key_destroyed_while_an_erasure_round_tells_is_left_for_the_next_round_not_marked_untold(app, runner):
    """The round marks decided the cases it read before telling: one `sigill erase` destroys while the round runs
    (each statement reads what is committed when it starts) was marked decided with no agency told, for good."""
    cases = interleaved_history(app)
    runner.catch_up()
    store, first, late = runner.store, cases["school"], busy_case(app)
    runner.catch_up()
    app.keystore.destroy(first)
    telling = store._tell_erased

    def erase_meanwhile(curs, rows):   # another process's `sigill erase`, committed while this round tells
        app.keystore.destroy(late)
        telling(curs, rows)
    store._tell_erased = erase_meanwhile
    try:
        assert store.record_erasures() == 3
    finally:
        store._tell_erased = telling
    assert store.undecided_erasures() == {late}   # left for the next round, which tells it
    assert store.record_erasures() > 0 and store.undecided_erasures() == set()
    assert ("erased", late) in [(m.change, m.case_id) for m in store.feed(POLIS, 0, 10_000)]


def test_feed_content_comes_sealed_from_the_view_and_is_bound_to_its_fact(app, runner, postgres):
    case_id = busy_case(app)
    app.record_contribution(case_id, by=POLICE, category="crime", text="Hemlig uppgift.", legal_basis="lul6")
    runner.catch_up()
    shown = [m.content for m in runner.store.feed(POLIS, 0, 10_000) if m.content is not None]
    assert any(c.get("text") == "Hemlig uppgift." for c in shown)
    with psycopg.connect(postgres.conninfo()) as conn:
        dump = repr(conn.execute("SELECT * FROM disclosure_log").fetchall())
        assert "Hemlig" not in dump and "Peter" not in dump
        # The log holds no content (its rows are metadata); a row of before, with some, is not read.
        assert conn.execute("SELECT count(*) FROM disclosure_log WHERE content IS NOT NULL").fetchone()[0] == 0
        conn.execute("ALTER TABLE disclosure_log DISABLE TRIGGER append_only")   # a row as it was written before 2026-12-03
        conn.execute("UPDATE disclosure_log SET content = '\\x00'::bytea WHERE agency = 'polis'")
        conn.execute("ALTER TABLE disclosure_log ENABLE TRIGGER append_only")
    assert [m.content for m in runner.store.feed(POLIS, 0, 10_000) if m.content is not None] == shown
    with psycopg.connect(postgres.conninfo()) as conn:
        rows = conn.execute("SELECT fact_id FROM view_facts WHERE agency = 'polis' AND case_id = %s"
                            " ORDER BY fact_id LIMIT 2", (case_id,)).fetchall()
        conn.execute("UPDATE view_facts SET content = (SELECT content FROM view_facts WHERE agency = 'polis'"
                     " AND case_id = %s AND fact_id = %s) WHERE agency = 'polis' AND case_id = %s AND fact_id = %s",
                     (case_id, rows[0][0], case_id, rows[1][0]))
    with pytest.raises(ValueError):  # moved bytes do not open: the associated data names the fact and agency
        runner.store.feed(POLIS, 0, 10_000)


def test_the_message_body_is_json_with_the_documented_fields(app, runner):
    busy_case(app)
    runner.catch_up()
    message = runner.store.feed(SKOLA, 0, 1)[0]
    body = message.to_json()
    assert body["schema"] == "sigill.disclosure/4" and body["sequence"] == message.seq == 1
    assert body["feed"] == SKOLA and "notification_id" not in body and "cursor" not in body
    assert body["event_id"] == str(message.event_id) and body["case_id"] == str(message.case_id)
    assert dict(message.headers())["event_id"] == str(message.event_id).encode()
    assert message.key() == str(message.case_id).encode()


SCHEMA_DIR = Path(__file__).resolve().parents[2] / "services" / "data" / "feeds"


def schema_validators():
    schema = json.loads((SCHEMA_DIR / "disclosure-message.schema.json").read_text())
    body = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    headers = jsonschema_rs.Draft202012Validator(schema["$defs"]["headers"], validate_formats=True)
    return body, headers


def test_every_message_fits_the_published_json_schema(app, runner):
    erased = busy_case(app)
    busy_case(app)
    runner.catch_up()
    app.keystore.destroy(erased)
    body, headers = schema_validators()
    _, heads = runner.store.feed_heads()
    messages = [m for feed in heads for m in runner.store.feed(feed, 0, 10_000)]
    assert {"disclosed", "ended"} <= {m.change for m in messages} and any(m.erased for m in messages)
    for message in messages:
        body.validate(json.loads(message.body()))
        headers.validate({name: value.decode() for name, value in message.headers()})


def test_the_headers_schema_is_open_so_a_header_added_later_rejects_no_record(app, runner):
    """Headers may be added without a new schema_version (id_generation was, on 2026-12-05): the closed headers
    schema of before made a client validating against its copy reject every record from then on.  The published
    one is open, and still checks the headers it names; a record published before id_generation fits it too."""
    busy_case(app)
    runner.catch_up()
    _, headers = schema_validators()
    for message in runner.store.feed(SKOLA, 0, 10_000):
        named = {name: value.decode() for name, value in message.headers()}
        assert "id_generation" in named
        headers.validate({**named, "trace_id": "a header of a later version"})
        headers.validate({name: value for name, value in named.items() if name != "id_generation"})
        assert not headers.is_valid({**named, "id_generation": "not a generation"})
    schema = json.loads((SCHEMA_DIR / "disclosure-message.schema.json").read_text())["$defs"]["headers"]
    assert schema["additionalProperties"] is True and "ignore a header you do not know" in schema["description"]


def every_kind_of_fact(app, midway: Callable[[], None]) -> None:
    """A case with every kind of fact domain/facts.py makes, for members (school, BUP) and social services: a
    duplicate confirmed, consents granted, narrowed and withdrawn, a plan, a meeting with every part, contributions,
    a follow-up, protected personal data recorded and lifted, a member leaving, a calendar moment and the closure.  ``midway`` is called before the ends (after
    them a member no longer sees what it saw)."""
    first, _ = open_case(app)
    app.clock.advance(timedelta(minutes=1))
    case_id, _ = open_case(app, despite_open_cases=[SimpleNamespace(case_id=first, case_number="0180-2026-0001")])
    app.decide_eligibility(case_id, by=SOCIAL, accepted=True, reasons="Hög risk.", instruments=("SAVRY", "BBIC"),
                           decided_on=date(2026, 2, 2))
    app.record_guardians(case_id, by=SOCIAL, guardians=(Guardian("", "Maria"), Guardian("", "Johan")))
    scope = (ScopeEntry("skola", ("case", "school", "family", "assessment", "health")),
             ScopeEntry("bup", ("case", "health", "school")))
    consents = {consenter: app.grant_consent(case_id, by=SOCIAL, consenter=consenter, scope=scope, purpose="Samverkan",
                                             valid_from=date(2026, 2, 4), valid_until=None, form="written").value
                for consenter in (YOUNG_PERSON, *app.get_case(case_id).guardians)}
    app.clock.advance(timedelta(days=1))
    app.note_calendar(case_id)   # the consents' first day
    for agency in ("skola", "bup", "polis"):
        app.add_member(case_id, by=SOCIAL, agency=agency, contact_person="Kim", role="kontaktperson")
    app.revise_plan(case_id, by=SOCIAL, main_goal="Sluta med brott", rows=(
        PlanRowDraft(area="Hälsa", goal="Inga droger.", how="Samtal.", responsible="BUP", responsible_agencies=("bup",)),
        PlanRowDraft(area="Skola", goal="I tid.", how="Alarm.", responsible="Skolan", responsible_agencies=("skola",))))
    app.record_meeting(case_id, by=SOCIAL, held_on=date(2026, 2, 4), attendees=("skola", "bup"),
                       other_attendees=("Den unge",), next_meeting=None,
                       outcomes=(Outcome("school", "skola", "Sen."), Outcome("health", "bup", "Samtal.")),
                       decisions=(Decision("Följ upp närvaron.", "school"),))
    app.record_contribution(case_id, by=SCHOOL, category="school", text="Närvaro 92 %.")
    app.record_contribution(case_id, by=POLICE, category="crime", text="Snatteri.", legal_basis="lul6")
    row = next(r for r in app.get_case(case_id).plan_rows.values() if r.area == "Skola")
    app.record_follow_up(case_id, by=SCHOOL, row_id=row.row_id, status="partly", note="Bättre.")
    app.record_protection(case_id, by=SOCIAL, protected=True, kind="skyddad_folkbokforing", since=date(2026, 2, 3))
    app.record_protection(case_id, by=SOCIAL, protected=False)
    plan_next_meeting(app, case_id, next_meeting=date(2026, 3, 4), kind="natverksmote")
    plan_next_meeting(app, case_id, next_meeting=None)
    midway()
    app.narrow_consent(case_id, by=SOCIAL, consent_id=consents[YOUNG_PERSON], consenter=YOUNG_PERSON,
                       scope=(ScopeEntry("skola", ("case", "school", "assessment", "health")), scope[1]),
                       valid_until=None)
    guardian = next(c for c in consents if c != YOUNG_PERSON)
    app.withdraw_consent(case_id, by=SOCIAL, consent_id=consents[guardian], consenter=guardian)
    app.remove_member(case_id, by=SOCIAL, agency="bup", reason="Klar.")
    app.close_case(case_id, by=SOCIAL, reason="goals_met", outcome="Målen nådda.")


def test_every_kind_of_facts_content_is_described_in_the_schema(app, runner):
    """The schema describes each kind's content (README, *What a message's content holds*): every kind a feed sends
    content of has its description, each described kind is sent, and every content fits its kind's."""
    read: dict[str, FeedMessage] = {}

    def read_every_feed() -> None:   # as a consumer following the feeds reads them
        runner.catch_up()
        _, heads = runner.store.feed_heads()
        read.update((str(m.event_id), m) for feed in heads for m in runner.store.feed(feed, 0, 10_000) if m.content)

    every_kind_of_fact(app, read_every_feed)
    read_every_feed()
    schema = json.loads((SCHEMA_DIR / "disclosure-message.schema.json").read_text())
    described = {name.removeprefix("content.") for name in schema["$defs"] if name.startswith("content.")}
    assert {m.kind for m in read.values()} == described
    body, _ = schema_validators()
    for message in read.values():
        body.validate(json.loads(message.body()))
    subject = next(json.loads(m.body()) for m in read.values() if m.kind == "case.subject")
    assert not body.is_valid({**subject, "content": {"name": "Peter Exempel"}})   # its kind's fields are required
    row = next(json.loads(m.body()) for m in read.values() if m.kind == "plan.row")
    assert not body.is_valid({**row, "content": {**row["content"], "revision": "1"}})   # and typed


def test_the_asyncapi_examples_fit_the_schema_too():
    document = yaml.safe_load((SCHEMA_DIR / "asyncapi.yaml").read_text())
    assert document["asyncapi"].startswith("3.")
    body, headers = schema_validators()
    examples = document["components"]["messages"]["disclosure"]["examples"]
    for example in examples:
        body.validate(json.loads(json.dumps(example["payload"])))
        headers.validate(example["headers"])
        assert example["headers"]["event_id"] == example["payload"]["event_id"]
        kind = example["payload"]["kind"]
        assert example["headers"]["type"] == f"{kind or 'withheld'}/{example['payload']['change']}"
    # The kind an integrator must act on, not just store (its own protected-identity handling), has an example.
    assert "case.protected" in {e["payload"]["kind"] for e in examples}
    # And the one that moves or calls off the next meeting a meeting planned.
    assert "meeting.scheduled" in {e["payload"]["kind"] for e in examples}


def test_a_database_built_before_feeds_were_numbered_is_numbered_when_a_process_starts(app, runner, settings,
                                                                                       postgres):
    interleaved_history(app)
    runner.catch_up()
    before = every_feed(runner)
    school_ids = [r["id"] for r in runner.store.disclosure_log(agency="skola")]
    with psycopg.connect(postgres.conninfo()) as conn:  # as the previous version left it: no feeds, no numbers,
        conn.execute("ALTER TABLE disclosure_log DISABLE TRIGGER append_only")   # no trigger then
        conn.execute("UPDATE disclosure_log SET feed = NULL, seq = NULL")  # and a position per agency (a log id)
        conn.execute("ALTER TABLE disclosure_log ENABLE TRIGGER append_only")
        conn.execute("TRUNCATE feed_sequence, feed_positions")
        conn.execute("CREATE TABLE feed_publication (agency text PRIMARY KEY, last_id bigint NOT NULL)")
        conn.execute("INSERT INTO feed_publication VALUES ('skola', %s), ('socialtjanst', %s)",
                     (school_ids[2], max(r["id"] for r in runner.store.disclosure_log())))
    fresh = build_view_runner(app, settings, postgres)  # a process of this version starting on it
    try:
        assert every_feed(fresh) == before  # the same numbers a rebuild would give; event ids kept
        lead = {feed: len(before[feed]) for feed in before if feed.startswith("socialtjanst.")}
        assert fresh.store.publication_positions() == {SKOLA: 3, **lead}  # what was sent stays sent
        with psycopg.connect(postgres.conninfo()) as conn:
            assert conn.execute("SELECT to_regclass('feed_publication')").fetchone()[0] is None
        app.record_contribution(interleaved_school_case(fresh), by=SCHOOL, category="school", text="Ny.")
        fresh.catch_up()
        assert [m.seq for m in fresh.store.feed(SKOLA, 0, 10_000)] == list(range(1, len(before[SKOLA]) + 2))
    finally:
        fresh.store.close()


def interleaved_school_case(runner):
    return next(m.case_id for m in runner.store.feed(SKOLA, 0, 1))


def test_a_batch_the_publisher_is_offered_shows_nothing_of_a_case_whose_calendar_moment_has_come(app, runner):
    """A red team's finding: a follower down over a consent's last day catches up the events before it (each batch
    offered to the publisher) before its calendar round records the end.  The stored feed read at that moment
    withheld the case; the offered batch did not look at the clock, and Kafka got the content."""
    from datetime import date, timedelta

    from tests.service_behaviour import school_consented_until

    case_id = school_consented_until(app, date(2026, 2, 10))
    app.add_member(case_id, by=SOCIAL, agency="polis", contact_person="Sam", role="kontaktperson")
    runner.catch_up()
    app.clock.advance(timedelta(days=2))
    app.record_contribution(case_id, by=POLICE, category="school", text="Skolk observerat.")
    app.clock.advance(timedelta(days=6))   # the consent has ended; the keeper has not recorded it
    offered = []
    runner.written = offered.append
    runner.catch_up()
    sent = [m for m in runner.store.written_messages(offered, now=app.clock.now()) if m.feed == SKOLA]
    assert sent == []   # the school's feed waits for the keeper: sent without content, it would never come again
    assert any(m.content for m in runner.store.written_messages(offered) if m.feed == SKOLA)   # without the clock
    assert runner.store.feed(SKOLA, 0, 10_000, now=app.clock.now()) == []   # the stored feed waits alike



def test_another_agency_s_consent_ending_withholds_nothing_from_a_member(app, runner, postgres):
    """A red team's finding: until the keeper recorded a calendar moment, every agency's feed and case list
    withheld the case — also for a consent that named social services alone, so a school reading its feed at
    midnight learnt that the young person had a consent with social services ending that day.  Now only a
    moment that concerns the reader withholds: the school's own consent still does (the test above)."""
    from datetime import date, timedelta

    from domain.values import YOUNG_PERSON, ScopeEntry

    case_id = consenting_school(app)
    app.grant_consent(case_id, by=SOCIAL, consenter=YOUNG_PERSON, scope=(ScopeEntry("socialtjanst", ("school",)),),
                      purpose="Samordning", valid_from=date(2026, 2, 3), valid_until=date(2026, 2, 10),
                      form="written")
    app.record_contribution(case_id, by=POLICE, category="school", text="Skolk observerat.")
    runner.catch_up()
    app.clock.advance(timedelta(days=8))   # social services' consent has ended; the keeper has not recorded it
    now = app.clock.now()
    school = runner.store.feed(SKOLA, 0, 10_000, now=now)
    assert any(m.content and m.content.get("text") == "Skolk observerat." for m in school)
    assert case_id in {r["case_id"] for r in runner.store.cases("skola", now)}
    lead = [m for m in runner.store.feed("socialtjanst.0180", 0, 10_000, now=now) if m.case_id == case_id]
    assert lead == []   # the lead waits for every moment, as before
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:   # a row from before: every moment counts
        conn.execute("UPDATE view_cases SET calendar_sealed = NULL WHERE case_id = %s", (case_id,))
    assert [m for m in runner.store.feed(SKOLA, 0, 10_000, now=now) if m.case_id == case_id] == []
    offered = []
    runner.written = offered.append
    app.record_contribution(case_id, by=POLICE, category="school", text="Närvaron bättre.")
    runner.catch_up()
    sent = [m for m in runner.store.written_messages(offered, now=now) if m.feed == SKOLA]
    assert any(m.content and m.content.get("text") == "Närvaron bättre." for m in sent)
    # The moment passed inside the police's note, which social services sees nothing of (no consent gives it
    # `school` from the police now): its row is written again all the same, the moment behind it.  Left as it was,
    # the keeper would find nothing to record after the note and the lead's feed would withhold the case for ever.
    lead = [m for m in runner.store.feed("socialtjanst.0180", 0, 10_000, now=now) if m.case_id == case_id]
    assert any(m.content is not None for m in lead)
    assert case_id not in runner.store.due_for_calendar("socialtjanst", now)
    app.clock.advance(timedelta(days=400))   # the 18th birthday (2027-03-14) concerns every agency
    later = app.clock.now()
    assert [m for m in runner.store.feed(SKOLA, 0, 10_000, now=later) if m.case_id == case_id] == []
    assert case_id not in {r["case_id"] for r in runner.store.cases("skola", later)}

class KeptSink:
    """A broker that keeps what it is sent, acknowledging at once."""

    where = "memory"

    class Acknowledged:
        def done(self) -> bool:
            return True

        def wait(self) -> None:
            return None

    def __init__(self) -> None:
        self.sent: list = []

    def publish(self, topic, messages) -> None:
        self.sent += list(messages)

    def send_all(self, batches):
        for topic, messages in batches:
            self.publish(topic, messages)
        return self.Acknowledged()

    def close(self) -> None:
        pass


def withdrawn_long_ago(app):
    """The school got the police's note under consent; the young person withdrew; three months pass."""
    from datetime import timedelta

    case_id = consenting_school(app)
    app.record_contribution(case_id, by=POLICE, category="school", text="Skolk observerat.")
    app.clock.advance(timedelta(days=1))
    young = next(c for c in app.get_case(case_id).consents.values() if c.consenter == "young_person")
    app.withdraw_consent(case_id, by=SOCIAL, consent_id=young.consent_id, consenter="young_person")
    app.clock.advance(timedelta(days=90))
    return case_id


def test_no_feed_is_read_while_the_views_are_rebuilt(app, runner):
    """A red team's finding: a rebuild replays from the first event, and a feed read meanwhile judged "seen now"
    against views at the replay's position — the note the consent's withdrawal ended 90 days ago, the young
    person's name and personnummer, went out again over HTTP and to Kafka.  Until the views are where they were,
    no feed is read (HTTP: 503), and the publisher sends nothing."""
    from services.ports import FeedsRebuilding

    withdrawn_long_ago(app)
    reads, refused = [], []

    def during(written) -> None:   # an HTTP poll while the views are built
        try:
            reads.extend(runner.store.feed(SKOLA, 0, 10_000, now=app.clock.now()))
        except FeedsRebuilding:
            refused.append(written)
    runner.written = during
    runner.batch_size = 1   # many batches, as in any installation with more than 2,000 events
    runner.catch_up()   # the first views ever, over events already stored (a restore, say): the same
    assert refused and not reads and not runner.store.feeds_building()
    refused.clear()
    runner.rebuild()
    assert refused and not reads
    after = runner.store.feed(SKOLA, 0, 10_000, now=app.clock.now())
    assert after and not any(m.content and m.content.get("text") == "Skolk observerat." for m in after)
    assert not any(m.kind == "case.subject" and m.content for m in after)


def test_the_publisher_sends_nothing_of_a_rebuild_until_it_is_done(app, runner):
    from services.feed_publisher import FeedPublisher

    withdrawn_long_ago(app)
    runner.catch_up()
    sink = KeptSink()
    publisher = FeedPublisher(runner.store, sink, app.catalogue.agencies, now=app.clock.now)
    publisher.publish_pending()
    sink.sent.clear()

    def offered(written) -> None:   # the follower hands each batch to its publisher, whose thread sends at once
        publisher.offer(written)
        publisher.publish_pending()
    runner.written = offered
    runner.batch_size = 1
    runner.rebuild()
    assert sink.sent == []   # nothing while it was rebuilt
    publisher.publish_pending()
    again = [m for m in sink.sent if m.feed == SKOLA]
    assert again and not any(m.content and m.content.get("text") == "Skolk observerat." for m in again)
    assert not any(m.kind == "case.subject" and m.content for m in again)   # the name was not sent again


def test_what_social_services_is_shown_of_a_members_fact_under_its_consent_is_one_answer_everywhere(app, runner):
    """Rules version 6 across the surfaces: the school's note its consents cover is in social services' stored view,
    the audit replay and its feed (HTTP and the publisher's messages) with the same content and basis; when the
    young person withdraws, every one of them ends it at once, reading the feed anew tells nothing of it, and a
    rebuild stores the same views and log."""
    from domain.values import YOUNG_PERSON, ScopeEntry
    from tests.integration.test_agency_views import AGENCIES, expected_log, stored_log, stored_view

    case_id = consenting_school(app)
    runner.catch_up()   # the first views, a build (never published as it is): what follows is caught up as usual
    consenters = (YOUNG_PERSON, *app.get_case(case_id).guardians)
    ids = [app.grant_consent(case_id, by=SOCIAL, consenter=c, scope=(ScopeEntry("socialtjanst", ("school",)),),
                             purpose="Samverkan", valid_from=app.clock.now().date(), valid_until=None,
                             form="written").value for c in consenters]
    app.record_contribution(case_id, by=SCHOOL, category="school", text="Närvaro 80 %.")
    app.record_contribution(case_id, by=SCHOOL, category="health", text="Trött på lektionerna.")
    sent = []
    runner.written = sent.append
    runner.catch_up()
    feed = "socialtjanst.0180"
    public = runner.store.fact_ids().of(case_id)

    def shown(facts):
        return {getattr(d, "fact", d).content.get("text") for d in facts} - {None}

    stored = runner.store.facts("socialtjanst", case_id)
    assert shown(stored) == shown(app.view(case_id, "socialtjanst")) == {"Närvaro 80 %."}
    note = next(f for f in stored if f.content.get("text") == "Närvaro 80 %.")
    assert sorted(note.basis.consent_ids) == sorted(ids)
    messages = [m for m in runner.store.feed(feed, 0, 10_000) if m.fact_id == public(note.fact_id)]
    assert [(m.change, m.content == shown_content(note.kind, note.content, lead=True))
            for m in messages] == [("disclosed", True)]
    assert sorted(messages[0].basis["consent_ids"]) == sorted(ids)
    ours = lambda batches: [m for m in runner.store.written_messages(batches)  # noqa: E731
                            if m.agency == "socialtjanst" and m.fact_id == public(note.fact_id)]
    published = ours(sent)
    assert [(m.change, m.content == messages[0].content) for m in published] == [("disclosed", True)]
    assert all("Trött" not in repr(m.content) for m in runner.store.feed(feed, 0, 10_000))

    sent.clear()
    app.withdraw_consent(case_id, by=SOCIAL, consent_id=ids[0], consenter=YOUNG_PERSON)
    runner.catch_up()
    assert shown(runner.store.facts("socialtjanst", case_id)) == shown(app.view(case_id, "socialtjanst")) == set()
    again = [m for m in runner.store.feed(feed, 0, 10_000) if m.fact_id == public(note.fact_id)]
    assert [m.change for m in again] == ["disclosed", "ended"]
    assert all(m.content is None and m.kind is None and m.category is None for m in again)
    assert [(m.change, m.content, m.kind) for m in ours(sent)] == [("ended", None, None)]
    assert stored_log(runner, case_id) == expected_log(app, case_id)
    before = {a: stored_view(runner, case_id, a) for a in AGENCIES}, stored_log(runner, case_id)
    runner.rebuild()
    runner.catch_up()
    assert ({a: stored_view(runner, case_id, a) for a in AGENCIES}, stored_log(runner, case_id)) == before


def test_an_installation_of_before_gets_an_id_generation_of_its_own_when_the_ddl_runs(app, runner, settings, postgres):
    """The generation (2026-12-05) is random, not derived from the secret, which an installation keeps; renewed
    exactly with it."""
    runner.catch_up()
    secret = runner.store.feed_secret()
    with psycopg.connect(postgres.conninfo()) as conn:   # as the version before left the table
        conn.execute("ALTER TABLE feed_state DROP COLUMN id_generation, DROP COLUMN ids_renewed")
        conn.execute("DELETE FROM sigill_schema_stamps WHERE creator LIKE 'views:%'")
    upgraded = build_view_runner(app, settings, postgres)   # a start of this version runs the views' DDL
    try:
        generation = upgraded.store.id_generation()
        assert len(generation) == 12 and int(generation, 16) >= 0 and generation not in secret.hex()
        assert upgraded.store.feed_secret() == secret and not upgraded.store.ids_renewed()
        upgraded.rebuild()
        upgraded.store._secret = upgraded.store._generation = None   # read afresh
        assert (upgraded.store.feed_secret(), upgraded.store.id_generation()) == (secret, generation)
        upgraded.rebuild(renew_ids=True)
        assert upgraded.store.feed_secret() != secret and upgraded.store.id_generation() != generation
        assert upgraded.store.ids_renewed()
    finally:
        upgraded.close()
        upgraded.store.close()


def test_a_running_process_takes_up_ids_another_process_renewed_without_a_restart(app, runner, settings, postgres):
    """`sigill views rebuild --after-restore` run beside a running server or publisher (only a follower refuses it):
    the process's next feed read names the new generation and fact ids, and the rows it writes when it next catches
    the views up get event ids under the new secret — those a rebuild gives the same history — not the old secret's,
    which the lost messages had.  (Until 2026-12-05 a process kept the secret it had read first until a restart.)"""
    case_id = busy_case(app)
    runner.catch_up()
    generation, secret = runner.store.id_generation(), runner.store.feed_secret()
    with another_process(app, settings, postgres) as elsewhere:
        elsewhere.rebuild(renew_ids=True)
        renewed, public = elsewhere.store.id_generation(), elsewhere.store.fact_ids()
        assert renewed != generation and elsewhere.store.feed_secret() != secret
        read = runner.store.feed(SKOLA, 0, 10_000)   # the first thing this process does after the renewal
        assert {m.id_generation for m in read} == {renewed}
        assert [m.fact_id for m in read] == [public(r["case_id"], r["fact_id"])
                                             for r in elsewhere.store.disclosure_log(agency="skola")]
    with another_process(app, settings, postgres) as elsewhere:
        elsewhere.rebuild(renew_ids=True)   # again, and now this process writes first
        app.clock.advance(timedelta(minutes=5))
        app.record_contribution(case_id, by=SCHOOL, category="school", text="Efter återläsningen.")
        runner.catch_up()
        written = [(r["agency"], r["fact_id"], r["change"], r["event_id"]) for r in runner.store.disclosure_log(case_id)]
        elsewhere.rebuild()   # the same secret and history: every row's event id as the new ids make it
        assert [(r["agency"], r["fact_id"], r["change"], r["event_id"])
                for r in elsewhere.store.disclosure_log(case_id)] == written
        assert runner.store.id_generation() == elsewhere.store.id_generation()


def ids_under_the_stored_secret(runner, postgres) -> tuple[list, list]:
    """Every stored log row's event id, and the id the secret stored now makes for it (as ``_log_rows`` makes it:
    occurrences of the same change of one notification counted in log order)."""
    with psycopg.connect(postgres.conninfo()) as conn:
        secret = bytes(conn.execute("SELECT secret FROM feed_state").fetchone()[0])
    stored, expected, occurrences = [], [], {}
    for r in runner.store.disclosure_log():
        same = (r["notification_id"], r["agency"], r["fact_id"], r["change"])
        occurrences[same] = occurrences.get(same, -1) + 1
        stored.append(r["event_id"])
        expected.append(event_id(secret, r["case_id"], r["notification_id"], r["agency"], r["fact_id"], r["change"],
                                 occurrences[same]))
    return stored, expected


def test_a_batchs_rows_are_what_the_plain_functions_make_of_its_changes(app, runner):
    """The store makes a batch's rows a notification, a case or a basis at a time (``_log_rows``, ``_fact_rows``,
    ``final_facts``): row for row they are what the plain functions make of each change — the feed's event id
    (repeats of a change in one notification counted), basis and cause as jsonb, the content in plaintext beside a
    disclosure and sealed in the view — with cases interleaved in the batch, and a withdrawal's many rows of one
    notification."""
    interleaved_history(app)
    busy_case(app)
    page = app.recorder.select_notifications(start=0, limit=10_000)
    update = runner.views.process([(n.id, app.mapper.to_domain_event(n)) for n in page if n.topic in CASE_TOPICS])
    runs = [case_id for i, (case_id, _, _) in enumerate(update.log) if i == 0 or update.log[i - 1][0] != case_id]
    assert len(runs) > len(set(runs)) and max(Counter(p for _, _, p in update.log).values()) > 5
    prepared, secret = runner.store.prepare(update), runner.store.feed_secret()

    def plain(fact) -> bytes:
        return json.dumps(fact.content, default=lambda v: v.isoformat()).encode()

    occurrences, rows, plains = {}, [], []
    for case_id, c, position in update.log:
        same = (position, c.agency, c.fact.fact_id, c.change)
        occurrences[same] = occurrences.get(same, -1) + 1
        rows.append([case_id, c.agency, c.fact.fact_id, c.fact.kind, c.fact.category, c.change, basis_jsonb(c.basis),
                     c.at, position, event_id(secret, case_id, position, c.agency, c.fact.fact_id, c.change,
                                              occurrences[same]).bytes, None, cause_jsonb(c.cause), None, None])
        plains.append(plain(c.fact) if c.change == "disclosed" else None)
    assert prepared.log == rows and prepared.plains == plains
    facts = [(agency, case_id, fact_id, c.fact.version, c.fact.kind, c.fact.category, c.fact.origin,
              c.fact.recorded_at, since, basis_jsonb(c.basis), plain(c.fact))
             for case_id, final in update.final_facts().items() for (agency, fact_id), (c, since) in final.items()]
    key = {case_id: app.keystore.data_key(case_id, create=False) for case_id in set(runs)}
    assert [(*row[:10], unseal(key[row[1]], row[10], view_where(row[1], row[0], row[2])))
            for row in prepared.facts] == facts


@pytest.mark.parametrize("path", ["one call", "copy"])
def test_a_batch_made_before_a_renewal_of_the_ids_is_refused_though_it_starts_at_0(app, runner, settings, postgres,
                                                                                  monkeypatch, path):
    """A renewal (`sigill views rebuild --after-restore`) empties the views and puts their position back to 0, so a
    batch judged at 0 before it committed passes the start check after it: its event ids, made under the old
    secret, are the lost messages' ids the renewal retires.  Refused as moved on, in both ways a batch is written."""
    if path == "copy":
        monkeypatch.setattr(view_batch_rows, "SMALL_BATCH_ROWS", -1)
    busy_case(app)
    position, page, _, _ = runner.store.position_and_next(app.name, app.recorder, 10_000)
    assert position == 0 and page
    update = runner.views.process([(n.id, app.mapper.to_domain_event(n)) for n in page if n.topic in CASE_TOPICS])
    prepared = runner.store.prepare(update)   # its event ids under the secret of now
    assert prepared.log and prepared.small == (path == "one call")
    with another_process(app, settings, postgres) as elsewhere:
        elsewhere.store.clear(app.name, renew_ids=True)   # committed between the batch's making and its writing
    with pytest.raises(ViewsMovedOn, match="renewed"):
        runner.store.write(prepared, Tracking(app.name, page[-1].id), start=0)
    assert runner.store.disclosure_log() == [] and runner.position == 0


def test_a_runner_whose_batch_a_renewal_overtook_writes_its_event_ids_under_the_new_secret(app, runner, settings,
                                                                                        postgres, monkeypatch):
    """The runner's catch-up from 0, with the renewal committed after its batch was made and before it is written:
    refused, it asks for the position again — which reads the new generation, and the secret with it — and every
    event id it stores is the new secret's."""
    busy_case(app)
    old = runner.store.id_generation()
    real_write, writes = runner.store.write, []

    def renewed_first(prepared, tracking, start=None):
        if not writes:
            with another_process(app, settings, postgres) as elsewhere:
                elsewhere.store.clear(app.name, building_to=app.recorder.max_notification_id(), renew_ids=True)
        writes.append(start)
        return real_write(prepared, tracking, start)

    monkeypatch.setattr(runner.store, "write", renewed_first)
    runner.catch_up()
    assert writes == [0, 0] and runner.store.id_generation() != old   # refused once, then written from 0 again
    stored, expected = ids_under_the_stored_secret(runner, postgres)
    assert stored and stored == expected


def test_a_page_read_before_a_renewal_another_thread_took_up_is_read_again_under_the_new_ids(app, runner, settings,
                                                                                           postgres, monkeypatch):
    """A page's rows read, then the ids renewed elsewhere and the renewal seen by another thread of this process (a
    publisher's round) before the page names its messages: it named the old rows — event ids under the old secret —
    by the new generation and fact ids, so a consumer took the old ids as the new generation's (a red team,
    2026-12-05).  The page is read again under the ids it is named with."""
    busy_case(app)
    runner.catch_up()
    old = runner.store.id_generation()
    real_rows, reads = runner.store._rows, []

    def renewed_after_the_first_read(query, params, **how):
        rows = real_rows(query, params, **how)
        if "feed_positions" not in str(query) and "seq" in str(query) and not reads:
            reads.append(query)
            with another_process(app, settings, postgres) as elsewhere:
                elsewhere.rebuild(renew_ids=True)
                renewed = elsewhere.store.id_generation()
            runner.store.see_generation(renewed)   # another thread of this process takes it up
            runner.store.ids_now()
        return rows

    monkeypatch.setattr(runner.store, "_rows", renewed_after_the_first_read)
    epoch, generation, messages = runner.store.feed_page(SKOLA, None, 0, 10_000)
    assert reads and generation != old and messages
    stored, expected = ids_under_the_stored_secret(runner, postgres)
    assert stored == expected
    assert {m.id_generation for m in messages} == {generation}
    assert {m.event_id for m in messages} <= set(stored)   # the rows as stored under the new secret, not the old


def test_a_committed_batch_offered_after_a_renewal_is_not_published_under_the_new_ids(app, runner, settings,
                                                                                   postgres):
    """A batch committed, then the ids renewed elsewhere (which empties the log it was in) before the publisher
    took it: its messages were named by the new generation and fact ids, their event ids under the old secret.
    Not sent: the renewal's rebuild publishes the feeds anew (the publisher reads them once it sees the new epoch)."""
    busy_case(app)
    runner.catch_up()   # the first views, a build (never published as it is)
    written = []
    runner.written = written.append
    busy_case(app)
    runner.catch_up()
    assert written and runner.store.written_messages(written)   # offered as they are while nothing is renewed
    with another_process(app, settings, postgres) as elsewhere:
        elsewhere.rebuild(renew_ids=True)
    runner.store.feed_epoch()   # this process sees the renewal (any read of feed_state)
    assert runner.store.written_messages(written) == []
