"""A path or query parameter refused keeps none of what was sent: its validation errors' ``input`` is ``…``.

A client may put anything in a URL by mistake — a personnummer where a cursor, a case id or a municipality code goes.
The 422 never said it back (``error_handlers`` answers with the field, the rule and pydantic's message, which names
the bound, not the value), but the ``RequestValidationError`` FastAPI makes kept it in each error's ``input``, where
an error reporter, a debugging log or a later handler takes it.  The headers the API reads are refused so already
(``deps.header``); the parameters FastAPI checks itself are wrapped here, as each route is added (``app.add_routes``,
the API's routes and the web's).
"""

from __future__ import annotations

from typing import Any, Callable

from fastapi.routing import APIRoute

from services.api.error_places import dependants

KEPT_INSTEAD = "…"   # as a refused header's (``deps.header``)
PLACES = ("path_params", "query_params", "header_params", "cookie_params")


def keep_no_parameter_values(route: APIRoute) -> None:
    """Make the route's parameters (its own and its dependencies') refuse a value without keeping it (once: a
    dependency's fields may be shared by routes, and every application made in a process adds the routes)."""
    for dependant in dependants(route.dependant):
        for field in (field for place in PLACES for field in getattr(dependant, place)):
            if not getattr(field.validate, "keeps_no_values", False):
                field.validate = _keeping_no_values(field.validate)


def _keeping_no_values(validate: Callable[..., tuple[Any, list[dict[str, Any]]]]
                       ) -> Callable[..., tuple[Any, list[dict[str, Any]]]]:
    def checked(value: Any, values: Any = None, *, loc: tuple[int | str, ...] = ()) -> tuple[Any, list[dict]]:
        found, errors = validate(value, {} if values is None else values, loc=loc)
        return found, [{**error, "input": KEPT_INSTEAD} for error in errors]
    checked.keeps_no_values = True   # type: ignore[attr-defined]
    return checked
