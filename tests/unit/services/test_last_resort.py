"""``LastResort`` answers an error with the application's most specific handler of it, along its class's MRO, as
Starlette's ``ExceptionMiddleware`` chooses — not always with ``Exception``'s.  An error with a handler of its own
raised outside the routes (in ``OneValueEach`` or ``BodyLimit``, inside this layer and outside Starlette's) was a
500: the database away, which the API answers 503 with ``Retry-After``, among them.  No such error is known to reach
it today (the routes' errors are answered by ``ExceptionMiddleware``, the web's by ``guarded``; the layers between
ask only what cannot fail), so the layer is tested alone, with the API's own handlers."""

from __future__ import annotations

import asyncio
import json

import psycopg
from eventsourcing.persistence import OperationalError
from fastapi import FastAPI

from services.access_log import AccessLogUnavailable
from services.api import error_handlers
from services.api.middleware import LastResort
from tests.concurrency import in_threads


def _api_handlers() -> dict:
    api = FastAPI()
    error_handlers.install(api)
    return api.exception_handlers


def _answer(error: Exception, handlers: dict, path: str = "/api/v1/cases") -> tuple[int, dict[str, str], dict]:
    sent: list[dict] = []

    async def app(scope, receive, send):   # a layer inside, failing before it answers
        raise error

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [], "scheme": "http", "server": ("testserver", 80), "root_path": ""}
    # On a loop of its own, in a thread of its own: a test before may have left this thread's loop running.
    in_threads(lambda _: asyncio.run(LastResort(app, handlers)(scope, receive, send)), 1)
    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    headers = {name.decode().lower(): value.decode() for name, value in start["headers"]}
    return start["status"], headers, json.loads(body)


def test_the_database_away_is_503_with_retry_after_not_500():
    handlers = _api_handlers()
    for away in (psycopg.OperationalError("connection refused"),   # its own handler
                 OperationalError("the server closed the connection")):   # PersistenceError's, a base of its
        status, headers, body = _answer(away, handlers)
        assert status == 503 and headers["retry-after"] == "5", (type(away), status)
        assert body["error"]["code"] == "database_unavailable"


def test_the_access_log_unavailable_is_its_own_503():
    try:
        try:
            raise psycopg.OperationalError("the access log's connection is gone")
        except psycopg.OperationalError as cause:
            raise AccessLogUnavailable("the read could not be logged, so it is not answered") from cause
    except AccessLogUnavailable as unlogged:
        status, headers, body = _answer(unlogged, _api_handlers())
    assert status == 503 and headers["retry-after"] == "5" and body["error"]["code"] == "access_log_unavailable"


def test_an_error_with_no_handler_of_its_own_is_still_exception_s_500():
    status, _, body = _answer(ValueError("Peter Exempel 20090314-2388"), _api_handlers())
    assert status == 500 and body["error"]["code"] == "internal_error" and "20090314" not in json.dumps(body)


def test_a_specific_handler_that_fails_too_leaves_the_answer_to_exception_s():
    handlers = _api_handlers()

    async def failing(request, error):
        raise RuntimeError("the handler's own failure")
    status, _, body = _answer(psycopg.OperationalError("gone"), {**handlers, psycopg.OperationalError: failing})
    assert status == 500 and body["error"]["code"] == "internal_error"
