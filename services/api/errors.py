"""Every failure becomes a precise status and one JSON shape — never a stack trace.

    {"error": {"code": "not_a_group_member", "message": "…", "field": "agency"}}

Domain errors are mapped here, once: not found 404, concurrent change 409,
forbidden 403, anything else the domain refuses 422 with the field and rule.
The handlers that answer each failure in this shape are ``error_handlers``'s;
the layers that refuse a request before any route (a body too large, a
parameter or header given twice) ``middleware``'s.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from domain.errors import CaseErased, ClockWentBackwards, DomainError
from services.api.error_places import located
from services.authorisation import Forbidden
from services.errors import CaseNotFound, ConcurrentChange, PossibleDuplicate
from services.feeds import IdsRenewed


REBUILDING = ("the agency views are being rebuilt from the first event; the feeds are back once they have caught up"
              " (try again in a minute; a cursor of before the rebuild then starts again from the beginning, and"
              " event ids stay — unless they were renewed after a restore: then 410 ids_renewed)")
REBUILDING_RETRY_SECONDS = 30   # the feeds' Retry-After while the views are rebuilt (and the stream's retry:)
# A 503, not a 401: a 401 tells a client to fetch a new token — from the provider that is away, every integrated
# system at once.  Only a token whose key none kept fits is answered so; a key fetched before still verifies.
IDENTITY_PROVIDER_AWAY = ("the identity provider's keys cannot be fetched just now, so the token cannot be verified;"
                          " send the same token again later (a new one would not help)")
IDENTITY_PROVIDER_RETRY_SECONDS = 30   # a provider's outage outlasts a database's blip: fewer retries meanwhile


class PreconditionFailed(DomainError):
    """A request's If-Match does not hold (RFC 9110 §13.1.1): nothing was done."""

    code = "precondition_failed"


STATUS = ((CaseNotFound, 404), (CaseErased, 404), (ConcurrentChange, 409), (PossibleDuplicate, 409),
          (Forbidden, 403), (IdsRenewed, 410),   # a feed cursor of ids renewed since: drop what it read, start over
          (PreconditionFailed, 412),
          (ClockWentBackwards, 503))  # this server's clock is far behind the case's latest event
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


def refusal(field: str, rule: str, said: str) -> JSONResponse:
    """422 for one input refused before the route's own checks, in the shape of its validation errors (the
    problem's message without the field, as theirs)."""
    return JSONResponse(error_body("invalid_input", f"{field}: {said}", field,
                                   problems=[{"field": field, "rule": rule, "message": said}]), 422)


def repeated_response(field: str) -> JSONResponse:
    """422 for a query parameter, a header, or a JSON body's key given more than once."""
    return refusal(field, "repeated", "given more than once; send it once")


def query_field(name: str) -> str:
    """``query.<name>`` for a parameter's name shaped like ours (lower-case words); a client's other name (a
    personnummer typed as a parameter) is not said back."""
    return "query." + name if re.fullmatch(r"[a-z_]{1,40}", name) else "query"
