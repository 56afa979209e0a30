"""The FastAPI application: routers, error mapping, and the OpenAPI document's description."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from services.api import (
    error_handlers, routes_audit, routes_commands, routes_feeds, routes_meta, routes_reads, routes_retention,
    routes_statistics,
)
from services.api.accept import answer_only_what_is_accepted
from services.api.deps import ApiContext, document
from services.api.head import HeadAsGet
from services.api.headers import SecurityHeaders
from services.api.middleware import PROBES
from services.api.one_key_each import OneKeyEachRoute
from services.api.parameter_values import keep_no_parameter_values
from services.api.query_names import refuse_unknown_query

DESCRIPTION = """
Sigill's API for caseworkers, member agencies and auditors of *sociala insatsgrupper*.

* **Sign in** with a bearer token (JWT: `sub`, `name`, `agency`, `municipality`, `roles`). An agency's integrating
  system signs in with the role `feed_reader`: it reads its own agency's feed (`/api/v1/feeds/{agency}`) in its
  municipality, and is refused everything else. Its messages' JSON Schema, each kind's `content` included, is served at
  `/api/v1/feeds/disclosure-message.schema.json`, the Kafka topics' AsyncAPI document at `/api/v1/feeds/asyncapi.yaml`
  (no sign-in needed for either).
* **Versions**: every write answers with *your* version of the case (the number of its events you may see), and its
  `ETag` says which facts you saw (`"5-1f2e3d4c5b6a"`); send the ETag back as `If-Match` (or the number as
  `expected_version`) to get **409** if the case changed meanwhile.
* **Retries**: send an `Idempotency-Key` on a POST; a retry records nothing twice and gets the first answer.
* **Secrecy**: a case you are not in answers **404**; what you see of a case is decided by the disclosure rules,
  and each fact carries the basis (consent or law) that lets you see it. Every read is in the access log;
  say why you read with the `Sigill-Purpose` header.
* **Errors** are `{"error": {"code", "message", "field"}}`.
"""


def create_api(context: ApiContext) -> FastAPI:
    api = FastAPI(title="Sigill", version="1.0", description=DESCRIPTION, openapi_url="/api/v1/openapi.json",
                  docs_url=None, redoc_url=None,  # the Swagger page pulls its assets from a CDN: none here
                  # Sigill sends no OpenTelemetry (spans would name case URLs); FastAPI's native telemetry, on
                  # by default, looked for global providers in the environment on every request.
                  telemetry={"tracing": False, "metrics": False, "logs": False})
    api.state.context = context

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Commands go over the event store's connections on this loop while it serves (``command_async``), and
        # reads are logged over the access log's own connection on it (``record_async``).
        async with context.cases.app.serving_on_this_loop(context.loop_store()), \
                context.cases.access_log.serving_on_this_loop(context.loop_access_log()):
            yield

    api.router.lifespan_context = lifespan
    error_handlers.install(api)
    api.add_middleware(SecurityHeaders)   # every answer has them, a last resort's too
    api.add_middleware(HeadAsGet)   # the outermost: a HEAD is its GET throughout, its headers all as the GET's
    # Routes are matched in order, one regular expression each: the reads, the most frequent requests, first.
    for module in (routes_reads, routes_commands, routes_meta, routes_audit, routes_feeds, routes_statistics,
                   routes_retention):
        for route in module.router.routes:   # the API's: the web's pages take their own (a saved form's notice)
            if isinstance(route, APIRoute) and route.path not in PROBES:   # a probe is answered whatever it sends
                answer_only_what_is_accepted(route)   # inside the next: it wraps a route once while outermost
                refuse_unknown_query(route)
                error_handlers.list_first_problems(route)   # a 422 built of 20 problems, not of thousands
                if not isinstance(route, OneKeyEachRoute):   # its JSON body would take a key's last value
                    raise TypeError(f"{route.path}: the API's routers take route_class=OneKeyEachRoute")
        add_routes(api, module.router)
    for route in api.routes:   # the OpenAPI document, made for this application: JSON too
        if getattr(route, "path", None) == api.openapi_url:
            answer_only_what_is_accepted(route)
    document(api)
    return api


def add_routes(api: FastAPI, router: APIRouter) -> None:
    """The router's routes, added to the application's own list.  A route carries its prefix, tags and schema
    flag from its router already.  ``include_router`` (FastAPI 0.16x) wraps the router in a layer that is
    matched twice per request and cost a read about a tenth of its CPU.  Each, the API's and the web's, refuses a
    path or query value without keeping it (``parameter_values``)."""
    for route in router.routes:
        if isinstance(route, APIRoute):
            keep_no_parameter_values(route)
    api.router.routes.extend(router.routes)
