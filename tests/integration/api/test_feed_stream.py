"""The live feed (Server-Sent Events) on a real uvicorn server: follows new messages, resumes, ends cleanly."""

from __future__ import annotations

import json
import signal
import threading
import time

import httpx
import pytest

from services.api import routes_feeds
from services.api.app import create_api
from tests.concurrency import eventually
from tests.integration.api.flows import ok, school_consented_case
from tests.kafka_broker import free_port
from tests.servers import serve_in_thread


class Events:
    """Reads an SSE stream in a thread: the events (id, data) and the comment lines as they come."""

    def __init__(self, url: str, headers: dict) -> None:
        self.events: list[tuple[str, dict]] = []
        self.comments: list[str] = []
        self.ended = threading.Event()
        self.status: int | None = None
        self._client = httpx.Client(timeout=httpx.Timeout(5.0, read=30.0))
        self._thread = threading.Thread(target=self._read, args=(url, headers), daemon=True)
        self._thread.start()

    def _read(self, url: str, headers: dict) -> None:
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                self.status = response.status_code
                event: dict[str, str] = {}
                for line in response.iter_lines():
                    if line.startswith(":"):
                        self.comments.append(line)
                    elif line.startswith("id: "):
                        event["id"] = line[4:]
                    elif line.startswith("data: "):
                        event["data"] = line[6:]
                    elif line == "" and "data" in event:
                        self.events.append((event["id"], json.loads(event["data"])))
                        event = {}
        except httpx.HTTPError:
            pass
        finally:
            self.ended.set()

    def wait_for(self, count: int, seconds: float = 10.0) -> list[tuple[str, dict]]:
        deadline = time.monotonic() + seconds
        while len(self.events) < count and time.monotonic() < deadline and not self.ended.is_set():
            time.sleep(0.02)
        return self.events

    def close(self) -> None:
        self._client.close()


@pytest.fixture
def served(context):
    """The API on a real uvicorn server in this process, with quick polls and heartbeats."""
    api = create_api(context)
    api.state.poll_seconds, api.state.heartbeat_seconds = 0.05, 0.2
    port = free_port()
    server, thread = serve_in_thread(api, port, "feed-stream-api")   # one that cannot start fails, not hangs
    yield server, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    routes_feeds.SHUTDOWN.clear()


def test_the_stream_delivers_a_message_recorded_after_it_connected(served, client, users, tick):
    _, base = served
    case_id, _ = school_consented_case(client, users, tick)
    before = len(ok(client.get("/api/v1/feeds/skola", params={"limit": 1000}, headers=users.school))["messages"])
    stream = Events(f"{base}/api/v1/feeds/skola/stream", users.school)
    try:
        assert len(stream.wait_for(before)) == before and stream.status == 200
        tick()
        ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                       json={"category": "school", "text": "Efter anslutningen"}), 201)
        events = stream.wait_for(before + 1)
        assert events[-1][1]["body"]["content"]["text"] == "Efter anslutningen"
        assert events[-1][0] == events[-1][1]["cursor"]
        time.sleep(0.5)
        assert ": keep-alive" in stream.comments  # idle: heartbeats keep proxies from closing it
    finally:
        stream.close()


def test_the_stream_resumes_after_last_event_id(served, client, users, tick):
    _, base = served
    school_consented_case(client, users, tick)
    page = ok(client.get("/api/v1/feeds/skola", params={"limit": 1000}, headers=users.school))["messages"]
    resumed = Events(f"{base}/api/v1/feeds/skola/stream?after={page[-1]['cursor']}",
                     {**users.school, "Last-Event-ID": page[1]["cursor"]})
    try:
        events = resumed.wait_for(len(page) - 2)
        time.sleep(0.3)
        assert [e[1]["headers"]["event_id"] for e in resumed.events] == [
            i["headers"]["event_id"] for i in page[2:]]  # Last-Event-ID wins over ?after=, and nothing repeats
        assert events
    finally:
        resumed.close()


def test_a_disconnected_client_ends_its_stream(served, users):
    server, base = served
    stream = Events(f"{base}/api/v1/feeds/skola/stream", users.school)
    eventually(lambda: stream.comments, seconds=5, interval=0.02)
    assert server.server_state.connections
    stream.close()
    eventually(lambda: not server.server_state.connections, seconds=5)
    assert not server.server_state.connections and not server.server_state.tasks


def test_server_shutdown_ends_open_streams(served, users):
    server, base = served
    stream = Events(f"{base}/api/v1/feeds/skola/stream", users.school)
    eventually(lambda: stream.comments, seconds=5, interval=0.02)
    started = time.monotonic()
    server.handle_exit(signal.SIGTERM, None)  # what uvicorn's signal handler runs
    assert stream.ended.wait(5), "the stream outlived the server"
    assert time.monotonic() - started < 3
    stream.close()


def test_a_stream_that_cannot_log_its_reads_sends_nothing_and_ends(served, context, client, users, tick):
    from services.access_log import AccessLogUnavailable

    _, base = served
    school_consented_case(client, users, tick)

    def refuse(entries):
        raise AccessLogUnavailable("the access log cannot be written; the read was refused")

    context.cases.access_log.record_all = refuse   # a page's reads are logged in one batch
    stream = Events(f"{base}/api/v1/feeds/skola/stream", users.school)
    try:
        assert stream.ended.wait(5)
        assert stream.events == [] and any("cannot be read now" in c for c in stream.comments)
    finally:
        stream.close()


def test_a_stream_ends_when_its_sign_in_runs_out(served, users):
    _, base = served
    token = users.tokens.issue(subject="s1", name="Kim", agency="skola", roles=["member"], municipality="0180",
                               lifetime=2)
    stream = Events(f"{base}/api/v1/feeds/skola/stream", {"Authorization": f"Bearer {token}"})
    try:
        assert stream.ended.wait(8), "the stream went on disclosing after the token expired"
        assert stream.status == 200
    finally:
        stream.close()


def test_a_token_past_its_expiry_but_within_the_leeway_gets_a_page_but_no_stream(client, users):
    """A stream for it would end at once and an EventSource would reconnect every 2 s with the same token."""
    token = users.tokens.issue(subject="s2", name="Kim", agency="skola", roles=["member"], municipality="0180",
                               lifetime=1)
    time.sleep(1.5)   # expired, within the verifier's clock-skew leeway
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/feeds/skola", headers=auth).status_code == 200
    refused = client.get("/api/v1/feeds/skola/stream", headers=auth)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthenticated"
    assert "WWW-Authenticate" in refused.headers
