"""How every write goes: expected version from If-Match or the body, an optional Idempotency-Key, one answer."""

from __future__ import annotations

import asyncio
import re
from typing import Any, Awaitable, Callable

from fastapi import Request
from fastapi.responses import JSONResponse

from domain.errors import DomainError, InvalidInput
from domain.seen_version import SeenVersion
from services.api.deps import ApiContext
from services.api.errors import domain_answer
from services.api.views import Written
from services.authorisation import check_reads_cases
from services.case_commands import Written as Done
from services.errors import ConcurrentChange
from services.idempotency import (ATTRIBUTED_UNSEEN, ETAG, AnswerAlreadyStored, Pending, StoredAnswer, answering,
                                  check_key, replay_of, replay_of_any, request_fingerprint, signed_in_as, stored_key)
from services.principals import Principal

Location = Callable[[str], str]   # the new case's id -> its URL


# An entity tag as the API gives them ("5-1f2e3d4c5b6a": ``domain.seen_version``), a bare count as it gave them
# before ("5"), or * (any version: no precondition).  ASCII digits only: "²" counts as a digit to str.isdigit() and
# then int() refused it (a 500).  A weak tag (W/"5") is refused: If-Match compares strongly (RFC 9110), so it could
# never match.
IF_MATCH = re.compile(r'"([0-9a-f-]{1,30})"|\*')


def expected_version(if_match: str | None, in_body: int | None) -> SeenVersion | int | None:
    """If-Match: an ETag the API gave, a bare count ("5") or * — or the body's expected_version; both must agree."""
    if if_match is None:
        return in_body
    found = IF_MATCH.fullmatch(if_match.strip())
    sent = SeenVersion.parse(found.group(1)) if found is not None and found.group(1) is not None else None
    if found is None or (found.group(1) is not None and sent is None):
        raise InvalidInput("If-Match must be an ETag the API gave you, e.g. \"5-1f2e3d4c5b6a\", or *",
                           field="If-Match")
    if sent is None:
        return in_body   # *: whatever the version is now
    if in_body is not None and in_body != sent.count:
        raise InvalidInput("If-Match and expected_version disagree", field="If-Match")
    return sent


def where_version_sent(if_match: str | None) -> str:
    """Where the version a conflict is about came from: If-Match names one unless it is ``*``, which takes the
    body's (a stale ``expected_version`` beside ``If-Match: *`` was blamed on the header)."""
    return "If-Match" if if_match is not None and if_match.strip() != "*" else "expected_version"


def answer(done: Done, status: int = 200, location: Location | None = None) -> JSONResponse:
    body = Written(case_id=done.case_id, version=done.version, created=done.value).model_dump(mode="json")
    body[ETAG] = done.seen.tag
    if done.warnings is not None:   # a plan revision's, always a list (``PlanWritten``)
        body["warnings"] = done.warnings
    return respond(body, status, location)


def respond(body: dict[str, Any], status: int, location: Location | None, replayed: bool = False) -> JSONResponse:
    body = dict(body)
    body.pop(ATTRIBUTED_UNSEEN, None)   # the web's saved notice's, not the API's answer
    headers = {"ETag": f'"{body.pop(ETAG, body["version"])}"'}   # an answer stored before the digest: the count
    if location:
        headers["Location"] = location(body["case_id"])
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(body, status, headers=headers)


def _stored_answer(ctx: ApiContext, user: Principal, given: str, parts: tuple[str, ...]) -> StoredAnswer | None:
    """The answer this sign-in stored for this key, under the master key in use or the one a rotation replaced (kept
    a day after it): a retry across the rotation would otherwise find nothing and record its command a second time."""
    return replay_of_any(ctx.idempotency, [
        (signed_in_as(secret, user), stored_key(secret, given), request_fingerprint(secret, *parts))
        for secret in (ctx.request_key, *ctx.previous_request_keys)])


async def write(ctx: ApiContext, user: Principal, request: Request, key: str | None, body: Callable[[], str],
                run: Callable[[], Awaitable[Done]], status: int = 200, location: Location | None = None,
                version_sent_in: str = "expected_version") -> JSONResponse:
    """Run the write once per Idempotency-Key: a retry gets the first answer and records nothing.

    The answer is committed with the command's events (``services.idempotency``): a retry after any
    cut-off gets either that answer or, if nothing was recorded, a fresh run.  A conflict names the version the
    caller sent where it sent it, ``version_sent_in`` (the route's to say: the domain knows only
    `expected_version`, and an If-Match header was named `body.expected_version` though the body held none)."""
    try:
        return await _write_once(ctx, user, request, key, body, run, status, location)
    except ConcurrentChange as conflict:
        return domain_answer(conflict, request.scope, version_sent_in if conflict.field == "expected_version" else None)


async def _write_once(ctx: ApiContext, user: Principal, request: Request, key: str | None, body: Callable[[], str],
                      run: Callable[[], Awaitable[Done]], status: int, location: Location | None) -> JSONResponse:
    if key is None:
        return answer(await run(), status, location)
    # A stored answer is case content too: not for a token without a case role or a municipality (the answer itself
    # holds only the case's id and version, for the user who made the write).
    check_reads_cases(user, ctx.cases.catalogue)
    check_key(key)
    parts = (request.method, request.url.path, request.headers.get("if-match", ""), body())
    fingerprint = request_fingerprint(ctx.request_key, *parts)
    given, key = key, stored_key(ctx.request_key, key)   # never stored as sent: it may name the young person
    # The key is this sign-in's: the same key from another (another agency, role or municipality of the same
    # person) is a command of its own — never answered with what was answered to someone else.
    owner = signed_in_as(ctx.request_key, user)
    stored = await asyncio.to_thread(_stored_answer, ctx, user, given, parts)
    if stored is not None:
        return respond(stored.body, stored.status, location, replayed=True)
    pending = Pending(owner, key, fingerprint, status)
    try:
        with answering(pending):
            done = await run()
    except (AnswerAlreadyStored, DomainError) as error:
        # A concurrent request with the same key won: its answer is this one's too (a refusal of ours — a
        # stale version, a conflict — only says that the winner's write came first).
        stored = await asyncio.to_thread(replay_of, ctx.idempotency, owner, key, fingerprint)
        if stored is not None:
            return respond(stored.body, stored.status, location, replayed=True)
        if isinstance(error, AnswerAlreadyStored):
            raise ConcurrentChange("a request with this Idempotency-Key was recorded at the same moment;"
                                   " retry to get its answer", field="Idempotency-Key") from None
        raise
    if pending.row is None:  # nothing was saved with it (cannot happen for a case command): answer as usual
        return answer(done, status, location)
    return respond(pending.row.body, status, location)  # the committed answer, exactly as a retry will get it
