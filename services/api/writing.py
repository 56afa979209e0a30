"""How every write goes: expected version from If-Match or the body, an optional Idempotency-Key, one answer."""

from __future__ import annotations

import json
from hashlib import sha256
from typing import Callable

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from domain.errors import InvalidInput
from services.api.deps import ApiContext
from services.api.views import Written
from services.case_service import Written as Done
from services.idempotency import replay_or_reserve
from services.principals import Principal


def expected_version(if_match: str | None, in_body: int | None) -> int | None:
    """If-Match: "5" (or W/"5", or 5) — or the body's expected_version; both must agree."""
    if if_match is None:
        return in_body
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 9:
        raise InvalidInput("If-Match must be a version the API gave you, e.g. \"5\"", field="If-Match")
    if in_body is not None and in_body != int(text):
        raise InvalidInput("If-Match and expected_version disagree", field="If-Match")
    return int(text)


def answer(done: Done, status: int = 200, location: str | None = None) -> JSONResponse:
    body = jsonable_encoder(Written(case_id=done.case_id, version=done.version, created=done.value))
    headers = {"ETag": f'"{done.version}"'}
    if location:
        headers["Location"] = location
    return JSONResponse(body, status, headers=headers)


def write(ctx: ApiContext, user: Principal, request: Request, key: str | None, body: str,
          run: Callable[[], JSONResponse]) -> JSONResponse:
    """Run the write once per Idempotency-Key: a retry gets the first answer and records nothing."""
    if key is None:
        return run()
    fingerprint = sha256("\n".join((request.method, request.url.path, request.headers.get("if-match", ""), body))
                         .encode()).digest()
    stored = replay_or_reserve(ctx.idempotency, user.subject, key, fingerprint)
    if stored is not None:
        return JSONResponse(stored.body, stored.status, headers={"Idempotent-Replayed": "true"})
    try:
        response = run()
    except BaseException:
        ctx.idempotency.release(user.subject, key)  # nothing was recorded: a retry may run it
        raise
    ctx.idempotency.complete(user.subject, key, response.status_code, json.loads(response.body))
    return response
