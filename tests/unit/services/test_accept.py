"""Reading an Accept header as RFC 9110 §12.5.1 does: the most specific matching range decides a type's quality."""

from __future__ import annotations

import pytest

from services.api.accept import UnreadableAccept, accepts, names

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


@pytest.mark.parametrize("header", ["", " ", ",,", " , "])
def test_a_header_naming_no_range_is_no_preference(header):
    """As a missing header (RFC 9110 §12.5.1); empty list elements are passed over (§5.6.1)."""
    assert accepts(header, JSON)


@pytest.mark.parametrize("header, position, count", [
    ("json", 1, 1), ("*/json", 1, 1), ("application/json;q=2", 1, 1), ("application/json;q=abc", 1, 1),
    (";;;q=x", 1, 1), ("text/html;q=abc", 1, 1), ("application/xml;q=x, application/json", 1, 2),
    ("application/json, json", 2, 2), ("application/json;q=", 1, 1), ("application/json;q=-1", 1, 1),
    ("application/json;q=.", 1, 1), ("application/json;q=0.5x", 1, 1)])
def test_a_range_that_cannot_be_read_makes_the_header_unreadable(header, position, count):
    """Neither passed over nor taken as any type: ``text/html;q=abc`` asks for HTML, not for whatever is offered."""
    with pytest.raises(UnreadableAccept) as unreadable:
        accepts(header, JSON)
    assert (unreadable.value.position, unreadable.value.count) == (position, count)
    assert not names(header, SSE)


def test_javas_default_accept_is_read_as_it_means():
    """HttpURLConnection's own, sent by every Java client that sets none: ``*`` for ``*/*`` and ``q=.2`` for 0.2, as
    common servers read them (by the letter they are no range and no qvalue)."""
    java = "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2"
    assert accepts(java, JSON) and accepts(java, SSE)
    assert not accepts("text/html, *; q=0", JSON)
    assert accepts("application/json;q=1.", JSON) and accepts("application/json;q=0.1234", JSON)


@pytest.mark.parametrize("header, named", [
    ("text/event-stream", True), ("Text/Event-Stream; charset=utf-8", True), ("*/*, text/event-stream;q=0.1", True),
    ("*/*", False), ("text/*", False), ("", False), ("text/event-stream;q=0", False), ("application/json", False)])
def test_an_eventsource_names_the_stream_and_a_client_taking_anything_does_not(header, named):
    """What the stream's answer while the views are rebuilt goes by: a 200 that tells an EventSource to come back."""
    assert names(header, SSE) is named
