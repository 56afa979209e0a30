"""A JSON body that names a key twice is refused, as a query parameter given twice is.

Python's reader keeps the last of ``{"text": "a", "text": "b"}``; a gateway, a WAF or an audit proxy in front of
Sigill may keep the first, and then checks or logs one text while Sigill records the other.  The API's routes read
their JSON body through :class:`OneKeyEachRoute`, whose request parses it once, as FastAPI would, noting each
object's keys as it is built: a key given twice, at any depth, raises :class:`RepeatedKey`, answered in
``services.api.error_handlers`` with a 422 naming ``body.<path>`` (``body.rows.0.goal``), rule ``repeated``.

Only a body that is refused is read a second time, to find where: a body that is not JSON at all gets the answer
it got before (the second reading fails as FastAPI's did), even when a key is repeated before its fault.

An object naming more than ``MOST_KEYS`` keys raises :class:`TooManyKeys` (422 at ``body``, rule ``too_many_keys``)
as soon as it is read: no object of the API's takes ten keys, and validating one of 600,000 unknown keys made a
problem of each, seconds of the event loop before the 422 was even built.  (Not read again: such a body that also breaks further
on is told of its keys, not its fault.)

The route also signs its caller in before it reads the body (:meth:`OneKeyEachRoute.get_route_handler`), and
refuses a compressed one (415) unread.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any, Callable, Coroutine

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from services.api.errors import error_body
from services.api.parameter_values import KeepsNoBody

# The shape of a field of ours (a lower-case identifier): a client's key of another shape, "Peter Exempel" or
# "20090314-2388", is never said back in an error answer, as clients' and gateways' logs keep those.
FIELD_NAME = re.compile(r"[a-z_][a-z0-9_]{0,40}")


def names_a_clients_key(error: dict[str, Any]) -> bool:
    """Whether a validation error is of a body key we do not take whose name is the client's own, not shaped like a
    field of ours (a misspelt one): never said back nor kept (``parameter_values``, ``error_handlers``)."""
    loc = error.get("loc", ())
    return error.get("type") == "extra_forbidden" and bool(loc) and not FIELD_NAME.fullmatch(str(loc[-1]))


class RepeatedKey(Exception):
    """A JSON body names a key twice; ``field`` is where, as the API's other body errors write it."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class TooManyKeys(Exception):
    """An object of a JSON body names more than ``MOST_KEYS`` keys."""


# Twice the most fields any body object of the API's has (a referral's nine): a plan of 200 rows, each at the limit
# with unknown keys, is some 4,000 validation problems, milliseconds (and 20 of them listed: services.api.errors);
# 600,000 were seconds.
MOST_KEYS = 20


class _Twice(Exception):
    pass


def _one_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len(pairs) > MOST_KEYS:
        raise TooManyKeys()
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _Twice()
    return found


# Built once: ``json.loads`` with a hook builds a decoder on every call (a microsecond, as long as a small body's
# parse).  The hook costs about a third more on a plan of 40 rows (some 13 µs): its objects come as pairs.
_DECODER = json.JSONDecoder(object_pairs_hook=_one_each)


def loads(body: bytes) -> Any:
    """``json.loads``, refusing an object that names a key twice (:class:`RepeatedKey`) or more than ``MOST_KEYS``
    keys (:class:`TooManyKeys`)."""
    try:   # as json.loads reads bytes: UTF-8, 16 or 32, detected
        return _DECODER.decode(body.decode(json.detect_encoding(body), "surrogatepass"))
    except _Twice:
        pass
    # Read again, keeping every pair, to say where.  A body that breaks further on raises here as it did before.
    document = json.loads(body, object_pairs_hook=_Pairs)
    raise RepeatedKey(field_of(first_repeated(document) or []))


class _Pairs(list):
    """An object as its pairs, in the body's order, the repeated ones too."""


def first_repeated(document: Any) -> list[str | int] | None:
    """The path of the first key, in the body's order, that its object names a second time."""
    stack: list[tuple[list[str | int], Any]] = [([], iter(_children(document)))]
    while stack:
        path, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        step, value, repeated = child
        if repeated:
            return [*path, step]
        if isinstance(value, list):   # an object's pairs, or an array
            stack.append(([*path, step], iter(_children(value))))
    return None


def _children(value: Any) -> list[tuple[str | int, Any, bool]]:
    if isinstance(value, _Pairs):
        seen: set[str] = set()
        children = []
        for key, inner in value:
            children.append((key, inner, key in seen))
            seen.add(key)
        return children
    if isinstance(value, list):
        return [(index, inner, False) for index, inner in enumerate(value)]
    return []


def field_of(path: list[str | int]) -> str:
    """``body.rows.0.goal``; the path stops before the first key not shaped like a field of ours, and after the first
    that is no field of the API's bodies: a client's own key is said back at most once, last, as a misspelt field
    is (``{"rows": [{"elias": {"svensson": 1, "svensson": 2}}]}`` said ``body.rows.0.elias.svensson``, a name)."""
    said = ["body"]
    for step in path:
        if isinstance(step, str) and not FIELD_NAME.fullmatch(step):
            break
        said.append(str(step))
        if isinstance(step, str) and step not in _body_fields():
            break
    return ".".join(said)


@cache
def _body_fields() -> frozenset[str]:
    """Every field name (and alias) of the API's request bodies."""
    from pydantic import BaseModel

    from services.api import commands

    models = [m for m in vars(commands).values() if isinstance(m, type) and issubclass(m, BaseModel)]
    fields = [(name, field.alias) for m in models for name, field in m.model_fields.items()]
    return frozenset(n for pair in fields for n in pair if n)


class OneKeyEachRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


class OneKeyEachRoute(KeepsNoBody):
    """An API route whose JSON body is refused when it names a key twice (the route class of the API's routers).
    FastAPI turns the :class:`RepeatedKey` its request raises into a 400 caused by it:
    ``services.api.error_handlers`` answers that with the 422.

    A route that signs its caller in does so before the body is read.  FastAPI reads and parses the body before it
    solves the route's dependencies, the sign-in among them: a request with no token, or one that does not verify,
    had its 7 MB body read and parsed — half a second of the event loop, for anyone — before its 401.

    Its refusal keeps none of the body (:class:`~services.api.parameter_values.KeepsNoBody`)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:   # reads no body: as FastAPI made it
            return handler
        sign_in = _sign_in_of(self.dependant)

        async def handle(request: Request) -> Response:
            if sign_in is not None:
                await sign_in(request)   # AuthenticationFailed: the 401 the dependency gives, before any body
            if request.headers.get("content-encoding", "").strip().lower() not in ("", "identity"):
                return encoded_body()
            return await handler(OneKeyEachRequest(request.scope, request.receive))
        return handle


def encoded_body() -> JSONResponse:
    """A body with a Content-Encoding (gzip, br …) is not decoded here: a compressed one was told "could not be read
    as JSON", and a plain one that named a coding was recorded as read — not what a proxy decoding it would log.
    Its coding is not said back (a client's text)."""
    return JSONResponse(error_body("unsupported_media_type", "the body has a Content-Encoding: send it uncompressed,"
                                   " as application/json, without one (or as identity)", "body"), 415,
                        headers={"Accept-Encoding": "identity"})


def _sign_in_of(dependant: Any) -> Callable[[Request], Coroutine[Any, Any, Any]] | None:
    """The API's sign-in (``deps.current_user``), when the route's dependencies call it; its principal is kept on
    the request, so the dependency does not verify the token again."""
    from services.api.deps import calls, current_user   # deps imports the error module, which imports this one

    return current_user if current_user in calls(dependant) else None
