"""The case commands over HTTP: one POST each, under /api/v1/cases."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError, ValidatorFunctionWrapHandler, WrapValidator
from pydantic_core import PydanticCustomError

from services.api import commands as c
from services.api.deps import (NOTHING_TO_MATCH, Context, CurrentUser, Writer, Writing, creating,
                               nothing_to_match)
from services.api.errors import ErrorBody, error_body
from services.api.views import PlanWritten, Written
from services.api.writing import expected_version, where_version_sent, write
from services.api.one_key_each import OneKeyEachRoute
from services.authorisation import check_may_open_case
from services.case_commands import Written as Done

router = APIRouter(prefix="/api/v1/cases", tags=["commands"], route_class=OneKeyEachRoute)

# Its If-Match checked, and not declared Headers: FastAPI's refusal would keep what was sent (``deps.header``).
CreatingKey = Annotated[str | None, Depends(creating)]


def _a_case_id(value: Any, read: ValidatorFunctionWrapHandler) -> UUID:
    """A case's id, or a refusal saying what one looks like, as a malformed case number's does ("a case number
    looks like …"): pydantic's own ("invalid group count: expected 5, found 3") told an auditor who had typed the
    case's number nothing of where a number goes."""
    try:
        return read(value)
    except ValidationError:
        raise PydanticCustomError("uuid_parsing", "a case id looks like 3fa85f64-5717-4562-b3fc-2c963f66afa6; a case"
                                  " number (0180-2026-0042) gives it at /api/v1/cases/by-number/{case_number}") from None


CaseId = Annotated[UUID, WrapValidator(_a_case_id), Path(description="the case's id")]
PathId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")]
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "model": ErrorBody,
             "content": {"application/json": {"example": error_body(code, text, field)}}}
    for status, code, text, field in (
        (401, "unauthenticated", "the token is not valid", None),
        (403, "forbidden", "only social services of the case's municipality administers the case", None),
        (404, "case_not_found", "no such case", "path.case_id"),
        (409, "concurrent_change", "the case has changed: you expected version 4, it is at 5", "body.expected_version"),
        (413, "body_too_large", "the request body is larger than 8,388,608 bytes", "body"),
        # a body of another type than JSON, of none named, or compressed (a Content-Encoding)
        (415, "unsupported_media_type", "the body is text/plain: send it as application/json", "body"),
        (422, "not_a_group_member", "the agency 'skola' is not a member of the group", "body.agency"),
        # the database unreachable, a COMMIT whose answer was lost (retry with the Idempotency-Key), a server
        # clock far behind the case's latest event, the access log unwritable (reads): nothing was recorded
        (503, "database_unavailable", "the database cannot be reached; try again", None))}
# Every 401 says how to sign in (RFC 6750), as the README promised and the document did not say.
CHALLENGE = ("the scheme to sign in with: `Bearer realm=\"sigill\"`, and `error=\"invalid_token\"` when a bearer"
             " token was sent and refused (RFC 6750)")
ERRORS[401]["headers"] = {"WWW-Authenticate": {"description": CHALLENGE, "schema": {"type": "string"}}}
ERRORS[401]["description"] = ("no token, or one that does not verify (expired, another issuer or audience, not signed"
                              " by the issuer's keys): the message says which; ask the identity provider for a new"
                              " one")
# Every 503 but a clock far behind the case's latest event (`clock_went_backwards`: no time would mend it) says when
# to ask again; the document said it of the feeds and the readiness probe alone.
ERRORS[503]["headers"] = {"Retry-After": {"description": "seconds to wait before asking again (not sent with"
                                                         " clock_went_backwards)",
                                          "schema": {"type": "integer", "example": 5}}}


def documented_as_json(errors: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """The errors of a route that answers another type (HTML, an event stream), which FastAPI would document in that
    type: they are JSON."""
    return {status: {"description": e["description"], **({"headers": e["headers"]} if "headers" in e else {}),
                     "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"},
                                                      **e["content"]["application/json"]}}}
            for status, e in errors.items()}


# A referral's 409 is a possible duplicate: it has no version to be stale.
REFERRAL_ERRORS = {**ERRORS, 409: {
    "description": "the municipality has an open case for the same personnummer: send again with duplicate_confirmed",
    "model": ErrorBody, "content": {"application/json": {"example": error_body(
        "possible_duplicate", "the municipality already has an open case for this young person: 0180-2026-0042;"
        " send the referral again with duplicate_confirmed true to open another case", "body.personnummer",
        cases=[{"case_id": "3f0c2a9e-6a41-4d39-9a57-2f5d1c8b7e10", "case_number": "0180-2026-0042"}])}}},
    412: {"description": "an If-Match other than `*`: a new case has no entity tag to match; nothing was created",
          "model": ErrorBody, "content": {"application/json": {"example": error_body(
              "precondition_failed", NOTHING_TO_MATCH, "header.if-match")}}}}


@router.post("", status_code=201, response_model=Written, responses=REFERRAL_ERRORS)
async def receive_referral(ctx: Context, user: CurrentUser, request: Request, referral: c.Referral,
                           key: CreatingKey) -> JSONResponse:
    """Open a case from a referral (aktualisering); the answer names the new case number."""
    # Left out: the sign-in's municipality (one without any is refused as the check below refuses it).
    arguments = {**referral.model_dump(), "municipality": referral.municipality or user.municipality}
    check_may_open_case(user, arguments["municipality"], ctx.cases.catalogue)   # a 403 before a 412 (§13.2.1)
    nothing_to_match(request)

    async def run() -> Done:   # drawing the case number reads and retries: in a thread, off the event loop
        return await asyncio.to_thread(ctx.cases.open_case, user, **arguments)
    return await write(ctx, user, request, key, referral.model_dump_json, run, 201,
                       lambda case_id: f"/api/v1/cases/{case_id}")


async def _run(writer: Writing, name: str, case_id: UUID, body: c.Command, status: int = 200,
               **from_path: str) -> JSONResponse:
    ctx, user, request, key, if_match = writer

    async def run() -> Done:
        expected = expected_version(if_match, body.expected_version)
        return await ctx.cases.command_async(user, name, case_id, expected, **body.arguments(), **from_path)
    return await write(ctx, user, request, key, body.model_dump_json, run, status,
                       version_sent_in=where_version_sent(if_match))


@router.post("/{case_id}/eligibility", response_model=Written, responses=ERRORS)
async def decide_eligibility(writer: Writer, case_id: CaseId, body: c.Eligibility) -> JSONResponse:
    """Decide whether the young person is relevant for a group (social services)."""
    return await _run(writer, "decide_eligibility", case_id, body)


@router.post("/{case_id}/guardians", response_model=Written, responses=ERRORS)
async def record_guardians(writer: Writer, case_id: CaseId, body: c.Guardians) -> JSONResponse:
    """Record who has custody of the young person from now on (social services).  422 guardians_unchanged (field
    guardians): each guardian as recorded already (by its `guardian_id`, the same name and custody; their order
    aside), and no new one; nothing is recorded."""
    return await _run(writer, "record_guardians", case_id, body)


@router.post("/{case_id}/consents", status_code=201, response_model=Written, responses=ERRORS)
async def grant_consent(writer: Writer, case_id: CaseId, body: c.Consent) -> JSONResponse:
    """Record a consent; `created` is the consent's id (social services)."""
    return await _run(writer, "grant_consent", case_id, body, 201)


@router.post("/{case_id}/consents/{consent_id}/narrowings", response_model=Written, responses=ERRORS)
async def narrow_consent(writer: Writer, case_id: CaseId, consent_id: PathId, body: c.Narrowing) -> JSONResponse:
    """The consenter takes back part of a consent: fewer recipients or categories, or an earlier end."""
    return await _run(writer, "narrow_consent", case_id, body, consent_id=consent_id)


@router.post("/{case_id}/consents/{consent_id}/withdrawal", response_model=Written, responses=ERRORS)
async def withdraw_consent(writer: Writer, case_id: CaseId, consent_id: PathId, body: c.Withdrawal) -> JSONResponse:
    """The consenter withdraws a consent: nothing more is disclosed under it from now."""
    return await _run(writer, "withdraw_consent", case_id, body, consent_id=consent_id)


@router.post("/{case_id}/members", status_code=201, response_model=Written, responses=ERRORS)
async def add_member(writer: Writer, case_id: CaseId, body: c.Member) -> JSONResponse:
    """Bring an agency into the group (social services)."""
    return await _run(writer, "add_member", case_id, body, 201)


@router.post("/{case_id}/members/{agency}/departure", response_model=Written, responses=ERRORS)
async def remove_member(writer: Writer, case_id: CaseId, agency: PathId, body: c.Departure) -> JSONResponse:
    """An agency leaves the group (social services)."""
    return await _run(writer, "remove_member", case_id, body, agency=agency)


@router.post("/{case_id}/plan/revisions", status_code=201, response_model=PlanWritten, responses=ERRORS)
async def revise_plan(writer: Writer, case_id: CaseId, body: c.Plan) -> JSONResponse:
    """Record a complete new revision of the action plan; `created` is its number, `warnings` the responsible
    agencies that cannot see their rows (social services).  422 plan_unchanged (field null): the same main goal and
    rows as the current plan — each carried forward by its `row_id`, with the same content and responsible
    agencies, in the same order — and who took part the same or not given; nothing is recorded."""
    return await _run(writer, "revise_plan", case_id, body, 201)


@router.post("/{case_id}/meetings", status_code=201, response_model=Written, responses=ERRORS)
async def record_meeting(writer: Writer, case_id: CaseId, body: c.Meeting) -> JSONResponse:
    """Record a network meeting with its outcomes and decisions; `created` is the meeting's id."""
    return await _run(writer, "record_meeting", case_id, body, 201)


@router.post("/{case_id}/meetings/next", status_code=201, response_model=Written, responses=ERRORS)
async def plan_next_meeting(writer: Writer, case_id: CaseId, body: c.NextMeeting) -> JSONResponse:
    """Plan the group's next meeting on its own — a new group's first nätverksmöte, or one planned before moved to
    another day or kind — or call it off with `next_meeting` null (social services).  It is the fact
    meeting.scheduled (category case), seen by whoever may see a meeting's next meeting; the case list's
    next_meeting is the latest scheduling or meeting's, whichever was recorded last (a meeting held before one
    already recorded plans nothing).  422 next_meeting_unchanged: the next meeting you see (GET .../meetings) is
    planned so already, or you see none to call off."""
    return await _run(writer, "plan_next_meeting", case_id, body, 201)


@router.post("/{case_id}/contributions", status_code=201, response_model=Written, responses=ERRORS)
async def record_contribution(writer: Writer, case_id: CaseId, body: c.Contribution) -> JSONResponse:
    """Record what your agency knows; the disclosure rules decide who else sees it."""
    return await _run(writer, "record_contribution", case_id, body, 201)


@router.post("/{case_id}/follow-ups", status_code=201, response_model=Written, responses=ERRORS)
async def record_follow_up(writer: Writer, case_id: CaseId, body: c.FollowUp) -> JSONResponse:
    """Follow up a row of the current plan (social services, or an agency responsible for the row)."""
    return await _run(writer, "record_follow_up", case_id, body, 201)


@router.post("/{case_id}/closure", response_model=Written, responses=ERRORS)
async def close_case(writer: Writer, case_id: CaseId, body: c.Closure) -> JSONResponse:
    """Close the case with a reason and an outcome (social services)."""
    return await _run(writer, "close_case", case_id, body)


@router.post("/{case_id}/protection", response_model=Written, responses=ERRORS)
async def record_protection(writer: Writer, case_id: CaseId, body: c.Protection) -> JSONResponse:
    """Record that the young person has protected personal data (skyddade personuppgifter), or no longer has
    (social services); it changes nothing of who sees what."""
    return await _run(writer, "record_protection", case_id, body)
