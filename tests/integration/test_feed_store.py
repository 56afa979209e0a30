"""The feed as the store reads it: an agency's disclosure log in order, with cursors and content as it may see it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema_rs
import psycopg
import pytest
import yaml

from services.bootstrap import build_view_runner
from tests.builders import POLICE, SOCIAL
from tests.service_behaviour import consenting_school
from tests.integration.test_agency_views import busy_case


@pytest.fixture
def runner(app, settings, postgres):
    runner = build_view_runner(app, settings, postgres)
    yield runner
    runner.store.close()


def test_the_feed_is_the_agencys_disclosure_log_in_order(app, runner):
    case_id = busy_case(app)
    runner.catch_up()
    for agency in ("skola", "polis", "socialtjanst"):
        feed = runner.store.feed(agency, 0, 10_000)
        log = runner.store.disclosure_log(agency=agency)
        assert [(m.id, m.fact_id, m.change, m.basis) for m in feed] == [
            (r["id"], r["fact_id"], r["change"], r["basis"]) for r in log]
        assert {m.case_id for m in feed} == {case_id} and {m.agency for m in feed} == {agency}


def test_paging_by_cursor_gives_every_message_once(app, runner):
    busy_case(app)
    runner.catch_up()
    whole = runner.store.feed("skola", 0, 10_000)
    pages, cursor = [], 0
    while page := runner.store.feed("skola", cursor, 3):
        assert len(page) <= 3
        pages.extend(page)
        cursor = page[-1].id
    assert pages == whole and len({m.event_id for m in whole}) == len(whole)


def test_a_disclosed_message_carries_the_content_the_view_shows_and_an_ended_one_none(app, runner):
    case_id = busy_case(app)
    runner.catch_up()
    feed = runner.store.feed("skola", 0, 10_000)
    own = {f.fact_id: f.content for f in runner.store.facts("skola", case_id)}
    disclosed = [m for m in feed if m.change == "disclosed"]
    for m in disclosed:
        if m.fact_id in own:
            assert m.content == own[m.fact_id]
    assert any(m.content for m in disclosed)
    ended = [m for m in feed if m.change == "ended"]
    assert ended and all(m.content is None for m in ended)  # the withdrawal: stop using those facts


def test_a_fact_no_longer_visible_is_never_sent_again_by_reading_the_feed_anew(app, runner):
    case_id = consenting_school(app)
    app.record_contribution(case_id, by=POLICE, category="school", text="Skolk observerat.")
    runner.catch_up()
    before = [m for m in runner.store.feed("skola", 0, 10_000) if m.content]
    assert any(m.content.get("text") == "Skolk observerat." for m in before)  # while the consent is in force
    young = next(c for c in app.get_case(case_id).consents.values() if c.consenter == "young_person")
    app.withdraw_consent(case_id, by=SOCIAL, consent_id=young.consent_id, consenter="young_person")
    runner.catch_up()
    again = runner.store.feed("skola", 0, 10_000)  # a new integration reading from the beginning
    assert not any(m.content and m.content.get("text") == "Skolk observerat." for m in again)
    assert {m.fact_id for m in again if m.content} <= {f.fact_id for f in runner.store.facts("skola", case_id)}


def test_event_ids_survive_a_rebuild_though_cursors_move_on(app, runner):
    busy_case(app)
    runner.catch_up()
    before = runner.store.feed("skola", 0, 10_000)
    runner.rebuild()
    after = runner.store.feed("skola", 0, 10_000)
    assert [m.event_id for m in after] == [m.event_id for m in before]
    assert min(m.id for m in after) > max(m.id for m in before)  # republished, deduplicated by event id


def test_an_erased_case_keeps_its_messages_without_content(app, runner):
    erased, kept = busy_case(app), busy_case(app)
    runner.catch_up()
    app.keystore.destroy(erased)
    feed = runner.store.feed("skola", 0, 10_000)
    assert {m.case_id for m in feed if m.erased} == {erased}
    assert all(m.content is None for m in feed if m.case_id == erased)
    assert any(m.content for m in feed if m.case_id == kept and not m.erased)


def test_feed_content_is_sealed_and_bound_to_its_row(app, runner, postgres):
    case_id = busy_case(app)
    app.record_contribution(case_id, by=POLICE, category="crime", text="Hemlig uppgift.", legal_basis="lul6")
    runner.catch_up()
    with psycopg.connect(postgres.conninfo()) as conn:
        dump = repr(conn.execute("SELECT * FROM disclosure_log").fetchall())
        assert "Hemlig" not in dump and "Peter" not in dump
        rows = conn.execute("SELECT id FROM disclosure_log WHERE agency = 'polis' AND content IS NOT NULL"
                            " ORDER BY id LIMIT 2").fetchall()
        conn.execute("UPDATE disclosure_log SET content = (SELECT content FROM disclosure_log WHERE id = %s)"
                     " WHERE id = %s", (rows[0][0], rows[1][0]))
    with pytest.raises(ValueError):  # moved bytes do not open: the associated data names the row's event
        runner.store.feed("polis", 0, 10_000)


def test_the_message_body_is_json_with_the_documented_fields(app, runner):
    busy_case(app)
    runner.catch_up()
    message = runner.store.feed("skola", 0, 1)[0]
    body = message.to_json()
    assert body["schema"] == "sigill.disclosure/1" and body["cursor"] == message.id
    assert body["event_id"] == str(message.event_id) and body["case_id"] == str(message.case_id)
    assert dict(message.headers())["event_id"] == str(message.event_id).encode()
    assert message.key() == str(message.case_id).encode()


SCHEMA_DIR = Path(__file__).resolve().parents[2] / "deploy" / "feeds"


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
    messages = [m for agency in app.catalogue.agencies for m in runner.store.feed(agency, 0, 10_000)]
    assert {"disclosed", "ended"} <= {m.change for m in messages} and any(m.erased for m in messages)
    for message in messages:
        body.validate(json.loads(message.body()))
        headers.validate({name: value.decode() for name, value in message.headers()})


def test_the_asyncapi_examples_fit_the_schema_too():
    document = yaml.safe_load((SCHEMA_DIR / "asyncapi.yaml").read_text())
    assert document["asyncapi"].startswith("3.")
    body, headers = schema_validators()
    for example in document["components"]["messages"]["disclosure"]["examples"]:
        body.validate(json.loads(json.dumps(example["payload"])))
        headers.validate(example["headers"])
