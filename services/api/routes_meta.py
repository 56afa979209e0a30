"""Who am I, the reference data, health and readiness, and the administrator's ledger seal."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from eventsourcing.persistence import PersistenceError
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from services.api import views as v
from services.api.deps import CallerIfSignedIn, Context, CurrentUser
from services.api.routes_commands import ERRORS
from services.api.one_key_each import OneKeyEachRoute
from services.authorisation import Forbidden
from services.principals import Role

router = APIRouter(prefix="/api/v1", tags=["meta"], route_class=OneKeyEachRoute)


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: str


class Ready(BaseModel):
    """What anyone asking is told: ready (a 503 says why not).  The counts are the installation's operators'."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ready"}]})

    status: Literal["ready"]


class ReadyInDetail(Ready):
    """What an administrator signed in is told besides: the installation's activity, for its operators' alerts."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ready", "follower": True,
                                                              "views_behind": 0, "kafka_unsent": 0}]})

    follower: bool = Field(description="a follower works on the database (views, feeds, ledger, calendar); false:"
                                       " none does — start `sigill follow`, or a `sigill serve`, which runs one")
    views_behind: int = Field(ge=0, description="the newest stored event's notification id less that of the last"
                                                " one the agency views took in: 0 exactly when they are current,"
                                                " else at most this many events (of every kind) are still to take"
                                                " in — an id a rolled-back write took is never used, and counts"
                                                " here. Case lists and feeds lag by up to this much: high while"
                                                " the follower rebuilds the views after an upgrade or catches up"
                                                " after an outage")
    kafka_unsent: int | None = Field(
        description="feed messages Kafka has yet to acknowledge, over every feed; null where this"
        " server publishes to no Kafka. It grows while Kafka is away, and the server stays ready: its reads and"
        " commands do not need Kafka, and the messages are sent once Kafka is back")


class Sealed(BaseModel):
    sealed: int


# HEAD beside GET (monitors send it), as on every GET of the API (``services.api.head``).
@router.get("/health", response_model=Health)
def health() -> Health:
    """Liveness: the server answers (no sign-in needed; HEAD too, as monitors send it)."""
    return Health(status="ok")


@router.get("/ready", response_model=ReadyInDetail | Ready, responses={503: ERRORS[503]})   # with its Retry-After
async def ready(ctx: Context, caller: CallerIfSignedIn) -> Ready:
    """Readiness, for a load balancer: the database answers (503 when it does not).  No sign-in needed, and a
    token that does not verify is no refusal; an administrator signed in is also told whether a follower works on
    the database, how far behind the agency views are and what Kafka has yet to acknowledge.

    Still 200 while the views are behind: commands, and reads of a case, go to the events themselves."""
    found = await asyncio.to_thread(ctx.readiness)
    if found is None:
        raise PersistenceError("the database does not answer")  # the API's 503, with Retry-After
    if caller is None or not caller.has(Role.ADMINISTRATOR):
        # How busy the installation is, and during a Kafka outage how much waits, is its operators' to know.
        return Ready(status="ready")
    return ReadyInDetail(status="ready", follower=found.follower, views_behind=found.views_behind,
                         kafka_unsent=found.kafka_unsent)


@router.get("/me", response_model=v.Principal, responses={401: ERRORS[401]})
def me(user: CurrentUser) -> v.Principal:
    """Who the token says you are."""
    return v.Principal(subject=user.subject, name=user.name, agency=user.agency,
                       roles=sorted(r.value for r in user.roles), municipality=user.municipality)


@router.get("/catalogue", responses={401: ERRORS[401]})
def catalogue(ctx: Context, user: CurrentUser) -> dict[str, Any]:
    """Reference data: agencies, information categories, legal bases, municipalities, plan areas; and the catalogue's
    digest, which a log a rebuild replaced records as the catalogue it was built under (``replaced_logs``' own)."""
    cat = ctx.cases.catalogue
    return {
        "digest": cat.digest,
        "agencies": [{"id": a.id, "name": a.name, "lead": a.lead, "bound_by_secrecy": a.bound_by_secrecy}
                     for a in cat.agencies.values()],
        "categories": [{"id": c.id, "name": c.name} for c in cat.categories.values()],
        "legal_bases": [{"id": b.id, "name": b.name, "recipient": b.recipient, "senders": sorted(b.senders),
                         "categories": sorted(b.categories), "under_age": b.under_age}
                        for b in cat.legal_bases.values()],
        "municipalities": [{"code": m.code, "name": m.name} for m in cat.municipalities.values()],
        "plan_areas": [{"area": area, "category": category} for area, category in cat.plan_areas.items()],
    }


@router.post("/admin/ledger/seal", response_model=Sealed, responses={401: ERRORS[401], 403: ERRORS[403]})
def seal(ctx: Context, user: CurrentUser) -> Sealed:
    """Chain and sign every event stored since the last seal (administrators; the server also does it itself)."""
    if not user.has(Role.ADMINISTRATOR):
        raise Forbidden("only administrators seal the ledger by hand")
    return Sealed(sealed=ctx.seal_ledger())
