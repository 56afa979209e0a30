"""Every failure becomes a precise status and one JSON shape — never a stack trace.

    {"error": {"code": "not_a_group_member", "message": "…", "field": "agency"}}

Domain errors are mapped here, once: not found 404, concurrent change 409,
forbidden 403, anything else the domain refuses 422 with the field and rule.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl

from eventsourcing.persistence import PersistenceError
import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import CaseErased, ClockWentBackwards, DomainError
from services.access_log import AccessLogUnavailable
from services.api.error_places import located
from services.api.one_key_each import FIELD_NAME, MOST_KEYS, RepeatedKey, TooManyKeys
from services.audit import CaseHistoryAltered
from services.authorisation import Forbidden
from services.errors import (CaseNotFound, ConcurrentChange, DamagedDataKey, MasterKeyReplaced, PossibleDuplicate,
                             one_line, too_many_connections)
from services.ports import FeedsRebuilding
from services.principals import AuthenticationFailed

log = logging.getLogger("sigill.api")

REBUILDING = ("the agency views are being rebuilt from the first event; the feeds are back once they have caught up"
              " (try again in a minute; a cursor of before the rebuild then starts again from the beginning, and"
              " event ids stay)")
STATUS = ((CaseNotFound, 404), (CaseErased, 404), (ConcurrentChange, 409), (PossibleDuplicate, 409),
          (Forbidden, 403), (ClockWentBackwards, 503))  # this server's clock is far behind the case's latest event
# A validation error's answer lists this many of its problems, and counts the rest: one of 600,000 unknown keys
# listed each, a 55 MB answer built over seconds of the event loop.
PROBLEMS_LISTED = 20


class Problem(BaseModel):
    field: str | None = Field(description="where in the request: body.text, path.case_id, query.limit …")
    rule: str | None = Field(description="the rule it breaks, e.g. string_too_long")
    message: str | None


class ErrorDetail(BaseModel):
    # ``field`` is in every error answer, null when no one field is at fault: the document says so (required).
    model_config = ConfigDict(json_schema_extra={"required": ["code", "message", "field"]})

    code: str = Field(description="what went wrong, for programs: case_not_found, concurrent_change …")
    message: str = Field(description="what went wrong, for people")
    field: str | None = Field(default=None, description="where in the request the value at fault was"
                              " (body.rows.0.category, query.as_of, path.case_id, header.if-match); null when no"
                              " one value is")
    problems: list[Problem] | None = Field(default=None, description="422 for a malformed request: its problems,"
                                           f" the first {PROBLEMS_LISTED} of them")
    more_problems: int | None = Field(default=None, description="422 for a malformed request with more problems than"
                                      " are listed: how many more it has")
    cases: list[CaseNamed] | None = Field(default=None, description="409 possible_duplicate: the municipality's open"
                                          " cases for the same young person")


class CaseNamed(BaseModel):
    case_id: str
    case_number: str


class ErrorBody(BaseModel):
    """Every error the API answers (4xx, 5xx) has this one shape."""

    error: ErrorDetail


def error_body(code: str, message: str, field: str | None = None, **extra: object) -> dict:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


def _field(error: dict) -> str:
    """The dotted place of a validation error; "body" for a body that is not JSON at all (FastAPI says
    ``body.0``, the character where its parse failed)."""
    if error.get("type") == "json_invalid":
        return "body"
    loc = [str(p) for p in error.get("loc", ())]
    if loc[:1] == ["header"]:
        loc[1:2] = [name.lower() for name in loc[1:2]]   # as every header the API names (error_places)
    if error.get("type") == "extra_forbidden" and loc and not FIELD_NAME.fullmatch(loc[-1]):
        # The name is the client's, not ours: said back only when shaped like a field's (a misspelt one), as
        # {"Peter Exempel": …} or {"20090314-2388": …} would be in an error answer clients' and gateways' logs keep.
        loc[-1] = "(a field it does not take)"
    return ".".join(loc)


def _named_cases(error: DomainError) -> dict[str, object]:
    """A possible duplicate's cases, for a program to show or link (the message names their numbers, for people)."""
    if not isinstance(error, PossibleDuplicate):
        return {}
    return {"cases": [{"case_id": str(case_id), "case_number": number} for case_id, number in error.cases]}


def status_of(error: DomainError) -> int:
    return next((status for kind, status in STATUS if isinstance(error, kind)), 422)


def domain_answer(error: DomainError, scope: dict[str, Any], field: str | None = None) -> JSONResponse:
    """A domain error's answer; ``field`` where the request knows better than the domain where the value was."""
    return JSONResponse(error_body(error.code, error.message, located(field or error.field, scope),
                                   **_named_cases(error)), status_of(error))


def install(api: FastAPI) -> None:
    @api.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> JSONResponse:
        return domain_answer(error, request.scope)

    @api.exception_handler(AuthenticationFailed)
    async def unauthenticated(request: Request, error: AuthenticationFailed) -> JSONResponse:
        return JSONResponse(error_body("unauthenticated", str(error)), 401,
                            headers={"WWW-Authenticate": 'Bearer realm="sigill"'})

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
        if error.status_code == 400 and isinstance(error.__cause__, _TooLarge):   # grew past the limit as read
            return too_large_response(MAX_BODY)
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

    @api.exception_handler(FeedsRebuilding)
    async def rebuilding(request: Request, error: FeedsRebuilding) -> JSONResponse:
        return JSONResponse(error_body("feeds_rebuilding", REBUILDING), 503, headers={"Retry-After": "30"})

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
    api.add_middleware(OneValueEach)
    api.add_middleware(BodyLimit)
    api.add_middleware(LastResort, answer=unexpected)


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
    and POST are two routes here: a POST to /health was told "Allow: HEAD"."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "type": "http"})
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


class LastResort:
    """Answers an unexpected error with the handler above, and ends it there.  Starlette's outermost layer
    would answer it with the same handler but then raise it again, for the server to log — with its message
    and traceback, which can quote personal data."""

    def __init__(self, app: ASGIApp, answer: Callable[[Request, Exception], Awaitable[Response]]) -> None:
        self.app, self.answer = app, answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sending = _Sending(send)
        try:
            await self.app(scope, receive, sending)
        except Exception as error:  # noqa: BLE001 - the last resort: logged by class, answered, not raised on
            response = await self.answer(Request(scope, receive), error)
            if not sending.started:   # once an answer has begun, the connection can only be closed
                await response(scope, receive, send)


# The headers the API reads, each by the field its own refusals name; Starlette reads the first of several.
ONE_HEADER_EACH = frozenset({b"sigill-purpose", b"idempotency-key", b"if-match", b"last-event-id"})
# A load balancer's probe is answered whatever it sends: no header of theirs is refused (/ready reads a sign-in, to
# tell an administrator more, and takes a missing, bad or repeated one as none).
PROBES = ("/api/v1/health", "/api/v1/ready")


class OneValueEach:
    """Refuses an API request that names a query parameter twice, with 422 naming it.  FastAPI takes the last
    one silently: ``?agency=polis&agency=skola`` replayed what the school saw to an auditor who had asked for the
    police too, and ``?limit=1&limit=1000`` answered a thousand.  No parameter of the API takes a list.  So too a
    header the API reads, sent twice (the first was taken: a purpose stated twice was logged as the first alone),
    and two Authorization headers are a 401 (a gateway's credentials beside the client's: neither is preferred)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith("/api/"):
            field = None if scope["path"] in PROBES else _repeated_header(scope["headers"])
            if field == "authorization":
                await JSONResponse(error_body("unauthenticated", "send one Authorization header, not several", None),
                                   401, headers={"WWW-Authenticate": 'Bearer realm="sigill"'})(scope, receive, send)
                return
            twice = _repeated(scope["query_string"].decode("latin-1")) if scope.get("query_string") else None
            if field is None and twice is not None:
                field = query_field(twice)
            if field is not None:
                await repeated_response(field)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def repeated_response(field: str) -> JSONResponse:
    """422 for a query parameter, a header, or a JSON body's key given more than once."""
    return refusal(field, "repeated", "given more than once; send it once")


def refusal(field: str, rule: str, said: str) -> JSONResponse:
    """422 for one input refused before the route's own checks, in the shape of its validation errors (the
    problem's message without the field, as theirs)."""
    return JSONResponse(error_body("invalid_input", f"{field}: {said}", field,
                                   problems=[{"field": field, "rule": rule, "message": said}]), 422)


def query_field(name: str) -> str:
    """``query.<name>`` for a parameter's name shaped like ours (lower-case words); a client's other name (a
    personnummer typed as a parameter) is not said back."""
    return "query." + name if re.fullmatch(r"[a-z_]{1,40}", name) else "query"


def _repeated_header(headers: list[tuple[bytes, bytes]]) -> str | None:
    """``authorization``, or the field of the first other header the API reads, when the request sends it twice."""
    seen: set[bytes] = set()
    for name, _ in headers:
        if name == b"authorization" or name in ONE_HEADER_EACH:
            if name in seen:
                return "authorization" if name == b"authorization" else "header." + name.decode()
            seen.add(name)
    return None


def _repeated(query: str) -> str | None:
    """The first parameter the query string names a second time, if any."""
    seen: set[str] = set()
    for name, _ in parse_qsl(query, keep_blank_values=True):
        if name in seen:
            return name
        seen.add(name)
    return None


# The largest body a command can need (a plan of 200 rows, each field at its longest) is about 4 MB.
MAX_BODY = 8 * 1024 * 1024


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuses a request body over ``MAX_BODY`` with 413, before it is read whole: by its Content-Length, or,
    sent in chunks, as soon as it has grown past the limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = MAX_BODY
        length = dict(scope["headers"]).get(b"content-length", b"0")
        # Over 19 digits no real length: int() refuses over 4,300 (a 500), so the number is not read at all.
        if not length.isdigit() or len(length) > 19 or int(length) > limit:
            await _too_large(scope, receive, send, limit)
            return
        taken, sending = 0, _Sending(send)

        async def counting() -> Message:
            nonlocal taken
            message = await receive()
            taken += len(message.get("body", b""))
            if taken > limit:
                raise _TooLarge()
            return message

        try:
            await self.app(scope, counting, sending)
        except _TooLarge:
            if not sending.started:
                await _too_large(scope, receive, send, limit)


def too_large_response(limit: int) -> JSONResponse:
    body = error_body("body_too_large", f"the request body is larger than {limit:,} bytes", "body")
    return JSONResponse(body, 413, headers={"Connection": "close"})


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    # A browser's form gets the web client's Swedish page (set by ``services.web.app.mount_web``), not the API's JSON.
    page = getattr(getattr(scope.get("app"), "state", None), "too_large_page", None)
    web = page is not None and not scope.get("path", "").startswith("/api")
    await (page(scope, limit) if web else too_large_response(limit))(scope, receive, send)


class _Sending:
    """``send``, noting whether the answer has begun (after that an error can only close the connection)."""

    def __init__(self, send: Send) -> None:
        self.send, self.started = send, False

    async def __call__(self, message: Message) -> None:
        self.started = self.started or message["type"] == "http.response.start"
        await self.send(message)


def _message(problem: dict[str, Any], field: str) -> str:
    """A validation problem's message as the answer says it after its field: without the "Value error, " pydantic
    puts before a validator's own words, nor the field again where those words begin with it ("header.sigill-purpose:
    header.sigill-purpose must be …")."""
    return str(problem.get("msg", "")).removeprefix("Value error, ").removeprefix(f"{field} ")
