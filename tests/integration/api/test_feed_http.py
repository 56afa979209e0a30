"""The HTTP feed: the same messages as the agency's disclosure log (and so its Kafka topic), read only as that agency."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from dataclasses import replace
from pathlib import Path
from uuid import UUID

import jsonschema_rs
import pytest

from services.api import feed_views as fv
from services.feeds import IDS_RENEWED, Cursor, decode_cursor, encode_cursor
from tests.integration.api.flows import ok, school_consent_ending, school_consented_case
from tests.integration.feed_history import GOTHENBURG, STOCKHOLM, another_process, interleaved_history
from tests.integration.test_agency_views import never_shown, shown_by_older_rules

SCHEMA = json.loads((Path(__file__).resolve().parents[3] / "services" / "data" / "feeds"
                     / "disclosure-message.schema.json").read_text())


def store(client):
    return client.app.state.context.cases.lists.runner.store


def everything(client, headers, agency: str, limit: int = 100, after: str | None = None,
               **query: str) -> tuple[list[dict], str]:
    """Every item of the feed, page by page; and the last cursor."""
    items, pages = [], 0
    while True:
        query = {**query, "limit": limit, **({"after": after} if after else {})}
        page = ok(client.get(f"/api/v1/feeds/{agency}", params=query, headers=headers))
        items.extend(page["messages"])
        after, pages = page["next"], pages + 1
        assert pages < 1000
        if not page["more"]:
            return items, after


def busy(client, users, tick) -> tuple[str, list[str]]:
    case_id, consents = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.police,
                   json={"category": "crime", "text": "POLISENS HEMLIGA UPPGIFT"}), 201)
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                   json={"category": "school", "text": "Skolans närvaronotering"}), 201)
    return case_id, consents


def test_a_page_is_the_agencys_disclosure_log_as_kafka_records(client, users, tick):
    busy(client, users, tick)
    items, _ = everything(client, users.school, "skola")
    messages = store(client).feed(f"skola.{STOCKHOLM}", 0, 10_000)
    assert [i["body"] for i in items] == [json.loads(m.body()) for m in messages]
    assert [i["headers"] for i in items] == [{k: v.decode() for k, v in m.headers()} for m in messages]
    assert [i["body"]["sequence"] for i in items] == [r["seq"] for r in store(client).disclosure_log(agency="skola")]
    text = json.dumps(items, ensure_ascii=False)
    assert "POLISENS HEMLIGA" not in text and "Skolans närvaronotering" in text


def test_every_item_fits_the_published_json_schema(client, users, tick):
    busy(client, users, tick)
    body = jsonschema_rs.Draft202012Validator(SCHEMA, validate_formats=True)
    headers = jsonschema_rs.Draft202012Validator(SCHEMA["$defs"]["headers"], validate_formats=True)
    for agency, who in (("skola", users.school), ("polis", users.police), ("socialtjanst", users.social)):
        items, _ = everything(client, who, agency)
        assert items, agency
        for i in items:
            body.validate(i["body"])
            headers.validate(i["headers"])


@pytest.mark.parametrize("limit", [1, 2, 7])
def test_paging_neither_loses_nor_repeats_a_message(client, users, tick, limit):
    busy(client, users, tick)
    whole, _ = everything(client, users.school, "skola", limit=1000)
    paged, last = everything(client, users.school, "skola", limit=limit)
    assert [i["headers"]["event_id"] for i in paged] == [i["headers"]["event_id"] for i in whole]
    assert len({i["cursor"] for i in paged}) == len(paged)
    tick()
    ok(client.post(f"/api/v1/cases/{paged[0]['body']['case_id']}/contributions", headers=users.school,
                   json={"category": "school", "text": "Ny notering"}), 201)
    newer, _ = everything(client, users.school, "skola", limit=limit, after=last)
    assert [i["body"]["kind"] for i in newer] == ["contribution"]
    assert newer[0]["body"]["content"]["text"] == "Ny notering"


def test_a_withdrawal_ends_visibility_in_the_feed_at_once(client, users, tick):
    case_id, consents = busy(client, users, tick)
    _, last = everything(client, users.school, "skola")
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))
    after, _ = everything(client, users.school, "skola", after=last)  # no follower: the read catches up itself
    assert after and {i["body"]["change"] for i in after} == {"ended"}
    assert all(i["body"]["content"] is None for i in after)
    ended = {i["body"]["fact_id"] for i in after}
    public = store(client).fact_ids().of(UUID(case_id))
    disclosed = {public(r["fact_id"]) for r in store(client).disclosure_log(UUID(case_id), "skola")
                 if r["change"] == "disclosed" and r["basis"]["kind"] == "consent"}
    assert disclosed and disclosed <= ended  # each 'ended' names the fact as its 'disclosed' did


def test_an_erased_case_sends_every_agency_that_knew_it_one_erasure_message(client, users, tick, app):
    case_id, _ = busy(client, users, tick)
    kept, _ = busy(client, users, tick)
    _, last = everything(client, users.school, "skola")
    app.keystore.destroy(UUID(case_id))
    agencies = {r["agency"] for r in store(client).disclosure_log(UUID(case_id))}
    assert store(client).record_erasures() == len(agencies)
    assert store(client).record_erasures() == 0           # once per case and agency
    after, _ = everything(client, users.school, "skola", after=last)
    assert [(i["body"]["change"], i["body"]["case_id"], i["body"]["erased"]) for i in after] == [
        ("erased", case_id, True)]
    erasure = after[0]
    assert erasure["headers"]["type"] == "case.erased/erased" and erasure["headers"]["basis_kind"] == "erasure"
    jsonschema_rs.Draft202012Validator(SCHEMA, validate_formats=True).validate(erasure["body"])
    jsonschema_rs.Draft202012Validator(SCHEMA["$defs"]["headers"]).validate(erasure["headers"])
    items, _ = everything(client, users.school, "skola")
    assert all(i["body"]["content"] is None for i in items if i["body"]["case_id"] == case_id)
    assert any(i["body"]["content"] for i in items if i["body"]["case_id"] == kept)


def test_social_services_reads_only_its_own_municipalitys_cases(client, users, tick):
    case_id, _ = busy(client, users, tick)
    mine, _ = everything(client, users.social, "socialtjanst")
    assert {i["body"]["case_id"] for i in mine} == {case_id}
    other = users.headers("socialtjanst", "caseworker", municipality="1280")
    theirs, _ = everything(client, other, "socialtjanst")
    assert theirs == [] and case_id not in json.dumps(theirs)


def test_feed_reads_are_in_the_access_log(client, users, tick):
    case_id, _ = busy(client, users, tick)
    everything(client, users.school, "skola")
    everything(client, users.auditor, "skola", municipality=STOCKHOLM)
    extract = ok(client.get(f"/api/v1/cases/{case_id}/extract", headers=users.social))
    reads = {(r["agency"], r["what"]) for r in extract["reads"]}
    assert {("skola", "feed:skola"), ("ivo", "audit.feed:skola")} <= reads


def test_nobody_reads_another_agencys_feed(client, users, tick):
    busy(client, users, tick)
    for headers, agency in ((users.police, "skola"), (users.school, "polis"), (users.social, "skola"),
                            (users.school, "socialtjanst"), (users.headers("polis", "caseworker"), "polis"),
                            (users.headers("socialtjanst", "member"), "socialtjanst"),
                            (users.headers("skola", "administrator"), "skola")):
        for path in (f"/api/v1/feeds/{agency}", f"/api/v1/feeds/{agency}/stream"):
            response = client.get(path, headers=headers)
            assert response.status_code == 403, (path, response.text)
            assert response.json()["error"]["code"] == "forbidden"


BAD_CURSORS = ["x", "%%%", base64.urlsafe_b64encode(b"other:12").decode().rstrip("="),
               base64.urlsafe_b64encode(b"sigill-feed:-1").decode().rstrip("="),
               base64.urlsafe_b64encode(b"sigill-feed:2:0000000g:skola:5").decode().rstrip("="),
               encode_cursor(Cursor("0000abcd", "skola", 5)) + "A", "a" * 161]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_malformed_cursor_is_422_naming_the_field(client, users, cursor):
    """And saying both ways on — send back a cursor as given, or omit it to start from the beginning — as every
    cursor message does (until 2026-12-05 one that was no cursor said only the first)."""
    response = client.get("/api/v1/feeds/skola", params={"after": cursor}, headers=users.school)
    assert response.status_code == 422 and response.json()["error"]["field"] == "query.after"
    stream = client.get("/api/v1/feeds/skola/stream", headers={**users.school, "Last-Event-ID": cursor})
    assert stream.status_code == 422, stream.text
    for error in (response.json()["error"], stream.json()["error"]):
        assert "send back" in error["message"] and "omit it" in error["message"], error
        assert "beginning" in error["message"], error


def test_a_kafka_offset_an_event_id_or_a_sequence_is_no_cursor(client, users, tick):
    """Guard: what a Kafka consumer holds, sent by one moving to the HTTP feed, is a 422 naming the field."""
    busy(client, users, tick)
    item = ok(client.get("/api/v1/feeds/skola", params={"limit": 1}, headers=users.school))["messages"][0]
    for sent in (item["headers"]["event_id"], "42", str(item["body"]["sequence"])):
        page = client.get("/api/v1/feeds/skola", params={"after": sent}, headers=users.school)
        stream = client.get("/api/v1/feeds/skola/stream", headers={**users.school, "Last-Event-ID": sent})
        for response, field in ((page, "query.after"), (stream, "header.last-event-id")):
            assert response.status_code == 422, (sent, response.text)
            assert response.json()["error"]["code"] == "malformed_cursor"
            assert response.json()["error"]["field"] == field and sent not in response.text


@pytest.mark.parametrize("limit", ["0", "1001", "-3", "ten"])
def test_a_limit_out_of_bounds_is_422(client, users, limit):
    response = client.get("/api/v1/feeds/skola", params={"limit": limit}, headers=users.school)
    assert response.status_code == 422 and response.json()["error"]["field"] == "query.limit"


@pytest.mark.parametrize("limit", ["1001", "10000000000000000000", "9" * 40])
def test_a_limit_too_large_is_422_naming_the_bound(client, users, limit):
    """However many digits: a number of 20 digits or more was told it was no whole number ('no sign, underscore,
    space or decimals'), which it is; the client is told the bound instead."""
    response = client.get("/api/v1/feeds/skola", params={"limit": limit}, headers=users.school)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == "query.limit" and "less than or equal to 1000" in error["message"], error


def test_no_token_is_401_and_an_unknown_agency_404(client, users):
    assert client.get("/api/v1/feeds/skola").status_code == 401
    assert client.get("/api/v1/feeds/skola/stream").status_code == 401
    assert client.get("/api/v1/feeds/finnsinte", headers=users.school).json()["error"]["code"] == "feed_not_found"
    assert client.get("/api/v1/feeds/finnsinte", headers=users.school).status_code == 404


def test_each_feed_is_numbered_1_to_n_though_hidden_activity_happens_between(client, users, app):
    interleaved_history(app)
    caseworker = {m: users.headers("socialtjanst", "caseworker", municipality=m) for m in (STOCKHOLM, GOTHENBURG)}
    for headers, agency, feed in ((users.school, "skola", f"skola.{STOCKHOLM}"),
                                  (users.police, "polis", f"polis.{STOCKHOLM}"),
                                  (caseworker[STOCKHOLM], "socialtjanst", f"socialtjanst.{STOCKHOLM}"),
                                  (caseworker[GOTHENBURG], "socialtjanst", f"socialtjanst.{GOTHENBURG}")):
        items, _ = everything(client, headers, agency, limit=4)
        assert [i["body"]["sequence"] for i in items] == list(range(1, len(items) + 1)), feed
        assert {i["body"]["feed"] for i in items} == {feed}
        rows = {str(r["event_id"]): r["id"] for r in store(client).disclosure_log(agency=agency)
                if r["feed"] == feed}
        log_ids = [rows[i["body"]["event_id"]] for i in items]
        assert log_ids[-1] - log_ids[0] + 1 > len(log_ids), feed  # other feeds' rows came between
        assert not any("notification_id" in i["body"] or "cursor" in i["body"] for i in items)


def test_a_member_agencys_feed_carries_its_own_municipalitys_cases_only(client, users, app):
    """The police of Gothenburg and of Stockholm are the same agency in the catalogue, in different groups."""
    cases = interleaved_history(app)
    stockholm, _ = everything(client, users.police, "polis")
    gothenburg, _ = everything(client, users.headers("polis", "member", municipality=GOTHENBURG), "polis")
    assert {i["body"]["case_id"] for i in gothenburg} == {str(cases["other"])}
    assert {i["body"]["case_id"] for i in stockholm} == {str(cases["school"]), str(cases["hidden"])}
    assert "Göteborg" not in json.dumps(stockholm, ensure_ascii=False)
    assert {i["body"]["feed"] for i in gothenburg} == {f"polis.{GOTHENBURG}"}


def test_an_auditor_reads_social_services_feed_one_municipality_at_a_time(client, users, app):
    cases = interleaved_history(app)
    response = client.get("/api/v1/feeds/socialtjanst", headers=users.auditor)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == {"code": "municipality_needed", "field": "query.municipality", "message":
                                        "socialtjanst's feed is one per municipality: add ?municipality=CODE"}
    audited, _ = everything(client, users.auditor, "socialtjanst", municipality=GOTHENBURG)
    theirs, _ = everything(client, users.headers("socialtjanst", "caseworker", municipality=GOTHENBURG),
                           "socialtjanst")
    assert audited == theirs and {i["body"]["case_id"] for i in audited} == {str(cases["other"])}


def test_nobody_but_an_auditor_reads_another_municipalitys_feed(client, users):
    for headers, agency in ((users.social, "socialtjanst"), (users.school, "skola")):
        other = client.get(f"/api/v1/feeds/{agency}", params={"municipality": GOTHENBURG}, headers=headers)
        assert other.status_code == 403 and other.json()["error"]["field"] == "query.municipality"
        own = client.get(f"/api/v1/feeds/{agency}", params={"municipality": STOCKHOLM}, headers=headers)
        assert own.status_code == 200 and own.json()["feed"] == f"{agency}.{STOCKHOLM}"
    unnamed = client.get("/api/v1/feeds/skola", headers=users.headers("skola", "member", municipality=None))
    assert unnamed.status_code == 403 and "names no municipality" in unnamed.json()["error"]["message"]
    unknown = client.get("/api/v1/feeds/socialtjanst", params={"municipality": "9999"}, headers=users.auditor)
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "query.municipality"


@pytest.mark.parametrize("sent", ["0181 ", "01-81", "19121212-1212", "12345678901"])
def test_a_municipality_not_of_a_codes_form_is_422_saying_what_a_code_is_without_saying_it_back(client, users, sent):
    """It was told pydantic's own words ('String should match pattern …', 'at most 10 characters')."""
    for path in ("/api/v1/feeds/skola", "/api/v1/feeds/skola/stream"):
        response = client.get(path, params={"municipality": sent}, headers=users.school)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["field"] == "query.municipality" and "kommunkod" in error["message"], error
        assert sent.strip() not in response.text


def test_a_cursor_from_before_feeds_were_numbered_is_422_saying_to_start_again(client, users):
    old = base64.urlsafe_b64encode(b"sigill-feed:4711").decode().rstrip("=")
    for response in (client.get("/api/v1/feeds/skola", params={"after": old}, headers=users.school),
                     client.get("/api/v1/feeds/skola/stream", headers={**users.school, "Last-Event-ID": old})):
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "outdated_cursor" and "start again from the beginning" in error["message"]


def test_a_cursor_of_another_feed_is_422(client, users, tick):
    busy(client, users, tick)
    _, police_cursor = everything(client, users.auditor, "polis", municipality=STOCKHOLM)
    response = client.get("/api/v1/feeds/skola", params={"after": police_cursor, "municipality": STOCKHOLM},
                          headers=users.auditor)
    assert response.status_code == 422 and "another feed's" in response.json()["error"]["message"]


def test_a_cursor_naming_a_feed_that_is_no_catalogue_agencys_is_422_without_its_name_said_back(client, users):
    """The feed a made-up cursor names is the client's text — a personnummer put there by a buggy client came back
    in an answer that clients' and gateways' logs keep.  Another feed of the catalogue is still named."""
    for feed in ("200901012385", "skola.2009010123", "skola.9999"):
        made_up = encode_cursor(Cursor("00000000", feed, 3))
        for response in (client.get("/api/v1/feeds/skola", params={"after": made_up}, headers=users.school),
                         client.get("/api/v1/feeds/skola/stream", headers={**users.school, "Last-Event-ID": made_up})):
            assert response.status_code == 422, response.text
            error = response.json()["error"]
            assert error["code"] == "malformed_cursor" and "another feed's," in error["message"], error
            assert feed.rpartition(".")[2] not in response.text
    named = client.get("/api/v1/feeds/skola", params={"after": encode_cursor(Cursor("00000000", "polis.0180", 3))},
                       headers=users.school)
    assert named.status_code == 422 and "another feed's (polis.0180)" in named.json()["error"]["message"]


def test_a_cursor_past_the_feeds_end_is_422_not_a_silent_wait_while_messages_go_by(client, users, tick):
    """Made up, or kept from before the database was restored from an older backup: reading on from it would
    skip the feed's next messages (an ended among them) without a word."""
    busy(client, users, tick)
    page = ok(client.get("/api/v1/feeds/skola", params={"limit": 1000}, headers=users.school))
    last = decode_cursor(page["next"])
    assert ok(client.get("/api/v1/feeds/skola", params={"after": page["next"]}, headers=users.school))["messages"] == []
    ahead = encode_cursor(Cursor(last.epoch, last.feed, last.seq + 1))
    refused = client.get("/api/v1/feeds/skola", params={"after": ahead}, headers=users.school)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "query.after"
    assert "past the end of skola.0180" in refused.json()["error"]["message"]
    stream = client.get("/api/v1/feeds/skola/stream", headers={**users.school, "Last-Event-ID": ahead})
    assert stream.status_code == 422 and stream.json()["error"]["field"] == "header.last-event-id"


def test_after_a_rebuild_a_cursor_of_the_old_numbering_starts_again_from_the_beginning(client, users, tick):
    busy(client, users, tick)
    before, last = everything(client, users.school, "skola")
    assert everything(client, users.school, "skola", after=last)[0] == []
    client.app.state.context.cases.lists.runner.rebuild()
    again, _ = everything(client, users.school, "skola", after=last)
    assert [i["body"] for i in again] == [i["body"] for i in before]  # the same numbers and event ids


def test_a_plain_rebuild_keeps_the_id_generation_so_an_old_cursor_starts_again_quietly(client, users, tick):
    """A rebuild numbers anew with the same ids: the page's generation is the same, and the old cursor is a 200."""
    busy(client, users, tick)
    before, last = everything(client, users.school, "skola")
    generation = ok(client.get("/api/v1/feeds/skola", headers=users.school))["id_generation"]
    assert decode_cursor(last).ids == generation and {i["headers"]["id_generation"] for i in before} == {generation}
    client.app.state.context.cases.lists.runner.rebuild()
    answer = client.get("/api/v1/feeds/skola", params={"after": last, "limit": 1000}, headers=users.school)
    assert answer.status_code == 200 and answer.json()["id_generation"] == generation
    assert [i["body"] for i in answer.json()["messages"]] == [i["body"] for i in before]


def test_after_the_ids_are_renewed_an_old_cursor_is_410_and_the_page_names_a_new_generation(client, users, tick):
    """`sigill views rebuild --after-restore` renews every event_id and fact_id: a client that went on from its
    cursor would keep facts under ids no `ended` will ever name, so its cursor is refused, saying what to do."""
    busy(client, users, tick)
    before, last = everything(client, users.school, "skola")
    generation = ok(client.get("/api/v1/feeds/skola", headers=users.school))["id_generation"]
    client.app.state.context.cases.lists.runner.rebuild(renew_ids=True)
    for response, field in (
            (client.get("/api/v1/feeds/skola", params={"after": last}, headers=users.school), "query.after"),
            (client.get("/api/v1/feeds/skola", params={"after": before[0]["cursor"]}, headers=users.school),
             "query.after"),
            (client.get("/api/v1/feeds/skola/stream", headers={**users.school, "Last-Event-ID": last}),
             "header.last-event-id")):
        error = response.json()["error"]
        assert (response.status_code, error["code"], error["field"]) == (410, "ids_renewed", field)
        assert "renewed" in error["message"] and "Drop everything" in error["message"]
        assert "from the start" in error["message"]
    again, renewed = everything(client, users.school, "skola")   # from the start, without a cursor
    page = ok(client.get("/api/v1/feeds/skola", params={"after": renewed}, headers=users.school))
    assert page["id_generation"] != generation and decode_cursor(renewed).ids == page["id_generation"]
    assert {i["headers"]["id_generation"] for i in again} == {page["id_generation"]}
    assert not {i["body"]["event_id"] for i in again} & {i["body"]["event_id"] for i in before}


def test_a_cursor_copied_from_the_openapi_document_or_another_installation_is_410_saying_it_may_be_that(client,
                                                                                                      users, tick):
    """A cursor naming a generation this installation never had — the documents' example, a test installation's sent
    to production — is refused as one of renewed ids is, and its message names that cause too: until 2026-12-05 it
    spoke only of a restore of a backup, which had never happened there."""
    busy(client, users, tick)
    _, last = everything(client, users.school, "skola")
    elsewhere = encode_cursor(replace(decode_cursor(last), ids="0123456789ab"))
    for cursor in (fv.EXAMPLE_CURSOR, elsewhere):
        response = client.get("/api/v1/feeds/skola", params={"after": cursor}, headers=users.school)
        error = response.json()["error"]
        assert (response.status_code, error["code"], error["field"]) == (410, "ids_renewed", "query.after")
        assert "another installation's" in error["message"] and "restored from an older backup" in error["message"]
        assert "read it again from the start: omit ?after=" in error["message"]


def test_a_renewal_of_the_ids_made_by_another_process_is_seen_by_the_running_server(client, users, tick, app,
                                                                                   settings, postgres):
    """`sigill views rebuild --after-restore` run beside a running server (only a follower refuses it): without a
    restart, the server's next page names the new generation, its items carry the new fact ids, a cursor of the old
    generation is 410, and what the server itself writes to the log next has the new event ids.  (Until 2026-12-05 a
    server kept the secret and generation it had read first, and went on naming the old ones.)"""
    busy(client, users, tick)
    before, last = everything(client, users.school, "skola")
    generation = ok(client.get("/api/v1/feeds/skola", headers=users.school))["id_generation"]
    with another_process(app, settings, postgres) as elsewhere:
        elsewhere.rebuild(renew_ids=True)
        renewed, public = elsewhere.store.id_generation(), elsewhere.store.fact_ids()
        assert renewed != generation
        for path, asked, field in (("skola", {"params": {"after": last}}, "query.after"),   # a stream would last
                                   ("skola/stream", {"headers": {"Last-Event-ID": last}}, "header.last-event-id")):
            asked = {**asked, "headers": {**users.school, **asked.get("headers", {})}}
            answer = client.get(f"/api/v1/feeds/{path}", **asked)   # 15 minutes: the page first
            assert answer.status_code == 410, f"{path}: {answer.status_code}"
            assert (answer.json()["error"]["code"], answer.json()["error"]["field"]) == ("ids_renewed", field)
        case_id = before[0]["body"]["case_id"]
        # The case as the API shows it names its facts by the new ids too (it kept the ids it read at its start, and
        # an answer shaped before, until 2026-12-05): a client matching a read to the feed finds the same fact.
        read = [f["fact_id"] for f in ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))["facts"]]
        assert read and set(read) <= {public(UUID(case_id), r["fact_id"])
                                      for r in elsewhere.store.disclosure_log(agency="skola")}
        tick()
        ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                       json={"category": "school", "text": "Efter återläsningen"}), 201)
        again, cursor = everything(client, users.school, "skola")   # from the start: the server writes the new row
        page = ok(client.get("/api/v1/feeds/skola", params={"after": cursor}, headers=users.school))
        assert page["id_generation"] == renewed and decode_cursor(cursor).ids == renewed
        assert {i["headers"]["id_generation"] for i in again} == {renewed}
        log = elsewhere.store.disclosure_log(agency="skola")
        assert [i["body"]["fact_id"] for i in again] == [public(r["case_id"], r["fact_id"]) for r in log]
        written = [i["body"]["event_id"] for i in again]
        elsewhere.rebuild()   # the same secret: each message's event id as the new ids make it
        assert [str(m.event_id) for m in elsewhere.store.feed(f"skola.{STOCKHOLM}", 0, 10_000)] == written
    assert not set(written) & {i["body"]["event_id"] for i in before}


def test_a_renewal_committed_while_a_page_is_read_is_judged_by_the_generation_read_with_the_page(
        client, users, tick, app, settings, postgres, monkeypatch):
    """A page holds its cursor to the ids' generation read with its messages — no read of its own before them
    (until 2026-12-05 each request read it first, then again with the page): a page without a cursor read across a
    renewal is a 200 of the new generation, not a 410 (which it was: the generation read first, then another with the
    page), and a cursor of the generation before is 410 naming where it was given."""
    busy(client, users, tick)
    _, last = everything(client, users.school, "skola")
    generation = decode_cursor(last).ids
    feeds = client.app.state.feed_reader
    caught_up = feeds.catch_up

    def renewing(wait: bool = True) -> None:   # after the cursor was looked at, before the page is read
        with another_process(app, settings, postgres) as elsewhere:
            elsewhere.rebuild(renew_ids=True)
        caught_up(wait=wait)

    monkeypatch.setattr(feeds, "catch_up", renewing)
    page = ok(client.get("/api/v1/feeds/skola", params={"limit": 1000}, headers=users.school))
    renewed = page["id_generation"]
    assert renewed != generation and decode_cursor(page["next"]).ids == renewed and page["messages"]
    assert {i["headers"]["id_generation"] for i in page["messages"]} == {renewed}
    refused = client.get("/api/v1/feeds/skola", params={"after": page["next"]}, headers=users.school)
    error = refused.json()["error"]   # renewed again while it was read: the same answer as a cursor refused at once
    assert (refused.status_code, error["code"], error["field"]) == (410, "ids_renewed", "query.after")
    assert error["message"] == IDS_RENEWED


def test_a_rebuild_committed_while_a_page_is_read_gives_no_page_of_one_numbering_with_a_cursor_of_another(
        client, users, tick, app, settings, postgres, monkeypatch):
    """A page reads the numbering's epoch with its messages, in one query: until 2026-12-05 it read the epoch first,
    and a rebuild committed before the messages were read gave the new numbering's messages after the cursor's
    number, under a cursor of the old one.  The rebuilt feed here differs from the old after the cursor: older rules
    showed the school a fact today's do not, which the rebuild ends in its place."""
    case_id, _ = busy(client, users, tick)
    _, last = everything(client, users.school, "skola")
    runner = client.app.state.context.cases.lists.runner
    hidden = never_shown(runner, case_id, "skola")
    shown_by_older_rules(postgres, case_id, "skola", hidden)
    old = ok(client.get("/api/v1/feeds/skola", params={"after": last}, headers=users.school))["messages"]
    assert [i["body"]["change"] for i in old] == ["disclosed"]
    feeds = client.app.state.feed_reader
    caught_up, rows = feeds.catch_up, feeds.store._rows
    armed = []

    def rebuilding_once_the_epoch_is_read(query, params, **how):
        answer = rows(query, params, **how)
        if armed and "feed_state" in str(query):   # the epoch read: another process's rebuild commits at once
            armed.clear()
            with another_process(app, settings, postgres) as elsewhere:
                elsewhere.rebuild()
        return answer

    def catch_up(wait: bool = True) -> None:   # the page's own reads follow
        caught_up(wait=wait)
        armed.append(True)

    monkeypatch.setattr(feeds, "catch_up", catch_up)
    monkeypatch.setattr(feeds.store, "_rows", rebuilding_once_the_epoch_is_read)
    page = ok(client.get("/api/v1/feeds/skola", params={"after": last}, headers=users.school))
    assert not armed and decode_cursor(page["next"]).epoch == decode_cursor(last).epoch
    assert [i["body"] for i in page["messages"]] == [i["body"] for i in old]   # the old numbering's, as its cursor
    monkeypatch.undo()
    again, _ = everything(client, users.school, "skola", after=page["next"])   # the new numbering, from its start
    assert again[0]["body"]["sequence"] == 1 and [i["body"]["change"] for i in again][-1] == "ended"
    assert decode_cursor(again[-1]["cursor"]).epoch != decode_cursor(last).epoch


def test_a_cursor_of_before_generations_reads_on_and_restarts_as_before_but_not_across_renewed_ids(client, users,
                                                                                                   tick):
    """A cursor issued before 2026-12-05 names no generation: it reads on in its epoch, starts again quietly after
    a plain rebuild, and is 410 once the ids have been renewed since generations were recorded."""
    busy(client, users, tick)
    before, last = everything(client, users.school, "skola")
    at = decode_cursor(last)
    old = encode_cursor(Cursor(at.epoch, at.feed, at.seq))   # the form issued before: sigill-feed:2:…
    assert base64.urlsafe_b64decode(old + "=" * (-len(old) % 4)).startswith(b"sigill-feed:2:")
    assert ok(client.get("/api/v1/feeds/skola", params={"after": old}, headers=users.school))["messages"] == []
    client.app.state.context.cases.lists.runner.rebuild()
    again = ok(client.get("/api/v1/feeds/skola", params={"after": old, "limit": 1000}, headers=users.school))
    assert [i["body"] for i in again["messages"]] == [i["body"] for i in before]
    client.app.state.context.cases.lists.runner.rebuild(renew_ids=True)
    refused = client.get("/api/v1/feeds/skola", params={"after": old}, headers=users.school)
    assert refused.status_code == 410 and refused.json()["error"]["code"] == "ids_renewed"


def test_after_a_consent_ends_nothing_of_the_case_is_shown_before_the_keeper_records_it(client, users, tick, app):
    """The calendar keeper records a consent's end as a fact (within a second under the follower); until it has,
    re-reading the feed or the case list must not show what the consent no longer lets the school see."""
    case_id = school_consent_ending(client, users, tick)
    shown = lambda: [i for i in everything(client, users.school, "skola")[0]  # noqa: E731
                     if i["body"]["content"] is not None and i["body"]["case_id"] == case_id]
    listed = lambda: [c for c in ok(client.get("/api/v1/cases", headers=users.school))["cases"]  # noqa: E731
                      if c["case_id"] == case_id]
    assert shown() and listed()
    app.clock.set(datetime(2026, 2, 11, 8, tzinfo=timezone.utc))   # the morning after the last day; no keeper yet
    assert shown() == [] and listed() == []
    client.app.state.context.cases.lists.runner.keep_calendar()    # the keeper records the end: ended messages
    ended = [i for i in everything(client, users.school, "skola")[0]
             if i["body"]["case_id"] == case_id and i["body"]["change"] == "ended"]
    assert ended and shown() == [] and listed() == []


def test_a_cursor_from_before_every_feed_was_a_municipalitys_starts_again(client, users, tick):
    """Saved by an integration before the upgrade to rules version 3 (the school's feed was one, "skola")."""
    busy(client, users, tick)
    whole, _ = everything(client, users.school, "skola")
    old = encode_cursor(Cursor("5e0c2a91", "skola", 47))
    again = ok(client.get("/api/v1/feeds/skola", params={"after": old, "limit": 1000}, headers=users.school))
    assert [i["body"]["event_id"] for i in again["messages"]] == [i["body"]["event_id"] for i in whole]
    police = encode_cursor(Cursor("5e0c2a91", "polis", 3))     # another agency's old cursor is still refused
    refused = client.get("/api/v1/feeds/skola", params={"after": police}, headers=users.school)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "malformed_cursor"


def test_the_openapi_documents_feed_examples_are_valid_messages(client):
    """An integration engineer copies them: they must pass the JSON Schema the messages are published under."""
    schemas = ok(client.get("/api/v1/openapi.json"))["components"]["schemas"]
    body = jsonschema_rs.Draft202012Validator(SCHEMA, validate_formats=True)
    headers = jsonschema_rs.Draft202012Validator(SCHEMA["$defs"]["headers"], validate_formats=True)
    items = [*schemas["FeedItem"]["examples"], *(m for page in schemas["FeedPageOut"]["examples"]
                                                 for m in page["messages"])]
    assert len(items) == 2
    for item in items:
        body.validate(item["body"])
        headers.validate(item["headers"])


def test_while_the_views_are_rebuilt_the_feed_is_503_and_back_when_they_have_caught_up(client, users, tick,
                                                                                        postgres):
    import psycopg

    busy(client, users, tick)
    everything(client, users.school, "skola")
    with psycopg.connect(postgres.conninfo()) as conn:   # a build from the first event, far from where it is going
        conn.execute("UPDATE view_rules SET building_to = 1000000000")
    answer = client.get("/api/v1/feeds/skola", headers=users.school)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
    assert answer.json()["error"]["code"] == "feeds_rebuilding"
    stream = client.get("/api/v1/feeds/skola/stream", headers=users.school)   # a status, not a stream ending at once
    assert stream.status_code == 503 and stream.json()["error"]["code"] == "feeds_rebuilding"
    with psycopg.connect(postgres.conninfo()) as conn:   # as if it had got there: the next catch-up finishes it
        conn.execute("UPDATE view_rules SET building_to = 1")
    store(client).finish_build("Sigill", datetime.now(timezone.utc))
    assert client.get("/api/v1/feeds/skola", headers=users.school).status_code == 200


def test_while_the_views_are_rebuilt_an_eventsource_is_told_to_come_back_rather_than_stopped_by_a_503(
        client, users, tick, postgres):
    """A browser's EventSource takes any answer but a 200 as final and never reconnects: the stream it asks for by
    name is a 200 with `retry:` (the 503's Retry-After, in ms) and a comment, and ends; any other request keeps the
    503, and once the views have caught up the same request streams again."""
    import psycopg

    busy(client, users, tick)
    items, last = everything(client, users.school, "skola")
    with psycopg.connect(postgres.conninfo()) as conn:   # a build from the first event, far from where it is going
        conn.execute("UPDATE view_rules SET building_to = 1000000000")
    asked = {**users.school, "Accept": "text/event-stream", "Last-Event-ID": items[0]["cursor"]}
    answer = client.get("/api/v1/feeds/skola/stream", headers=asked)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")
    lines = answer.text.split("\n")
    assert "retry: 30000" in lines and any(line.startswith(": the agency views are being rebuilt") for line in lines)
    assert not any(line.startswith(("id:", "data:")) for line in lines)
    for refused in (client.get("/api/v1/feeds/skola/stream", headers=users.school),   # Accept */* (curl's)
                    client.get("/api/v1/feeds/skola", headers=users.school)):           # a page
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "30"
        assert refused.json()["error"]["code"] == "feeds_rebuilding"
    # Refusals that are no rebuild's stay statuses: an EventSource must not be told to come back for them.
    assert client.get("/api/v1/feeds/polis/stream", headers=asked).status_code == 403
    with psycopg.connect(postgres.conninfo()) as conn:
        conn.execute("UPDATE view_rules SET building_to = 1")
    store(client).finish_build("Sigill", datetime.now(timezone.utc))
    client.app.state.stream_seconds = 0.5
    resumed = client.get("/api/v1/feeds/skola/stream", headers=asked)
    assert resumed.status_code == 200 and "retry: 2000" in resumed.text.split("\n")
    assert [json.loads(line[6:]) for line in resumed.text.split("\n") if line.startswith("data: ")] == items[1:]


def test_a_plan_row_names_the_police_to_no_one_who_may_not_know_the_police_take_part(client, users, tick, context,
                                                                                    settings):
    """Rules version 5 (a red team's finding): a school whose consents cover `school` but not `case` is shown
    its Skola row without the police named on it — in its feed, its view, its plan over the API and on the web —
    while social services, and the school once `case` is consented, see them named."""
    from tests.integration.api.skew import web_as

    case_id, _ = school_consented_case(client, users, tick, categories=("school",))
    row = {"area": "Skola", "goal": "Närvaro.", "how": "Mentorn följer upp.", "responsible": "Mentor",
           "responsible_agencies": ["skola", "polis"]}
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", json={"main_goal": "Mål.", "rows": [row]},
                   headers=users.social), 201)
    messages, _ = everything(client, users.school, "skola")
    rows = [m["body"]["content"] for m in messages if m["body"]["kind"] == "plan.row"]
    assert rows and all(r["responsible_agencies"] == ["skola"] for r in rows)
    assert "polis" not in json.dumps(messages)
    plan = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))
    assert [r["content"]["responsible_agencies"] for r in plan["rows"]] == [["skola"]]
    assert "Polis" not in web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text
    assert [f.content["responsible_agencies"] for f in store(client).facts("skola", UUID(case_id))
            if f.kind == "plan.row"] == [["skola"]]
    social = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.social))
    assert [r["content"]["responsible_agencies"] for r in social["rows"]] == [["skola", "polis"]]
    social_feed, _ = everything(client, users.social, "socialtjanst", municipality="0180")
    assert [m["body"]["content"]["responsible_agencies"] for m in social_feed
            if m["body"]["kind"] == "plan.row"] == [["skola", "polis"]]


def test_a_feed_page_logs_the_read_of_each_case_it_shows_in_one_batch(client, users, tick, context):
    """Each case's read was logged on its own, a commit waited for each in turn: a page over a hundred cases, a
    hundred commits before it was answered."""
    cases = [school_consented_case(client, users, tick)[0] for _ in range(3)]
    messages, _ = everything(client, users.school, "skola", limit=500)
    assert {m["body"]["case_id"] for m in messages} == set(cases)
    assert context.cases.access_log.batch_sizes[-1] == 3   # one batch for the page, one entry a case
