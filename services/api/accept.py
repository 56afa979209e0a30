"""An answer is sent only in a type the client accepts: a request whose ``Accept`` excludes it is a 406.

FastAPI ignores ``Accept``: ``Accept: application/xml`` or ``text/csv`` got JSON with a 200, which a client that
asked for something else cannot read as what it asked for.  Each API route offers the one media type of its response
class — JSON, the supervisor's report ``text/html``, the feed's stream ``text/event-stream`` — and the OpenAPI
document its JSON; a request whose Accept gives that type no quality above 0 is answered 406 with the API's error
body (which is JSON whatever was asked: RFC 9110 lets an error be sent in a type not accepted), naming what the
route offers.  Read as RFC 9110 §12.5.1 says: the most specific range that matches decides (``*/*`` <
``application/*`` < ``application/json``), so ``*/*, application/json;q=0`` excludes JSON.  Parameters other than
``q`` are not matched (``application/json; charset=utf-8`` is JSON).  A header that is missing, empty or names no
range (``,,``) accepts anything.  One with a range that cannot be read (``text/html;q=abc``, ``;;;q=x``, ``json``) is
a 406 saying so: RFC 9110 §12.5.1 lets a server honour Accept (406) or disregard it, and disregarded, such a header
— which asks for HTML, or for something — was answered with whatever the route offers (it was taken as any type).
Java's ``HttpURLConnection`` sends ``*; q=.2`` of its own: ``*`` is read as ``*/*`` and ``.2`` as 0.2, as common
servers read them, or every Java client that sets no Accept would be refused.

The load balancer's probes are left out: they are answered whatever they send (``services.api.middleware.PROBES``).
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from fastapi.datastructures import DefaultPlaceholder
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from services.api.errors import error_body

JSON = "application/json"
# A q of 0 to 1 (the bound checked as read): by the letter of RFC 9110 at most 3 decimals after a 0 or 1, but Java
# sends ".2", and more decimals say no less.
QVALUE = re.compile(r"[01](\.[0-9]*)?|\.[0-9]+")
TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9a-z-]+")


def answer_only_what_is_accepted(route: Any) -> None:
    """Make the route answer 406 to a request that accepts none of its type (once: the routers are the modules',
    and every application made in a process adds their routes)."""
    if offered_by(route) is None:
        route.app = AcceptedOnly(route.app, media_type(route))


def offered_by(route: Any) -> str | None:
    """The type the route was made to check Accept for; None when it checks none."""
    app = getattr(route, "app", None)
    while app is not None:
        if isinstance(app, AcceptedOnly):
            return app.offered
        app = getattr(app, "app", None)
    return None


def media_type(route: Any) -> str:
    """The type of the route's answers: its response class's (JSON unless it names another)."""
    kind = getattr(route, "response_class", JSONResponse)
    if isinstance(kind, DefaultPlaceholder):
        kind = kind.value
    return getattr(kind, "media_type", None) or JSON


class UnreadableAccept(ValueError):
    """An Accept header with a media range that cannot be read: which one (from 1), of how many."""

    def __init__(self, position: int, count: int) -> None:
        super().__init__(f"media range {position} of {count} cannot be read")
        self.position, self.count = position, count


class AcceptedOnly:
    def __init__(self, app: ASGIApp, offered: str) -> None:
        self.app, self.offered = app, offered

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            taken = accepts(accept_sent(scope["headers"]), self.offered)
        except UnreadableAccept as unreadable:
            await JSONResponse(unreadable_body(unreadable, self.offered), 406)(scope, receive, send)
            return
        if taken:
            await self.app(scope, receive, send)
            return
        await not_acceptable(self.offered)(scope, receive, send)


def accept_sent(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """Every ``Accept`` header of a request's raw headers as one value, comma-joined (RFC 9110 §5.3: a list field's
    lines are one list); "" when none was sent.  The 406 check and the feed's question whether a client asks for the
    stream by name read the same list: one read the first header alone."""
    return ", ".join(value.decode("latin-1") for name, value in headers if name.lower() == b"accept")


def not_acceptable(offered: str) -> JSONResponse:
    return JSONResponse(not_acceptable_body(offered), 406)


def not_acceptable_body(offered: str) -> dict[str, Any]:
    said = f"this endpoint answers {offered}, which the Accept header excludes: accept {offered} (or */*)"
    return error_body("not_acceptable", said, "header.accept")


def unreadable_body(unreadable: UnreadableAccept, offered: str) -> dict[str, Any]:
    """The header is not said back: a client may put anything in one."""
    said = (f"the Accept header cannot be read: its media range {unreadable.position} of {unreadable.count} is not"
            f" type/subtype with an optional q from 0 to 1; send {offered}, */*, or no Accept")
    return error_body("not_acceptable", said, "header.accept")


def media_ranges(header: str) -> list[tuple[str, str, float]]:
    """The header's media ranges as ``(type, subtype, q)``; its empty list elements passed over (RFC 9110 §5.6.1).
    UnreadableAccept when one is not a media range."""
    listed = [item for item in header.split(",") if item.strip()]
    ranges = [_range(item) for item in listed]
    unread = next((n for n, read in enumerate(ranges, 1) if read is None), None)
    if unread is not None:
        raise UnreadableAccept(unread, len(listed))
    return ranges   # type: ignore[return-value]  # none is None


def accepts(header: str, offered: str) -> bool:
    """Whether the Accept header's value gives the type a quality above 0 (UnreadableAccept: it cannot be read)."""
    kind, _, subtype = offered.partition("/")
    ranges = media_ranges(header)
    if not ranges:   # it names none: no preference stated
        return True
    matching = [(specificity, q) for (range_kind, range_subtype, q) in ranges
                if (specificity := _specificity(range_kind, range_subtype, kind, subtype)) is not None]
    if not matching:
        return False
    most_specific = max(specificity for specificity, _ in matching)
    return max(q for specificity, q in matching if specificity == most_specific) > 0


def names(header: str, offered: str) -> bool:
    """Whether the Accept header's value names the type itself (no wildcard) with a quality above 0: what an
    EventSource sends (``text/event-stream``), and a client that takes any type does not."""
    kind, _, subtype = offered.partition("/")
    try:
        ranges = media_ranges(header)
    except UnreadableAccept:   # refused before any route reads it (``AcceptedOnly``)
        return False
    return any((range_kind, range_subtype) == (kind, subtype) and q > 0 for range_kind, range_subtype, q in ranges)


def _range(item: str) -> tuple[str, str, float] | None:
    """``(type, subtype, q)`` of one media range; None when it is not one."""
    name, *parameters = [part.strip() for part in item.split(";")]
    kind, slash, subtype = ("*/*" if name == "*" else name).lower().partition("/")   # "*": Java's
    if not slash or not TOKEN.fullmatch(kind) or not TOKEN.fullmatch(subtype) or (kind == "*" and subtype != "*"):
        return None
    for parameter in parameters:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "q":   # what follows q is accept-ext, not the type's
            value = value.strip()
            return (kind, subtype, float(value)) if QVALUE.fullmatch(value) and float(value) <= 1 else None
    return kind, subtype, 1.0


def _specificity(range_kind: str, range_subtype: str, kind: str, subtype: str) -> int | None:
    """How specifically the range names the type (2 exactly, 1 by its type, 0 ``*/*``); None: it does not."""
    if (range_kind, range_subtype) == (kind, subtype):
        return 2
    if range_kind == kind and range_subtype == "*":
        return 1
    if range_kind == "*":
        return 0
    return None


def documented(offered: str) -> dict[str, Any]:
    """The 406 as the OpenAPI document names it for a route offering the type."""
    return {"description": "the Accept header excludes the one type this endpoint answers in, or cannot be read",
            "content": {JSON: {"schema": {"$ref": "#/components/schemas/ErrorBody"},
                               "example": not_acceptable_body(offered)}}}
