"""A request refused keeps none of what was sent: its validation errors' ``input`` is ``…``, and a refused body is
not kept on the error either.

A client may put anything in a URL by mistake — a personnummer where a cursor, a case id or a municipality code goes
— and a body is a young person's name and personnummer, or a note about them.  The 422 never said a value back
(``error_handlers`` answers with the field, the rule and pydantic's message, which names the bound, not the value),
but the ``RequestValidationError`` FastAPI makes kept it in each error's ``input``, and the whole body (or, not JSON
at all, its text) as its ``body``, where an error reporter, a debugging log or a later handler takes it.  The
headers the API reads are refused so already (``deps.header``); what FastAPI checks itself is wrapped here:

* each parameter's and body field's validation (its own and its dependencies'), as each route is added
  (``app.add_routes``, the API's routes and the web's): ``keep_no_parameter_values``;
* a route that takes a body (:class:`KeepsNoBody`, the API's routers' route class through ``OneKeyEachRoute``)
  lets its refusal go with no ``body``, a body it could not read with none of it in the reader's error, and either
  with the frames that held the body cleared.  ``add_routes`` refuses a route that takes a body and is of another
  class (the web's pages read their forms themselves: none takes one).
"""

from __future__ import annotations

import json
import traceback
from functools import wraps
from typing import Any, Callable, Coroutine

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from services.api.error_places import dependants

KEPT_INSTEAD = "…"   # as a refused header's (``deps.header``)
PLACES = ("path_params", "query_params", "header_params", "cookie_params", "body_params")


def keep_no_parameter_values(route: APIRoute) -> None:
    """Make the route's parameters and body (its own and its dependencies') refuse a value without keeping it, and
    refuse a route that takes a body but would keep it on its error (once: a dependency's fields may be shared by
    routes, and every application made in a process adds the routes)."""
    fields = [field for dependant in dependants(route.dependant) for place in PLACES
              for field in getattr(dependant, place)]
    for field in fields:
        if not getattr(field.validate, "keeps_no_values", False):
            field.validate = _keeping_no_values(field.validate)
    if any(d.body_params for d in dependants(route.dependant)) and not getattr(route, "keeps_no_body", False):
        raise TypeError(f"{route.path}: a route that takes a body is a KeepsNoBody (its refusal would keep it)")


def _keeping_no_values(validate: Callable[..., tuple[Any, list[dict[str, Any]]]]
                       ) -> Callable[..., tuple[Any, list[dict[str, Any]]]]:
    @wraps(validate)   # keeps what the wrapped one is marked with (``error_handlers.list_first_problems``)
    def checked(value: Any, values: Any = None, *, loc: tuple[int | str, ...] = ()) -> tuple[Any, list[dict]]:
        found, errors = validate(value, {} if values is None else values, loc=loc)
        return found, [_without_what_was_sent(error) for error in errors]
    checked.keeps_no_values = True   # type: ignore[attr-defined]
    return checked


def _without_what_was_sent(error: dict[str, Any]) -> dict[str, Any]:
    """The error with ``…`` for its input; and for a key of the body's we do not take, ``…`` for the key too,
    unless it is shaped like a field of ours (a misspelt one, said back as now): ``{"Greta Testsson": …}``."""
    from services.api.one_key_each import names_a_clients_key   # it imports this module, for its route class

    if names_a_clients_key(error):
        return {**error, "loc": (*error["loc"][:-1], KEPT_INSTEAD), "input": KEPT_INSTEAD}
    return {**error, "input": KEPT_INSTEAD}


class KeepsNoBody(APIRoute):
    """A route whose refused body is not kept on the error raised: a ``RequestValidationError``'s ``body`` is None;
    the error FastAPI raises for a body its reader failed on (an ``HTTPException`` 400 caused by the reader's error)
    keeps none of it in that cause (a ``UnicodeDecodeError``'s bytes, a ``JSONDecodeError``'s text); and the frames
    either was raised through (FastAPI's, holding the body read, the reader's, holding its text) are cleared, so an
    error reporter that takes a traceback's variables finds nothing of it either."""

    keeps_no_body = True

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as refused:
                refused.body = None
                forget_what_was_read(refused)
                raise
            except HTTPException as unread:
                if unread.status_code == 400 and unread.__cause__ is not None:   # FastAPI's: the body unread
                    forget_what_was_read(unread)
                raise
        return handle


def forget_what_was_read(refused: Exception) -> None:
    """Nothing of the body in the error's cause, nor in the frames it and its cause were raised through."""
    for error in {id(e): e for e in (refused, refused.__cause__, refused.__context__) if e is not None}.values():
        if isinstance(error, json.JSONDecodeError):   # its message names only where
            error.doc = KEPT_INSTEAD
        if isinstance(error, UnicodeDecodeError):   # its message names the byte and where; its args held them all
            error.object = b""
            error.args = (error.encoding, b"", error.start, error.end, error.reason)
        traceback.clear_frames(error.__traceback__)   # the finished frames' variables; ours runs on, untouched
