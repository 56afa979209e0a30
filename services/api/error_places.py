"""Where in the request a refused value was: the place an error answer's ``field`` names.

A malformed request's validation errors name their place as FastAPI finds it — ``body.rows.0.goal``,
``query.limit``, ``path.case_id`` — and the OpenAPI document promises that form.  The domain names the value it
refused by its own name (``valid_until``, ``rows[0].category``, ``If-Match``): until 2026-12-04 those went out as
they were, so a client mapping ``field`` onto its form or its query met two conventions in one API.  Here a domain
error's name is placed by the route that took the request: its path, query and header parameters and its body's
fields.  A name none of them holds is given as the domain said it (in the dotted form).
"""

from __future__ import annotations

import re
from typing import Any, Iterator

PLACES = ("body", "query", "path", "header")
# Headers the API reads itself, beside those a route declares (If-Match is read from the request by the writing
# routes; Sigill-Purpose by the reads' dependency).
READ_HEADERS = frozenset({"if-match", "idempotency-key", "last-event-id", "sigill-purpose", "accept", "authorization"})


def located(field: str | None, scope: dict[str, Any]) -> str | None:
    """``field`` (the domain's name for a refused value) as the request's place: ``body.valid_until``,
    ``body.rows.0.category``, ``query.as_of``, ``path.case_id``, ``header.if-match``."""
    if not field:
        return field
    dotted = re.sub(r"\[(\d+)\]", r".\1", field)
    root = dotted.split(".", 1)[0]
    if root in PLACES:
        return dotted
    if root.lower() in READ_HEADERS:   # header names in lower case, as HTTP/2 sends them, whatever the case
        return "header." + dotted.lower()
    route = scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return dotted
    for place, names in _parameters(dependant):
        if root in names:
            return f"{place}.{dotted.lower() if place == 'header' else dotted}"
    body = getattr(getattr(route, "body_field", None), "field_info", None)
    fields = getattr(getattr(body, "annotation", None), "model_fields", {})
    if root in fields or root in {f.alias for f in fields.values() if f.alias}:
        return "body." + dotted
    return dotted


def _parameters(dependant: Any) -> Iterator[tuple[str, set[str]]]:
    """The route's path, query and header parameters by place, its dependencies' included."""
    every = list(dependants(dependant))
    for place, attribute in (("path", "path_params"), ("query", "query_params"), ("header", "header_params")):
        yield place, {name for d in every for p in getattr(d, attribute) for name in (p.name, p.alias)}


def dependants(dependant: Any) -> Iterator[Any]:
    """The dependant and every dependency of it, theirs included."""
    yield dependant
    for sub in dependant.dependencies:
        yield from dependants(sub)
