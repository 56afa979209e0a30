"""Reading an Accept header as RFC 9110 §12.5.1 does: the most specific matching range decides a type's quality."""

from __future__ import annotations

import pytest

from services.api.accept import accepts, names

JSON, HTML, SSE = "application/json", "text/html", "text/event-stream"


@pytest.mark.parametrize("header, offered", [
    ("*/*", JSON), ("application/*", JSON), (JSON, JSON), ("APPLICATION/Json", JSON),
    ("application/json; charset=utf-8", JSON),
    ("application/xml, application/json;q=0.5", JSON), ("application/*;q=0, application/json", JSON),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", JSON),   # a browser's
    ("text/*", HTML), ("text/event-stream", SSE), ("application/json;q=0.001", JSON)])
def test_a_range_that_names_the_type_with_a_quality_above_0_accepts_it(header, offered):
    assert accepts(header, offered)


@pytest.mark.parametrize("header, offered", [
    ("application/xml", JSON), ("text/csv", JSON), ("application/json;q=0", JSON), ("application/json; q=0.000", JSON),
    ("*/*, application/json;q=0", JSON), ("application/json;q=0, */*", JSON), ("application/*;q=0, */*", JSON),
    ("application/problem+json", JSON), (JSON, SSE), ("text/html", SSE), ("*/*, text/*;q=0", HTML)])
def test_a_header_giving_the_type_no_quality_above_0_excludes_it(header, offered):
    assert not accepts(header, offered)


@pytest.mark.parametrize("header", ["", " ", "json", "*/json", "application/json;q=2", "application/json;q=abc", ",,"])
def test_a_header_with_no_range_that_can_be_read_is_no_preference(header):
    assert accepts(header, JSON)


def test_a_range_that_cannot_be_read_is_passed_over_beside_one_that_can():
    assert not accepts("json, application/xml", JSON)
    assert accepts("application/xml;q=x, application/json", JSON)


@pytest.mark.parametrize("header, named", [
    ("text/event-stream", True), ("Text/Event-Stream; charset=utf-8", True), ("*/*, text/event-stream;q=0.1", True),
    ("*/*", False), ("text/*", False), ("", False), ("text/event-stream;q=0", False), ("application/json", False)])
def test_an_eventsource_names_the_stream_and_a_client_taking_anything_does_not(header, named):
    """What the stream's answer while the views are rebuilt goes by: a 200 that tells an EventSource to come back."""
    assert names(header, SSE) is named
