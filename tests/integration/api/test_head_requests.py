"""HEAD on the API's GET endpoints is answered as the GET, without its body (RFC 9110 §9.3.2): the same status —
401, 403, 404 and 422 alike, so a HEAD tells no more than its GET — and the same headers; its read logged as the
GET's.  A feed's stream answers its status and headers and reads nothing."""

from __future__ import annotations

import time
import uuid
from uuid import UUID

import httpx
import pytest

from services.access_entry import AccessQuery
from services.api import routes_feeds
from services.api.app import create_api
from tests.integration.api.flows import school_consented_case
from tests.servers import free_port, serve_in_thread


def logged(context, case_id: str) -> int:
    return len(context.cases.access_log.search(AccessQuery(case_id=UUID(case_id))))


def test_head_on_a_feed_page_is_its_get_without_the_body_and_logged_as_it(client, users, tick, context):
    case_id, _ = school_consented_case(client, users, tick)
    before = logged(context, case_id)
    get = client.get("/api/v1/feeds/skola", headers=users.school)
    read_by_get = logged(context, case_id) - before
    head = client.head("/api/v1/feeds/skola", headers=users.school)
    assert head.status_code == get.status_code == 200 and head.content == b""
    assert dict(head.headers) == dict(get.headers)
    assert int(head.headers["content-length"]) == len(get.content)
    assert read_by_get > 0 and logged(context, case_id) - before == 2 * read_by_get


def test_head_on_a_case_read_has_the_gets_etag(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    get = client.get(f"/api/v1/cases/{case_id}", headers=users.school)
    head = client.head(f"/api/v1/cases/{case_id}", headers=users.school)
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == get.headers["etag"]


AS_THE_GET = {   # (address, who asks, the status its GET answers: refusals and two open documents)
    "feed, no sign-in": ("/api/v1/feeds/skola", None, 401),
    "another agency's feed": ("/api/v1/feeds/polis", "school", 403),
    "another agency's stream": ("/api/v1/feeds/polis/stream", "school", 403),
    "a feed, a malformed cursor": ("/api/v1/feeds/skola?after=x=", "school", 422),
    "a case not one's own": (f"/api/v1/cases/{uuid.uuid4()}", "school", 404),
    "me, no sign-in": ("/api/v1/me", None, 401),
    "health": ("/api/v1/health", None, 200),
    "the feed's schema": ("/api/v1/feeds/disclosure-message.schema.json", None, 200),
}


@pytest.mark.parametrize("case", AS_THE_GET.values(), ids=AS_THE_GET.keys())
def test_head_answers_the_status_and_headers_of_the_get(client, users, case):
    address, who, status = case
    headers = getattr(users, who) if who else {}
    get, head = client.get(address, headers=headers), client.head(address, headers=headers)
    assert get.status_code == head.status_code == status, get.text
    assert head.content == b""
    assert dict(head.headers) == dict(get.headers)


def test_a_path_that_takes_get_names_head_among_its_methods(client, users):
    response = client.post("/api/v1/feeds/skola", headers=users.school)
    assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD"
    head = client.head("/api/v1/admin/ledger/seal", headers=users.social)   # a POST alone
    assert head.status_code == 405 and head.headers["allow"] == "POST" and head.content == b""


@pytest.fixture
def served(context):
    """The API on a real uvicorn server, which sends a HEAD's headers as they are and no body."""
    api = create_api(context)
    api.state.poll_seconds, api.state.heartbeat_seconds = 0.05, 0.2
    port = free_port()
    server, thread = serve_in_thread(api, port, "head-api")
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    routes_feeds.SHUTDOWN.clear()


def test_head_on_a_stream_answers_its_headers_at_once_and_reads_nothing(served, client, users, tick, context):
    case_id, _ = school_consented_case(client, users, tick)
    before = logged(context, case_id)
    started = time.monotonic()
    with httpx.Client(timeout=5.0) as http:
        head = http.head(f"{served}/api/v1/feeds/skola/stream", headers=users.school)
        page = http.get(f"{served}/api/v1/feeds/skola", headers=users.school)   # the connection still serves
        page_head = http.head(f"{served}/api/v1/feeds/skola", headers=users.school)
    assert head.status_code == 200 and head.content == b"" and time.monotonic() - started < 5
    assert head.headers["content-type"].startswith("text/event-stream")
    assert page.status_code == page_head.status_code == 200 and page_head.content == b""
    assert int(page_head.headers["content-length"]) == len(page.content)
    assert logged(context, case_id) - before == 2   # the page's GET and its HEAD; the stream's HEAD nothing
