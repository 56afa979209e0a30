"""Whether a client asks for the feed's stream by name (an EventSource: ``text/event-stream``) is read from every
``Accept`` header it sends, as the 406 check reads them (RFC 9110 §5.3: a list field's lines are one list): it read
the first alone, so a client whose second header named the stream was taken for one that did not."""

from __future__ import annotations

import psycopg

from tests.integration.api.test_feed_http import busy, everything


def _rebuilding(client, users, tick, postgres) -> None:
    """The views being rebuilt, as test_feed_http's EventSource test has them; a stream, were one begun, short."""
    client.app.state.stream_seconds = 0.5
    busy(client, users, tick)
    everything(client, users.school, "skola")
    with psycopg.connect(postgres.conninfo()) as conn:   # a build from the first event, far from where it is going
        conn.execute("UPDATE view_rules SET building_to = 1000000000")


def _stream(client, users, *accept: str):
    headers = [*users.school.items(), *(("Accept", value) for value in accept)]
    return client.get("/api/v1/feeds/skola/stream", headers=headers)


def test_two_accept_headers_the_second_naming_the_stream_are_read_as_one_header_listing_both(
        client, users, tick, postgres):
    _rebuilding(client, users, tick, postgres)
    one = _stream(client, users, "application/json, text/event-stream")
    two = _stream(client, users, "application/json", "text/event-stream")
    assert one.status_code == 200 and "retry: 30000" in one.text.split("\n")   # told to come back, not stopped
    assert (two.status_code, two.headers["content-type"], two.text) == (
        one.status_code, one.headers["content-type"], one.text)


def test_guard_two_accept_headers_neither_naming_the_stream_keep_the_503(client, users, tick, postgres):
    _rebuilding(client, users, tick, postgres)
    answer = _stream(client, users, "application/json", "*/*")
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "feeds_rebuilding"
