"""Who am I, the reference data, health, and the administrator's ledger seal."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from services.api import views as v
from services.api.deps import Context, CurrentUser
from services.api.routes_commands import ERRORS
from services.authorisation import Forbidden
from services.principals import Role

router = APIRouter(prefix="/api/v1", tags=["meta"])


class Health(BaseModel):
    status: str


class Sealed(BaseModel):
    sealed: int


@router.get("/health", response_model=Health)
def health() -> Health:
    """Liveness: the server answers (no sign-in needed)."""
    return Health(status="ok")


@router.get("/me", response_model=v.Principal, responses={401: ERRORS[401]})
def me(user: CurrentUser) -> v.Principal:
    """Who the token says you are."""
    return v.Principal(subject=user.subject, name=user.name, agency=user.agency,
                       roles=sorted(r.value for r in user.roles), municipality=user.municipality)


@router.get("/catalogue", responses={401: ERRORS[401]})
def catalogue(ctx: Context, user: CurrentUser) -> dict[str, Any]:
    """Reference data: agencies, information categories, legal bases, municipalities, plan areas."""
    cat = ctx.cases.catalogue
    return {
        "agencies": [{"id": a.id, "name": a.name, "lead": a.lead} for a in cat.agencies.values()],
        "categories": [{"id": c.id, "name": c.name} for c in cat.categories.values()],
        "legal_bases": [{"id": b.id, "name": b.name, "recipient": b.recipient, "senders": sorted(b.senders),
                         "categories": sorted(b.categories)} for b in cat.legal_bases.values()],
        "municipalities": [{"code": m.code, "name": m.name} for m in cat.municipalities.values()],
        "plan_areas": [{"area": area, "category": category} for area, category in cat.plan_areas.items()],
    }


@router.post("/admin/ledger/seal", response_model=Sealed, responses={401: ERRORS[401], 403: ERRORS[403]})
def seal(ctx: Context, user: CurrentUser) -> Sealed:
    """Chain and sign every event stored since the last seal (administrators; the server also does it itself)."""
    if not user.has(Role.ADMINISTRATOR):
        raise Forbidden("only administrators seal the ledger by hand")
    return Sealed(sealed=ctx.seal_ledger())
