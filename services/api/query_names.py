"""Query parameters an endpoint does not take are refused, as unknown body fields are.

FastAPI ignores a query parameter no route declares: an integrator's ``?afterr=120`` (a typo of ``after``)
was answered as if nothing had been asked — the feed from its first message, or an audit search over everything —
and nothing said why.  Each API route is wrapped with the names it declares (its own and its dependencies'); any
other name is a 422 naming it, said back only when shaped like one of ours.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from services.api.errors import ErrorBody, query_field, refusal


def refuse_unknown_query(route: APIRoute) -> None:
    """Make the route refuse a query parameter it does not declare (once: the routers are the modules', and every
    application made in a process adds their routes)."""
    if not isinstance(route.app, KnownQueryOnly):
        route.app = KnownQueryOnly(route.app, frozenset(declared_query(route.dependant)))


def known_query(route: APIRoute) -> frozenset[str] | None:
    """The query parameters the route takes, when it refuses others (None: it refuses none, as the probes)."""
    app = getattr(route, "app", None)
    while app is not None:
        if isinstance(app, KnownQueryOnly):
            return app.known
        app = getattr(app, "app", None)
    return None


def documented(known: frozenset[str]) -> dict[str, Any]:
    """The 422 as the OpenAPI document names it for a route that takes no parameter but ``known`` (and none twice):
    every such route answers it, also one with nothing else to refuse (``/me``, the feeds' documents), which the
    document said answered only 200, 401 and 406."""
    example = refusal("query.x", "unknown", unknown_said(known)).body
    return {"description": "a query parameter the endpoint does not take, or one given twice (`invalid_input`, the"
                           " parameter in `field`)",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/" + ErrorBody.__name__},
                                             "example": json.loads(example)}}}


def unknown_said(known: frozenset[str]) -> str:
    return f"not a parameter of this endpoint (it takes: {', '.join(sorted(known)) or 'none'})"


def declared_query(dependant: Dependant) -> set[str]:
    """The query parameters a route reads: its own and every dependency's, by the names clients send."""
    names = {field.alias for field in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= declared_query(dependency)
    return names


class KnownQueryOnly:
    def __init__(self, app: ASGIApp, known: frozenset[str]) -> None:
        self.app, self.known = app, known

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        unknown = self._first_unknown(scope.get("query_string", b""))
        if unknown is None:
            await self.app(scope, receive, send)
            return
        refused = refusal(query_field(unknown), "unknown", unknown_said(self.known))
        await refused(scope, receive, send)

    def _first_unknown(self, query: bytes) -> str | None:
        if not query:
            return None
        return next((name for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True)
                     if name not in self.known), None)
