"""What every route gets: the signed-in user, the shared services, and the read's stated purpose."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Callable
from urllib.parse import unquote

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from projections.fact_ids import PublicFactIds
from services.api.answers import ShapedAnswers
from services.api.token_cache import VerifiedTokens
from services.case_service import CaseService
from services.idempotency import IdempotencyStore
from services.principals import AuthenticationFailed, Principal, TokenVerifier

bearer = HTTPBearer(auto_error=False, description="a JWT from the identity provider (or `sigill dev-token`)")


@dataclass
class ApiContext:
    cases: CaseService
    verifier: TokenVerifier
    idempotency: IdempotencyStore
    verify_ledger: Callable[[], Any]      # -> (ledger Verification, access log ChainVerdict)
    seal_ledger: Callable[[], int]
    report: Callable[[Any], str]          # case id -> self-contained HTML
    fact_ids: PublicFactIds               # what every answer shows instead of a fact's internal id
    closers: list[Callable[[], None]] = field(default_factory=list)
    tokens: VerifiedTokens = field(init=False)
    answers: ShapedAnswers = field(default_factory=ShapedAnswers)   # read answers, per worker process

    def __post_init__(self) -> None:
        self.tokens = VerifiedTokens(self.verifier)

    def close(self) -> None:
        for close in self.closers:
            close()


# The dependencies are coroutines: FastAPI runs a plain function in its thread pool, a hop per dependency
# per request that cost more than the work.  None of them blocks, except verifying a token the first time
# (a JWKS URL may be fetched): that goes to the thread pool.

async def context(request: Request) -> ApiContext:
    return request.app.state.context


async def current_user(request: Request,
                       credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationFailed("sign in: send 'Authorization: Bearer <token>'")
    tokens = request.app.state.context.tokens
    return tokens.known(credentials.credentials) or await run_in_threadpool(tokens.verify, credentials.credentials)


async def purpose(sigill_purpose: Annotated[str, Header(max_length=1500, description=(
        "why you read this, percent-encoded UTF-8 (kept, sealed, in the access log)"))] = "") -> str:
    return unquote(sigill_purpose)[:500]


Context = Annotated[ApiContext, Depends(context)]
CurrentUser = Annotated[Principal, Depends(current_user)]
Purpose = Annotated[str, Depends(purpose)]
