"""The API's exception handlers: each failure — a domain error, a malformed request, a database away, anything
unexpected — answered in the one error shape (``errors``), and the layers around the routes installed.

Apart from ``errors`` because routes and other modules answer in that shape too (a refusal, a domain error
caught), while these handlers are installed once, on the application.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from eventsourcing.persistence import PersistenceError
import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticKnownError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from domain.errors import DomainError
from services.access_log import AccessLogUnavailable
from services.api import middleware
from services.api.errors import (IDENTITY_PROVIDER_AWAY, IDENTITY_PROVIDER_RETRY_SECONDS, PROBLEMS_LISTED, REBUILDING,
                                 REBUILDING_RETRY_SECONDS, domain_answer, error_body, refusal, repeated_response)
from services.api.head import TAKES_HEAD
from services.api.one_key_each import MOST_KEYS, RepeatedKey, TooManyKeys, names_a_clients_key
from services.audit import CaseHistoryAltered
from services.errors import DamagedDataKey, MasterKeyReplaced, StoredEventUnreadable, one_line, too_many_connections
from services.ports import FeedsRebuilding
from services.principals import AuthenticationFailed, IdentityProviderUnavailable

log = logging.getLogger("sigill.api")


def install(api: FastAPI) -> None:
    @api.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> JSONResponse:
        return domain_answer(error, request.scope)

    @api.exception_handler(AuthenticationFailed)
    async def unauthenticated(request: Request, error: AuthenticationFailed) -> JSONResponse:
        return JSONResponse(error_body("unauthenticated", str(error)), 401,
                            headers={"WWW-Authenticate": challenge(request)})

    @api.exception_handler(IdentityProviderUnavailable)
    async def provider_away(request: Request, error: IdentityProviderUnavailable) -> JSONResponse:
        # Not a 401: that tells a client to fetch a new token, from the provider that is away — every integrated
        # system at once, in a storm.  No challenge either: nothing is wrong with the token as far as we can tell.
        log.error("identity provider unavailable: %s", one_line(str(error)))   # its URL, never the token
        return JSONResponse(error_body("identity_provider_unavailable", IDENTITY_PROVIDER_AWAY), 503,
                            headers={"Retry-After": str(IDENTITY_PROVIDER_RETRY_SECONDS)})

    @api.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        sent = request.headers.get("content-type", "").split(";")[0].strip().lower()
        has_body = sent or request.headers.get("content-length", "0") not in ("", "0")
        if has_body and sent != "application/json" and any(e.get("loc", ())[:1] == ("body",) for e in error.errors()):
            # FastAPI leaves a body of another type (or of none named) unread, then finds "no valid dictionary" in it.
            said = f"the body is {sent}" if sent else "the body has no Content-Type"
            return JSONResponse(error_body("unsupported_media_type", f"{said}: send it as application/json", "body"),
                                415)
        found = [e for e in error.errors() if e.get("type") != NOT_LISTED]
        problems = [{"field": (field := _field(e)), "rule": e.get("type"), "message": _message(e, field)}
                    for e in found[:PROBLEMS_LISTED]]
        count = len(found) + sum(e["ctx"]["count"] for e in error.errors() if e.get("type") == NOT_LISTED)
        more = {"more_problems": count - len(problems)} if count > len(problems) else {}
        first = problems[0] if problems else {"field": None, "message": "invalid request"}
        return JSONResponse(error_body("invalid_input", f"{first['field']}: {first['message']}", first["field"],
                                       problems=problems, **more), 422)

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        if error.status_code == 400 and isinstance(error.__cause__, middleware.TooLarge):   # grew past the limit as read
            return middleware.too_large_response(middleware.MAX_BODY)
        if error.status_code == 400 and isinstance(error.__cause__, RepeatedKey):   # a JSON key given twice
            return repeated_response(error.__cause__.field)
        if error.status_code == 400 and isinstance(error.__cause__, TooManyKeys):
            return refusal("body", "too_many_keys", f"an object in it names more than {MOST_KEYS} keys; send only"
                           " the fields this endpoint takes")
        if error.status_code == 400:   # FastAPI's answer to a body it could not parse (nested too deep, not UTF-8)
            return JSONResponse(error_body("invalid_input", "body: the request body could not be read as JSON",
                                           "body"), 422)
        codes = {401: "unauthenticated", 404: "not_found", 405: "method_not_allowed"}
        headers = dict(getattr(error, "headers", None) or {})
        if error.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return JSONResponse(error_body(codes.get(error.status_code, "http_error"), str(error.detail)),
                            error.status_code, headers=headers or None)

    @api.exception_handler(CaseHistoryAltered)
    async def history_altered(request: Request, error: CaseHistoryAltered) -> JSONResponse:
        d = error.divergence
        return JSONResponse(error_body(
            "history_altered", f"the stored history of this case is not what the audit ledger sealed (version"
            f" {d.version}: {d.kind}); nothing is answered from it. GET /api/v1/audit/ledger/verification names"
            " the first change"), 409)

    @api.exception_handler(StoredEventUnreadable)
    async def event_unreadable(request: Request, error: StoredEventUnreadable) -> JSONResponse:
        # One not yet sealed, altered or moved (the ledger's check has nothing to hold it to): it answered 500.  The
        # operators' message names the event (ids only) in the log; the answer says what, not which.
        log.error("%s", error)
        return JSONResponse(error_body(
            "event_unreadable", "a stored event of this case no longer reads as it was written (it does not decrypt,"
            " or no longer fits its type: altered, moved, or written with another key); nothing is answered from"
            " it. The case's audit report names the event"), 409)

    @api.exception_handler(FeedsRebuilding)
    async def rebuilding(request: Request, error: FeedsRebuilding) -> JSONResponse:
        return JSONResponse(error_body("feeds_rebuilding", REBUILDING), 503,
                            headers={"Retry-After": str(REBUILDING_RETRY_SECONDS)})

    @api.exception_handler(DamagedDataKey)
    async def key_damaged(request: Request, error: DamagedDataKey) -> JSONResponse:
        # The case's id only (random): the operator restores that row of the key table from a backup.
        log.error("data key of case %s damaged: its events cannot be read", error.aggregate_id)
        return JSONResponse(error_body(
            "data_key_damaged", "this case's stored data key is damaged, so its events cannot be read; nothing is"
            " answered from it (the operator restores the key from a backup)"), 409)

    @api.exception_handler(MasterKeyReplaced)
    async def master_key_replaced(request: Request, error: MasterKeyReplaced) -> JSONResponse:
        # This server's configuration, not the request: the operator restarts it with the new master key.
        log.error("%s", error)
        return JSONResponse(error_body(
            "master_key_replaced", "this server runs with a master key that has been replaced; it cannot read or"
            " write cases until the operator restarts it with the new one (try again shortly)"), 503,
            headers={"Retry-After": "30"})

    @api.exception_handler(AccessLogUnavailable)
    async def unlogged(request: Request, error: AccessLogUnavailable) -> JSONResponse:
        if isinstance(error.__cause__, DamagedDataKey):   # the reader's name is sealed under the case's key
            return await key_damaged(request, error.__cause__)
        if isinstance(error.__cause__, MasterKeyReplaced):
            return await master_key_replaced(request, error.__cause__)
        log.error("access log unavailable: %s", type(error.__cause__).__qualname__)
        return JSONResponse(error_body("access_log_unavailable", str(error)), 503, headers={"Retry-After": "5"})

    # eventsourcing's errors, and psycopg's from our own queries (the ledger's, the feeds'), which it does not wrap.
    @api.exception_handler(PersistenceError)
    @api.exception_handler(psycopg.OperationalError)
    async def database_down(request: Request, error: Exception) -> JSONResponse:
        log.error("database error: %s", type(error).__qualname__)
        said = ("the database has no connection free (too many clients); try again" if too_many_connections(error)
                else "the database cannot be reached; try again")
        return JSONResponse(error_body("database_unavailable", said), 503, headers={"Retry-After": "5"})

    @api.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        # The class only: a message could quote personal data.
        log.error("unexpected %s on %s %s", type(error).__qualname__, request.method,
                  one_line(request.url.path))
        return JSONResponse(error_body("internal_error", "something went wrong on our side; it has been logged"),
                            500)

    # The last added is the outermost: an oversized body's refusal must not reach the last resort as an error.
    api.add_middleware(middleware.OneValueEach)
    api.add_middleware(middleware.BodyLimit)
    api.add_middleware(middleware.LastResort, handlers=api.exception_handlers)


NOT_LISTED = "sigill.not_listed"   # a body's problems past those listed, counted (``list_first_problems``)


def list_first_problems(route: APIRoute) -> None:
    """Make the route's body validation hand on only the problems a 422 lists, and a count of the rest.  FastAPI
    copies each of pydantic's problems into a new one with its place: 19,200 of them (a plan of 200 rows, each
    with 96 unknown keys) held the event loop for up to half a second.  (Once: the routers are the modules'.)"""
    for field in route.dependant.body_params:
        adapter = getattr(field, "_type_adapter", None)   # FastAPI's own, as its ``validate`` uses it
        if adapter is not None and not getattr(field.validate, "lists_first_problems", False):
            field.validate = _validating_with(adapter)


def _validating_with(adapter: TypeAdapter) -> Callable[..., tuple[Any, list[dict[str, Any]]]]:
    def validate(value: Any, values: Any = None, *, loc: tuple[int | str, ...] = ()) -> tuple[Any, list[dict]]:
        try:
            return adapter.validate_python(value, from_attributes=True), []
        except ValidationError as invalid:
            listed = [{**e, "loc": loc + tuple(e["loc"])} for e in invalid.errors(include_url=False)[:PROBLEMS_LISTED]]
            rest = invalid.error_count() - len(listed)
            return None, listed + ([{"type": NOT_LISTED, "loc": loc, "msg": "", "input": None,
                                     "ctx": {"count": rest}}] if rest else [])
    validate.lists_first_problems = True   # type: ignore[attr-defined]
    return validate


def allowed_methods(request: Request) -> str:
    """Every method some route takes at this path.  Starlette's 405 names only the first route's, and a path's GET
    and POST are two routes here: a POST to /health was told "Allow: HEAD".  An API path's GET takes HEAD too
    (``services.api.head``)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "type": "http"})
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    if "GET" in methods and request.url.path.startswith(TAKES_HEAD):
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def _field(error: dict) -> str:
    """The dotted place of a validation error; "body" for a body that is not JSON at all (FastAPI says
    ``body.0``, the character where its parse failed)."""
    if error.get("type") == "json_invalid":
        return "body"
    loc = [str(p) for p in error.get("loc", ())]
    if loc[:1] == ["header"]:
        loc[1:2] = [name.lower() for name in loc[1:2]]   # as every header the API names (error_places)
    if names_a_clients_key(error):
        # The name is the client's, not ours: said back only when shaped like a field's (a misspelt one), as
        # {"Peter Exempel": …} or {"20090314-2388": …} would be in an error answer clients' and gateways' logs keep.
        loc[-1] = "(a field it does not take)"
    return ".".join(loc)


def _message(problem: dict[str, Any], field: str) -> str:
    """A validation problem's message as the answer says it after its field: without the "Value error, " pydantic
    puts before a validator's own words, nor the field again where those words begin with it ("header.sigill-purpose:
    header.sigill-purpose must be …"); a malformed id in our words (``NOT_AN_ID``)."""
    said = str(problem.get("msg", ""))
    if _pydantic_s_uuid_words(problem.get("type"), said):
        return NOT_AN_ID
    return said.removeprefix("Value error, ").removeprefix(f"{field} ")


# Pydantic's words for a malformed UUID quote what was sent ("invalid character: found `G` at 1"; "found 13" long):
# a character of a personnummer or a name typed where an id goes, in an answer clients and gateways log.
NOT_AN_ID = "is not an id (a UUID, like 3fa85f64-5717-4562-b3fc-2c963f66afa6)"
_UUID_TEMPLATES = {rule: PydanticKnownError(rule, context).message_template.split("{")[0] for rule, context in (
    ("uuid_type", None), ("uuid_parsing", {"error": ""}), ("uuid_version", {"expected_version": 4}))}


def _pydantic_s_uuid_words(rule: Any, said: str) -> bool:
    """Whether ``said`` is pydantic's own message for a UUID refused (not a validator's of ours under its rule, as
    a path's case id says what one looks like: ``routes_commands._a_case_id``)."""
    return rule in _UUID_TEMPLATES and said.startswith(_UUID_TEMPLATES[rule])


def challenge(request: Request) -> str:
    """The 401's ``WWW-Authenticate``: a bearer token that was sent and refused (expired, another audience, forged)
    is ``error="invalid_token"`` (RFC 6750 §3.1), which OAuth client libraries read to fetch a new token; a request
    with no bearer token at all gets the bare challenge, as the RFC asks."""
    sent = request.headers.get("authorization", "")
    if sent[:7].lower() == "bearer " and sent[7:].strip():
        return 'Bearer realm="sigill", error="invalid_token"'
    return 'Bearer realm="sigill"'
