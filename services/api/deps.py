"""What every route gets: the signed-in user, the shared services, and the read's stated purpose."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Callable, NamedTuple
from urllib.parse import unquote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from domain.errors import InvalidInput
from projections.fact_ids import CurrentFactIds
from services.access_entry import PURPOSE_LENGTH, stated_purpose
from services.access_log import AsyncAccessLogStore
from services.api.accept import documented as documented_406, offered_by
from services.api.answers import ShapedAnswers
from services.api.errors import IDENTITY_PROVIDER_AWAY, IDENTITY_PROVIDER_RETRY_SECONDS, PreconditionFailed, error_body
from services.api.query_names import documented as documented_422, known_query
from services.api.token_cache import VerifiedTokens
from services.case_service import CaseService
from services.idempotency import IdempotencyStore
from services.ports import AsyncEvents, Readiness
from services.principals import AuthenticationFailed, IdentityProviderUnavailable, Principal, TokenVerifier

@dataclass
class ApiContext:
    cases: CaseService
    verifier: TokenVerifier
    idempotency: IdempotencyStore
    # (exported checkpoints, keys to trust for them) -> (ledger Verification, access log ChainVerdict)
    verify_ledger: Callable[..., Any]
    seal_ledger: Callable[[], int]
    report: Callable[..., str]            # (ReportRead, number_of, made_by) -> self-contained HTML
    fact_ids: CurrentFactIds              # what every answer shows instead of a fact's internal id
    request_key: bytes                    # keys the idempotency keys' request fingerprints (from the master key)
    # The same from the master key a rotation replaced (SIGILL_PREVIOUS_MASTER_KEY): answers stored before it.
    previous_request_keys: tuple[bytes, ...] = ()
    closers: list[Callable[[], None]] = field(default_factory=list)
    export_checkpoints: Callable[[], str] = lambda: ""   # the signed checkpoints, as `sigill audit export` writes
    # The event store's statements on the server's event loop (None: commands go to a thread), made at start-up.
    loop_store: Callable[[], AsyncEvents | None] = lambda: None
    # The access log's writer on the server's event loop (None: the writer thread logs every read).
    loop_access_log: Callable[[], AsyncAccessLogStore | None] = lambda: None
    # Readiness: whether a follower works on the database and how far behind the views are; None when the
    # database does not answer.
    readiness: Callable[[], Readiness | None] = lambda: None
    tokens: VerifiedTokens = field(init=False)
    answers: ShapedAnswers = field(default_factory=ShapedAnswers)   # read answers, per worker process

    def __post_init__(self) -> None:
        self.tokens = VerifiedTokens(self.verifier)
        self.cases.app.keystore.when_destroyed(self.answers.forget)   # erased: no answer of it kept in memory

    def close(self) -> None:
        for close in self.closers:
            close()


# The dependencies are coroutines: FastAPI runs a plain function in its thread pool, a hop per dependency
# per request that cost more than the work.  None of them blocks, except verifying a token the first time
# (a JWKS URL may be fetched): that goes to the thread pool.
#
# Each takes the request only and reads its header itself.  FastAPI solves every declared parameter and
# sub-dependency per request (a security scheme, a header model): for a cached read that was a quarter of
# its CPU.  What the document loses by that, ``document`` adds back: the bearer scheme and the purpose header.

BEARER_SCHEME = {"type": "http", "scheme": "bearer",
                 "description": "a JWT from the identity provider (or `sigill dev-token`)"}
PURPOSE_HEADER, PURPOSE_MAX = "sigill-purpose", 1500
PURPOSE_DESCRIPTION = (f"why you read this, percent-encoded UTF-8 (kept, sealed, in the access log): at most"
                       f" {PURPOSE_LENGTH} characters once decoded, with no control character")


async def context(request: Request) -> ApiContext:
    return request.app.state.context


SIGNED_IN = "sigill.signed_in"   # the request's principal, once signed in (a body route signs in before its body)


async def current_user(request: Request) -> Principal:
    signed_in = request.scope.get(SIGNED_IN)
    if signed_in is not None:
        return signed_in
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if not token or scheme.lower() != "bearer":
        raise AuthenticationFailed("sign in: send 'Authorization: Bearer <token>'")
    tokens = request.app.state.context.tokens
    principal = tokens.known(token) or await run_in_threadpool(tokens.verify, token)
    request.scope[SIGNED_IN] = principal
    return principal


async def caller_if_signed_in(request: Request) -> Principal | None:
    """The signed-in user, or None where the request signs no one in — never a refusal.  For the readiness probe,
    which a load balancer asks with no token (or a gateway with one long expired, or two): a token that does not
    verify is no sign-in there, not a 401 that would take the server out of service — nor is one whose keys the
    identity provider cannot give just now: its outage is not this server's unreadiness."""
    if sum(name == b"authorization" for name, _ in request.headers.raw) != 1:
        return None
    try:
        return await current_user(request)
    except (AuthenticationFailed, IdentityProviderUnavailable):
        return None


async def purpose(request: Request) -> str:
    stated = request.headers.get(PURPOSE_HEADER, "")
    if len(stated) > PURPOSE_MAX:   # its length as sent, not a word of it: a purpose may name the young person
        raise RequestValidationError([{
            "type": "string_too_long", "loc": ("header", PURPOSE_HEADER), "input": "…",
            "msg": f"is {len(stated)} characters long as sent: at most {PURPOSE_MAX} as sent (percent-encoded),"
                   f" {PURPOSE_LENGTH} once decoded", "ctx": {"max_length": PURPOSE_MAX}}])
    try:
        return stated_purpose(_percent_decoded(_as_sent(stated), f"header.{PURPOSE_HEADER}"),
                              f"header.{PURPOSE_HEADER}")
    except InvalidInput as error:   # the shape of the length check above: one way to read a refused header
        raise RequestValidationError([{"type": "value_error", "loc": ("header", PURPOSE_HEADER), "input": "…",
                                       "msg": error.message}]) from None


_BROKEN_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _percent_decoded(stated: str, field: str) -> str:
    """The header's percent-encoded UTF-8, decoded strictly: a '%' that begins no escape was kept as sent ("Tillsyn
    %ZZ"), and escapes that decode to no UTF-8 became U+FFFD, in the young person's extract.  Refused, never
    repeated (a purpose may name the young person)."""
    try:
        if _BROKEN_ESCAPE.search(stated):
            raise UnicodeError
        return unquote(stated, errors="strict")
    except UnicodeError:
        raise InvalidInput(f"{field} must be percent-encoded UTF-8: each '%' begins an escape of two hex digits (a"
                           " '%' itself is %25) decoding to UTF-8", field=field) from None


def _as_sent(stated: str) -> str:
    """A header's text as its client wrote it.  The server reads a header's bytes as Latin-1, so a purpose sent
    unencoded in UTF-8 (curl in a UTF-8 terminal) was logged as "InfÃ¶r mÃ¶te" in the young person's extract; bytes
    that are not UTF-8 stay Latin-1 (Python's requests sends that), as they were read before."""
    if stated.isascii():
        return stated
    try:
        return stated.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return stated


class Reading(NamedTuple):
    """A read of case content: the shared services, who reads, and why (for the access log)."""

    ctx: ApiContext
    user: Principal
    purpose: str


async def reading(request: Request) -> Reading:
    # One dependency for the three: FastAPI's solving costs per dependency, and three cost a read about a tenth
    # of its CPU more than one.
    return Reading(request.app.state.context, await current_user(request), await purpose(request))


class Writing(NamedTuple):
    """A case command: the shared services, who writes, the request, and its Idempotency-Key and If-Match."""

    ctx: ApiContext
    user: Principal
    request: Request
    idempotency_key: str | None
    if_match: str | None


IDEMPOTENCY_KEY = ("idempotency-key", "Idempotency-Key", 1, 200, "^[!-~]+$",
                   "send the same key when you retry: recorded once")
IF_MATCH = ("if-match", "If-Match", 0, 40, None, 'the ETag you last saw, e.g. "5-1f2e3d4c5b6a"; 409 if'
            ' stale')


async def writing(request: Request) -> Writing:
    # One dependency instead of two and two header parameters, for the reason ``reading`` gives.
    return Writing(request.app.state.context, await current_user(request), request,
                   header(request, IDEMPOTENCY_KEY), header(request, IF_MATCH))


IF_MATCH_NEW = ("if-match", "If-Match", 0, 40, None, "only `*` holds: what this creates has no entity tag yet; any"
                " other value is a 412 `precondition_failed`, and nothing is created")
NOTHING_TO_MATCH = ("a new case has no entity tag to match, so If-Match holds only as If-Match: * (RFC 9110"
                    " §13.1.1); send that or no If-Match — nothing was created")


async def creating(request: Request) -> str | None:
    """A POST that creates: its Idempotency-Key, and its If-Match's form checked (weighed by ``nothing_to_match``)."""
    header(request, IF_MATCH_NEW)
    return header(request, IDEMPOTENCY_KEY)


def nothing_to_match(request: Request) -> None:
    """PreconditionFailed unless the If-Match of a POST that creates holds.  Its target is the collection, which has no
    entity tag Sigill gives out, so ``*`` holds and any other value does not (RFC 9110 §13.1.1): a client that sent
    a case's ETag, meaning "only if nothing changed", had a new case opened, the header ignored.  The route's to call
    once the request would otherwise succeed (§13.2.1): its content valid and its sender allowed — a school was told
    412 where it is 403, a malformed referral 412 where it is 422."""
    if_match = request.headers.get("if-match")
    if if_match is not None and if_match.strip() != "*":
        raise PreconditionFailed(NOTHING_TO_MATCH, field="If-Match")


def header(request: Request, spec: tuple, refused: str | None = None) -> str | None:
    """An optional header, checked as FastAPI checks a declared one (the same 422 and the same field), or refused in
    the words ``refused`` gives.  The refusal keeps none of it, as a purpose's keeps none (``purpose``): FastAPI's
    ``input`` holds what was sent, where a log or an error reporter takes it, and a client may send anything."""
    name, title, shortest, longest, pattern, _ = spec
    value = request.headers.get(name)
    if value is None:
        return None
    if len(value) < shortest:
        problem = ("string_too_short", f"String should have at least {shortest} character", {"min_length": shortest})
    elif len(value) > longest:
        problem = ("string_too_long", f"String should have at most {longest} characters", {"max_length": longest})
    elif pattern and not re.fullmatch(pattern, value):
        problem = ("string_pattern_mismatch", f"String should match pattern '{pattern}'", {"pattern": pattern})
    else:
        return value
    kind, message, limits = problem
    if refused is not None:   # the header's own words say what it is, whichever rule it broke
        kind, message, limits = "string_pattern_mismatch", refused, {}
    raise RequestValidationError([{"type": kind, "loc": ("header", title), "msg": message,
                                   "input": "…", "ctx": limits}])


reading.implies = (context, current_user, purpose)  # type: ignore[attr-defined]  # for ``document``
writing.implies = (context, current_user)  # type: ignore[attr-defined]
writing.headers = (IDEMPOTENCY_KEY, IF_MATCH)  # type: ignore[attr-defined]
creating.headers = (IDEMPOTENCY_KEY, IF_MATCH_NEW)  # type: ignore[attr-defined]

Context = Annotated[ApiContext, Depends(context)]
CurrentUser = Annotated[Principal, Depends(current_user)]
CallerIfSignedIn = Annotated[Principal | None, Depends(caller_if_signed_in)]
Purpose = Annotated[str, Depends(purpose)]
Reader = Annotated[Reading, Depends(reading)]
Writer = Annotated[Writing, Depends(writing)]


def document(api: FastAPI) -> None:
    """The OpenAPI document with what the dependencies above do not declare: each operation that signs its
    caller in needs the bearer scheme, and each that takes a purpose documents its header."""
    generate = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is not None:
            return api.openapi_schema
        schema = generate()
        operations = schema.get("paths", {})
        for route in api.routes:
            if not isinstance(route, APIRoute) or not route.include_in_schema:
                continue
            uses = calls(route.dependant)
            for method in route.methods:
                operation = operations.get(route.path_format, {}).get(method.lower())
                if operation is None:
                    continue
                if current_user in uses:
                    operation["security"] = [{"HTTPBearer": []}]
                    responses = operation["responses"]
                    responses["503"] = with_provider_away(responses.get("503"))
                elif caller_if_signed_in in uses:   # a sign-in may be sent (it adds to the answer), or none
                    operation["security"] = [{"HTTPBearer": []}, {}]
                if purpose in uses:
                    operation.setdefault("parameters", []).append(_purpose_parameter())
                offered = offered_by(route)
                if offered is not None:   # its Accept is checked (services/api/accept.py)
                    operation["responses"].setdefault("406", documented_406(offered))
                known = known_query(route)
                if known is not None:   # it refuses other query parameters (services/api/query_names.py)
                    operation["responses"].setdefault("422", documented_422(known))
                headers = [_header_parameter(spec) for call in uses for spec in getattr(call, "headers", ())]
                if headers:
                    operation.setdefault("parameters", []).extend(headers)
        schema.setdefault("components", {}).setdefault("securitySchemes", {})["HTTPBearer"] = BEARER_SCHEME
        _keep_nulls_in_examples(schema["components"].get("schemas", {}))
        _keep_null_fields_in_error_examples(operations)
        api.openapi_schema = schema
        return schema

    api.openapi = openapi  # type: ignore[method-assign]


PROVIDER_AWAY = ("the identity provider's keys cannot be fetched just now, and none kept fits the token"
                 f" (`identity_provider_unavailable`, Retry-After {IDENTITY_PROVIDER_RETRY_SECONDS}): send the same"
                 " token again then — it is not refused, so do not fetch a new one")


def with_provider_away(documented: dict[str, Any] | None) -> dict[str, Any]:
    """An operation's 503 naming the identity provider's outage too, which every operation that verifies a token can
    meet (``IdentityProviderUnavailable``): its example beside the others, its Retry-After."""
    documented = documented or {}
    description = documented.get("description")
    content = dict(documented.get("content", {}).get("application/json", {}))
    examples = dict(content.pop("examples", {}))
    if "example" in content:
        example = content.pop("example")
        code = example.get("error", {}).get("code", "example") if isinstance(example, dict) else "example"
        examples[code] = {"summary": code, "value": example}
    examples["identity_provider_unavailable"] = {"summary": "identity_provider_unavailable",
                                                 "value": error_body("identity_provider_unavailable",
                                                                     IDENTITY_PROVIDER_AWAY)}
    retry = {"Retry-After": {"description": "seconds to wait before asking again",
                             "schema": {"type": "integer", "example": IDENTITY_PROVIDER_RETRY_SECONDS}}}
    return {**documented, "description": f"{description}; or {PROVIDER_AWAY}" if description else PROVIDER_AWAY,
            "headers": documented.get("headers") or retry,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}, **content,
                                              "examples": examples}}}


def _keep_nulls_in_examples(schemas: dict[str, Any]) -> None:
    """FastAPI leaves every null out of the document, examples included — and a feed message's
    ``basis.legal_basis`` is required and null under a consent: the examples as written, which the published JSON
    Schema accepts (tests/integration/api/test_feed_http.py)."""
    from services.api import feed_views

    for model in (feed_views.FeedItem, feed_views.FeedPageOut):
        if model.__name__ in schemas:
            schemas[model.__name__]["examples"] = model.model_config["json_schema_extra"]["examples"]  # type: ignore


def _keep_null_fields_in_error_examples(operations: dict[str, Any]) -> None:
    """Every error answer names its ``field``, null when no one field is at fault: so do the document's examples of
    them, from which FastAPI left the null out (a 401's example read as if the field could be missing)."""
    for item in operations.values():
        for operation in item.values():
            for response in operation.get("responses", {}).values():
                for content in response.get("content", {}).values():
                    examples = [content.get("example"), *(e.get("value") for e in content.get("examples", {}).values())]
                    for example in examples:
                        if isinstance(example, dict) and isinstance(example.get("error"), dict):
                            example["error"].setdefault("field", None)


def calls(dependant: Any) -> set[Any]:
    """Every dependency the route calls, and those each says it implies."""
    found = set()
    for sub in dependant.dependencies:
        found |= {sub.call, *getattr(sub.call, "implies", ())}
        found |= calls(sub)
    return found


def _header_parameter(spec: tuple) -> dict[str, Any]:
    """An optional header as FastAPI documents a declared one."""
    _, title, shortest, longest, pattern, description = spec
    text = {"type": "string", **({"minLength": shortest} if shortest else {}), "maxLength": longest,
            **({"pattern": pattern} if pattern else {})}
    return {"name": title, "in": "header", "required": False, "description": description,
            "schema": {"anyOf": [text, {"type": "null"}], "description": description, "title": title}}


def _purpose_parameter() -> dict[str, Any]:
    return {"name": PURPOSE_HEADER, "in": "header", "required": False, "description": PURPOSE_DESCRIPTION,
            "schema": {"type": "string", "maxLength": PURPOSE_MAX, "default": "", "title": "Sigill-Purpose",
                       "description": PURPOSE_DESCRIPTION}}
