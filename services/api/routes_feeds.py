"""An agency's feed over HTTP — pages, and a live Server-Sent Events stream — for agencies without Kafka.

The items are the Kafka records of the agency's topic (headers and body), read
from the same disclosure log, so both carry exactly what the agency's view
receives.  Authorisation, the municipality narrowing and the access log are
``services.feeds``'; this module only parses, streams and shapes.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
import signal
import threading
import time
from importlib import resources
from typing import Annotated, Any, AsyncIterator, Callable

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from anyio import CapacityLimiter, to_thread
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from projections.agency_feed import FeedMessage
from services.api import feed_views as fv
from services.api.accept import accept_sent, names
from services.api.deps import Context, Reader, header
from services.api.errors import REBUILDING, REBUILDING_RETRY_SECONDS, ErrorBody, error_body
from services.api.routes_commands import ERRORS, documented_as_json
from services.api.one_key_each import OneKeyEachRoute
from services.api.query_numbers import PlainDigits
from services.feeds import (IDS_RENEWED, MAX_LIMIT, NOT_A_CURSOR, START_AGAIN, Cursor, FeedPage, FeedReader,
                            IdsRenewed, encode_cursor)
from services.ports import FeedsRebuilding
from services.principals import AuthenticationFailed, Principal

router = APIRouter(prefix="/api/v1/feeds", tags=["feeds"], route_class=OneKeyEachRoute)
log = logging.getLogger("sigill.api")

# How a stream behaves; a test or an installation may set these on ``app.state`` (same names, lower case).
STREAM_SECONDS = 900.0    # a stream ends after this and the client resumes (Last-Event-ID): no stale connections
HEARTBEAT_SECONDS = 15.0  # a comment line this often keeps proxies from closing an idle stream
POLL_SECONDS = 0.25       # how often an idle stream looks for new messages
STREAM_THREADS = 4       # threads the streams' polls share, apart from the pool requests use
SHUTDOWN = threading.Event()  # set when the server is told to stop: every stream ends at once

CURSOR_FORM = re.compile(r"[A-Za-z0-9_-]{0,160}")
AGENCY_FORM = re.compile(r"[a-z0-9_-]{1,50}")


NOT_CURSOR_FORM = ("not a cursor this server gives (cursors are unpadded base64url — A–Z, a–z, 0–9, - and _ — of at"
                   " most 160 characters): send back `next` or an item's `cursor` exactly as given, or omit it to"
                   " start at the beginning")


def _of_form(form: re.Pattern[str], refused: str) -> Callable[[Any], Any]:
    """A check of a path or query value that says what the value must be, and what to send instead: a failed regular
    expression alone told an integration engineer nothing (a cursor with an ``=`` added back, ``Skola``, ``0180 ``).
    Nothing sent is said back."""
    def check(value: Any) -> Any:
        if isinstance(value, str) and not form.fullmatch(value):
            raise PydanticCustomError("string_pattern_mismatch", refused)
        return value
    return check


_cursor_as_given = _of_form(CURSOR_FORM, NOT_CURSOR_FORM)
_catalogue_agency_id = _of_form(AGENCY_FORM, "not an agency id: a catalogue agency id is lower case (a–z, 0–9, - and"
                                " _), e.g. skola; your token's agency claim names yours, and /api/v1/catalogue lists"
                                " them all")


# The validators come after Path/Query/Header, so the document keeps the pattern and the length (as PlainDigits).
AgencyPath = Annotated[str, Path(min_length=1, max_length=50, pattern=r"^[a-z0-9_-]+$", examples=["skola"],
                                 description="a catalogue agency id: your own agency's"),
                       BeforeValidator(_catalogue_agency_id)]
After = Annotated[str | None, Query(max_length=160, pattern=r"^[A-Za-z0-9_-]*$", examples=[fv.EXAMPLE_CURSOR],
                                    description="opaque cursor from an earlier answer (`next` or an item's"
                                                " `cursor`); omit it to start at the beginning"),
                  BeforeValidator(_cursor_as_given)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"at most this many messages (1–{MAX_LIMIT})"),
                  PlainDigits]
LAST_EVENT_ID = ("last-event-id", "Last-Event-ID", 0, 160, r"^[A-Za-z0-9_-]*$",
                 "sent by EventSource on reconnection: resume after it (wins over ?after=)")


async def last_event_id(request: Request) -> str | None:
    """Not a declared Header: FastAPI's refusal would keep what was sent (``deps.header``)."""
    return header(request, LAST_EVENT_ID, NOT_CURSOR_FORM)


last_event_id.headers = (LAST_EVENT_ID,)  # type: ignore[attr-defined]  # documented (``deps.document``)
LastEventId = Annotated[str | None, Depends(last_event_id)]
MUNICIPALITY_FORM = re.compile(r"[A-Za-z0-9]{1,10}")


_municipality_code = _of_form(MUNICIPALITY_FORM, "not a municipality code: a kommunkod of the catalogue (letters and"
                              " digits, at most 10), e.g. 0180; omit it to read your sign-in's municipality, and"
                              " /api/v1/catalogue lists them all")


Municipality = Annotated[str | None, Query(max_length=10, pattern=r"^[A-Za-z0-9]+$", examples=["0180"],
                                           description="every agency's feed is one per municipality: a user reads"
                                                       " their own (the default, from their sign-in); auditors"
                                                       " name it"),
                         BeforeValidator(_municipality_code)]


def _examples(*errors: tuple[str, str, str | None]) -> dict[str, Any]:
    """Several examples of one status, by code (OpenAPI: in place of its one ``example``)."""
    return {code: {"summary": code, "value": error_body(code, message, field)} for code, message, field in errors}


FEED_ERRORS: dict[int | str, dict[str, Any]] = {
    401: ERRORS[401],
    403: {"description": "another agency's feed, another municipality's (but an auditor's), a sign-in naming no"
                         " municipality, or a role that reads no feed (case roles and `feed_reader` do)",
          "model": ErrorBody,
          "content": {
        "application/json": {"example": {"error": {"code": "forbidden", "field": "path.agency", "message":
                             "you read your own agency's feed (/api/v1/feeds/skola); no agency reads another's"}}}}},
    404: {"description": "no such agency", "model": ErrorBody, "content": {"application/json": {"example": {"error": {
        "code": "feed_not_found", "message": "no agency 'x' in the catalogue", "field": "path.agency"}}}}},
    422: {"description": "a malformed cursor, one of another feed or one past the feed's last message"
                         " (`malformed_cursor`), a cursor from before feeds"
                         " were numbered (`outdated_cursor`: start again from the beginning), a bad limit, an unknown"
                         " municipality, a query parameter the endpoint does not take or one given twice, or (auditors)"
                         " a feed read without a municipality (`municipality_needed`)", "model": ErrorBody,
          "content": {"application/json": {"examples": _examples(
              ("malformed_cursor", NOT_A_CURSOR, "query.after"),
              ("outdated_cursor", "a cursor from before each feed was numbered on its own, which this server no"
                                  " longer reads: " + START_AGAIN, "query.after"),
              ("municipality_needed", "skola's feed is one per municipality: add ?municipality=CODE",
               "query.municipality"))}}},
    410: {"description": "a cursor of ids this feed no longer uses (`ids_renewed`: renewed after the database was"
                         " restored from an older backup, every event_id and fact_id new — or another installation's"
                         " cursor): drop everything held from this feed and read it again from the start, without a"
                         " cursor", "model": ErrorBody,
          "content": {"application/json": {"example": error_body("ids_renewed", IDS_RENEWED, "query.after")}}},
    # Every page read is written to the access log first; no feed is read while the views are rebuilt.
    503: {"description": "the agency views are being rebuilt from the first event (`feeds_rebuilding`: Retry-After"
                         " 30, the feeds are back once they have caught up), or the database or the access log"
                         " cannot be written (try again)", "model": ErrorBody,
          "headers": {"Retry-After": {"description": "seconds to wait before asking again",
                                      "schema": {"type": "integer", "example": 30}}},
          "content": {"application/json": {"examples": _examples(
              ("feeds_rebuilding", REBUILDING, None),
              ("access_log_unavailable", "the access log cannot be written; the read was refused", None),
              ("database_unavailable", "the database cannot be reached; try again", None))}}},
}
SSE_EXAMPLE = (f": sigill feed skola.0180\nretry: 2000\n: id_generation {fv.EXAMPLE_GENERATION}\n\n"
               f"id: {fv.EXAMPLE_CURSOR}\ndata: "
               + json.dumps({"cursor": fv.EXAMPLE_CURSOR, "headers": fv.EXAMPLE_HEADERS, "body": fv.EXAMPLE_BODY},
                            ensure_ascii=False) + "\n\n: keep-alive\n\n")


class EventStream(StreamingResponse):
    """The stream's answer: its type is the route's, so its Accept is checked for it (``services.api.accept``) and
    the document names it alone for the 200 (it named JSON beside it, which the stream never answers)."""

    media_type = "text/event-stream"


def reader(request: Request, ctx: Context) -> FeedReader:
    """One reader per application (its municipality cache is shared), over the API's view store."""
    found = getattr(request.app.state, "feed_reader", None)
    if found is None:
        lists = ctx.cases.lists
        app = ctx.cases.app
        store = lists.runner.store  # type: ignore[union-attr]
        found = FeedReader(store, ctx.cases.access_log, app.catalogue, app.clock.now,
                           catch_up=lists.catch_up)  # type: ignore[union-attr]
        request.app.state.feed_reader = found
    return found


def _no_store(headers: dict[str, str] | None = None) -> dict[str, str]:
    return {"Cache-Control": "no-store", **(headers or {})}


# --- The documents a message is read by: the package's files, served as they are -------------------------------------
# Public, as /api/v1/openapi.json is: they hold no case data, and an integration engineer reads them before it has a
# token.  Side by side as in services/data/feeds, so the AsyncAPI document's ./disclosure-message.schema.json
# resolves to the served schema.  Matched before /{agency}: no agency id has a dot.

class SchemaDocument(Response):
    media_type = "application/schema+json"


class YamlDocument(Response):
    media_type = "application/yaml"


@functools.cache
def packaged(name: str) -> bytes:
    """One of services/data/feeds' files (package data: an installed server has them too), read once."""
    return resources.files("services").joinpath("data/feeds", name).read_bytes()


@router.get(fv.SCHEMA_NAME, response_class=SchemaDocument, responses={200: {
    "description": "the JSON Schema (2020-12) of a feed message's body, its headers' under `$defs.headers` and each"
                   " kind's content under `$defs.content.<kind>`: the Kafka records' and the HTTP feed's alike",
    "content": {SchemaDocument.media_type: {"schema": {"type": "object"}}}}})
def message_schema() -> SchemaDocument:
    """The JSON Schema of a feed message (no sign-in needed): what each kind of fact's `content` holds."""
    return SchemaDocument(packaged("disclosure-message.schema.json"))


@router.get("/asyncapi.yaml", response_class=YamlDocument, responses={200: {
    "description": "the AsyncAPI 3 document of the agencies' Kafka topics; its messages refer to the JSON Schema"
                   f" beside it ({fv.SCHEMA_PATH})",
    "content": {YamlDocument.media_type: {"schema": {"type": "object"}}}}})   # as parsed
def asyncapi() -> YamlDocument:
    """The AsyncAPI document of the agencies' Kafka topics (no sign-in needed)."""
    return YamlDocument(packaged("asyncapi.yaml"))


@router.get("/{agency}", response_model=fv.FeedPageOut, responses=FEED_ERRORS,
            response_description="a page of your feed: its messages in feed order (at most `limit`), `next` to send"
                                 " back as ?after=, and `more` (true: ask again at once; false: poll again later, or"
                                 " keep the stream open)")
def feed_page(request: Request, reading: Reader, agency: AgencyPath,
              after: After = None, limit: Limit = 100, municipality: Municipality = None) -> JSONResponse:
    """Your agency's feed after a cursor, in order: the same messages as its Kafka topic, and the next cursor."""
    ctx, user, purpose = reading
    feeds = reader(request, ctx)
    page = feeds.page(user, feeds.start(user, agency, after, "after", municipality), limit, purpose, field="after")
    body = {"agency": agency, "feed": page.next.feed, "id_generation": page.next.ids,
            "messages": [fv.item(m, page.cursor_of(m)) for m in page.messages], "next": encode_cursor(page.next),
            "more": page.more}
    return JSONResponse(body, headers=_no_store())


@router.get("/{agency}/stream", response_class=EventStream, responses={**documented_as_json(FEED_ERRORS), 200: {
    "description": "Server-Sent Events: first a comment naming the feed (`: sigill feed skola.0180`), `retry: 2000`"
                   " and a comment `: id_generation <generation>` (as a page's `id_generation`), then one event per"
                   " message (`id` = its cursor, `data` = a FeedItem as JSON),"
                   " and a `: keep-alive` comment while idle. While the views are rebuilt, a request that names"
                   " text/event-stream in its Accept (as an EventSource does) is answered 200 with `retry: 30000` and"
                   " a comment, and the stream ends: an EventSource reconnects 30 s later (a 503 would stop it for"
                   " good); any other request gets the 503",
    "content": {"text/event-stream": {"schema": {"type": "string"}, "example": SSE_EXAMPLE}}}})
async def feed_stream(request: Request, reading: Reader, agency: AgencyPath,
                      last_event_id: LastEventId, after: After = None,
                      municipality: Municipality = None) -> EventStream:
    """Your agency's feed as a live stream (Server-Sent Events): new messages as they are recorded; resumable."""
    ctx, user, purpose = reading
    if user.expires_at is not None and user.expires_at <= time.time():
        # Within the token's clock-skew leeway a page is still answered, but a stream would end at once, and an
        # EventSource would reconnect with the same token every 2 s: the client is told to sign in anew instead.
        raise AuthenticationFailed("the token has expired; a stream needs a token with time left")
    feeds = reader(request, ctx)
    # Refused before the stream starts (access, cursor): a status, not a broken stream.
    position = (feeds.start(user, agency, last_event_id, "Last-Event-ID", municipality) if last_event_id
                else feeds.start(user, agency, after, "after", municipality))
    try:
        feeds.check_built()   # a status while the views are rebuilt, not a stream that ends at once (and reconnects)
    except FeedsRebuilding:
        # An EventSource takes any answer but a 200 as final and stops for good, and it asks for the stream by name:
        # it is told to come back when the 503's Retry-After would have it.  Any other client gets that 503.
        if not names(accept_sent(request.headers.raw), EventStream.media_type):
            raise
        return EventStream(_come_back_later(), headers=_no_store({"X-Accel-Buffering": "no"}))
    return EventStream(_events(request, feeds, user, agency, position, purpose),
                       headers=_no_store({"X-Accel-Buffering": "no"}))


REBUILDING_EVENTS = (f"retry: {REBUILDING_RETRY_SECONDS * 1000}\n: the agency views are being rebuilt; reconnect with"
                     f" Last-Event-ID in {REBUILDING_RETRY_SECONDS} s (an EventSource does by itself)\n\n")


async def _come_back_later() -> AsyncIterator[str]:
    yield REBUILDING_EVENTS


async def _events(request: Request, feeds: FeedReader, user: Principal, agency: str, position: Cursor,
                  purpose: str) -> AsyncIterator[str]:
    state = request.app.state
    lifetime = getattr(state, "stream_seconds", STREAM_SECONDS)
    if user.expires_at is not None:  # no disclosure after the sign-in has run out: the client resumes signed in anew
        lifetime = min(lifetime, user.expires_at - time.time())
    heartbeat = getattr(state, "heartbeat_seconds", HEARTBEAT_SECONDS)
    poll = getattr(state, "poll_seconds", POLL_SECONDS)
    start = last_sent = time.monotonic()
    yield f": sigill feed {position.feed}\nretry: 2000\n"
    announced = False   # the generation, as the first page reads it: what its messages and cursors name
    while not SHUTDOWN.is_set() and time.monotonic() - start < lifetime:
        try:
            page = await to_thread.run_sync(feeds.page, user, position, MAX_LIMIT, purpose, False,
                                            limiter=_stream_limiter(state))
        except FeedsRebuilding:   # an EventSource's reconnection is told the same until the views have caught up
            yield REBUILDING_EVENTS
            return
        except IdsRenewed:   # its reconnection with Last-Event-ID is answered 410, which says what to do
            yield ": this feed's ids were renewed (a restore): drop what you hold of it; reconnect without a cursor\n\n"
            return
        except Exception as error:  # noqa: BLE001 - the status is sent: end with a line, the client resumes
            log.error("feed stream ended: %s", type(error).__qualname__)
            yield ": the feed cannot be read now; reconnect with Last-Event-ID\n\n"
            return
        position = page.next
        if not announced:
            yield f": id_generation {position.ids}\n\n"
            announced = True
        if page.messages:
            yield "".join(_event(page, m) for m in page.messages)
            last_sent = time.monotonic()
        elif time.monotonic() - last_sent >= heartbeat:
            yield ": keep-alive\n\n"
            last_sent = time.monotonic()
        if not page.more:
            await asyncio.sleep(poll)  # a disconnected client cancels the stream here (ASGI http.disconnect)


def _event(page: FeedPage, message: FeedMessage) -> str:
    item = fv.item(message, page.cursor_of(message))
    return f"id: {item['cursor']}\ndata: {json.dumps(item, ensure_ascii=False)}\n\n"


def _stream_limiter(state: Any) -> CapacityLimiter:
    """Streams poll in threads of their own, a few at a time: many open streams never starve other requests."""
    limiter = getattr(state, "stream_limiter", None)
    if limiter is None:
        limiter = state.stream_limiter = CapacityLimiter(STREAM_THREADS)
    return limiter


def _stop_streams_on_server_exit() -> None:
    """uvicorn waits for open responses before it stops: end every stream when it is told to exit."""
    try:
        from uvicorn.server import HANDLED_SIGNALS, Server
    except ImportError:  # served by something else: streams still end by their lifetime
        return
    if getattr(Server.handle_exit, "_ends_feed_streams", False):
        return
    original = Server.handle_exit

    def handle_exit(self: Any, sig: int, frame: Any) -> None:
        SHUTDOWN.set()
        original(self, sig, frame)

    handle_exit._ends_feed_streams = True  # type: ignore[attr-defined]
    Server.handle_exit = handle_exit  # type: ignore[method-assign]
    _chain_installed_handlers(HANDLED_SIGNALS, original, handle_exit)


def _chain_installed_handlers(signals: Any, original: Any, handle_exit: Any) -> None:
    """A worker of `sigill serve --workers N` imports this module while its server already listens for signals:
    uvicorn loads the app inside ``capture_signals``, which bound the unpatched ``handle_exit`` — so the
    patch above came too late there, and SIGTERM left streams open until their 15 minutes ran out."""
    if threading.current_thread() is not threading.main_thread():
        return   # signal handlers are the main thread's alone
    for sig in signals:
        installed = signal.getsignal(sig)
        if getattr(installed, "__func__", None) is original:   # a listening server's own bound handler
            signal.signal(sig, functools.partial(handle_exit, installed.__self__))


_stop_streams_on_server_exit()
