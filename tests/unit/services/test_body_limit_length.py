"""A Content-Length no body could have (thousands of digits) is 413, not a 500: ``int()`` refuses a number of over
4,300 digits (found by the red team of 2026-12-05, beside the web's page numbers)."""

from __future__ import annotations

import asyncio

from services.api.middleware import BodyLimit
from tests.concurrency import in_threads


def _answer_to(length: bytes) -> list[dict]:
    sent: list[dict] = []

    async def app(scope, receive, send):   # never reached: the header alone decides
        raise AssertionError("the body limit let the request through")

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/cases", "headers": [(b"content-length", length)]}
    # On a loop of its own, in a thread of its own: a test before may have left this thread's loop running.
    in_threads(lambda _: asyncio.run(BodyLimit(app)(scope, receive, send)), 1)
    return sent


def test_a_content_length_of_thousands_of_digits_is_413():
    sent = _answer_to(b"9" * 5_000)
    assert sent[0]["status"] == 413


def test_a_content_length_of_thousands_of_digits_is_413_even_when_its_value_is_small():
    sent = _answer_to(b"0" * 5_000 + b"1")
    assert sent[0]["status"] == 413   # no real client sends it: refused, as a number too long to read
