"""Every failure becomes a precise status and one JSON shape — never a stack trace.

    {"error": {"code": "not_a_group_member", "message": "…", "field": "agency"}}

Domain errors are mapped here, once: not found 404, concurrent change 409,
forbidden 403, anything else the domain refuses 422 with the field and rule.
"""

from __future__ import annotations

import logging

from eventsourcing.persistence import PersistenceError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from domain.errors import CaseErased, ClockWentBackwards, DomainError
from services.access_log import AccessLogUnavailable
from services.authorisation import Forbidden
from services.errors import CaseNotFound, ConcurrentChange
from services.principals import AuthenticationFailed

log = logging.getLogger("sigill.api")

STATUS = ((CaseNotFound, 404), (CaseErased, 404), (ConcurrentChange, 409), (Forbidden, 403),
          (ClockWentBackwards, 503))  # this server's clock is far behind the case's latest event


def error_body(code: str, message: str, field: str | None = None, **extra: object) -> dict:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


def status_of(error: DomainError) -> int:
    return next((status for kind, status in STATUS if isinstance(error, kind)), 422)


def install(api: FastAPI) -> None:
    @api.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> JSONResponse:
        return JSONResponse(error_body(error.code, error.message, error.field), status_of(error))

    @api.exception_handler(AuthenticationFailed)
    async def unauthenticated(request: Request, error: AuthenticationFailed) -> JSONResponse:
        return JSONResponse(error_body("unauthenticated", str(error)), 401,
                            headers={"WWW-Authenticate": 'Bearer realm="sigill"'})

    @api.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [{"field": ".".join(str(p) for p in e.get("loc", ())), "rule": e.get("type"),
                     "message": e.get("msg")} for e in error.errors()]
        first = problems[0] if problems else {"field": None, "message": "invalid request"}
        return JSONResponse(error_body("invalid_input", f"{first['field']}: {first['message']}", first["field"],
                                       problems=problems), 422)

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        codes = {401: "unauthenticated", 404: "not_found", 405: "method_not_allowed"}
        return JSONResponse(error_body(codes.get(error.status_code, "http_error"), str(error.detail)),
                            error.status_code, headers=getattr(error, "headers", None))

    @api.exception_handler(AccessLogUnavailable)
    async def unlogged(request: Request, error: AccessLogUnavailable) -> JSONResponse:
        log.error("access log unavailable: %s", type(error.__cause__).__qualname__)
        return JSONResponse(error_body("access_log_unavailable", str(error)), 503, headers={"Retry-After": "5"})

    @api.exception_handler(PersistenceError)
    async def database_down(request: Request, error: PersistenceError) -> JSONResponse:
        log.error("database error: %s", type(error).__qualname__)
        return JSONResponse(error_body("database_unavailable", "the database cannot be reached; try again"), 503,
                            headers={"Retry-After": "5"})

    @api.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        # The class only: a message could quote personal data.
        log.error("unexpected %s on %s %s", type(error).__qualname__, request.method, request.url.path)
        return JSONResponse(error_body("internal_error", "something went wrong on our side; it has been logged"),
                            500)
