"""The cases due for culling (gallring): closed, and past the municipality's retention period (``services.retention``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from services.api.deps import Reader
from services.api.one_key_each import OneKeyEachRoute
from services.api.routes_commands import ERRORS
from services.retention import DueList

router = APIRouter(prefix="/api/v1", tags=["retention"], route_class=OneKeyEachRoute)
RETENTION_ERRORS = {status: ERRORS[status] for status in (401, 403, 422, 503)}


class DueCase(BaseModel):
    case_id: UUID
    case_number: str
    municipality: str
    closed_at: datetime
    last_event_at: datetime = Field(description="the case's last entry: its last event someone recorded (the"
                                                " calendar's facts are not entries; for a closed case, its closure)")
    due_from: datetime = Field(description="the start of the Stockholm day the retention period runs out")
    closure_reason: str = Field(examples=["goals_met"])


class DueForCulling(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "municipality": "0180", "retention_years": 5, "as_of": "2031-06-01T08:00:00Z", "unreadable_cases": 0,
        "cases": [{"case_id": "0b9c6a1e-0f3a-4c7e-9d55-5d8a1c2e7f10", "case_number": "0180-2026-0001",
                   "municipality": "0180", "closed_at": "2026-05-01T09:00:00Z",
                   "last_event_at": "2026-05-01T09:00:00Z", "due_from": "2031-04-30T22:00:00Z",
                   "closure_reason": "goals_met"}]}]})

    municipality: str | None = Field(description="null: every municipality (an auditor who named none)")
    retention_years: int = Field(description="the period, in years after a closed case's last event"
                                             " (SIGILL_RETENTION_YEARS)")
    as_of: datetime
    cases: list[DueCase]
    unreadable_cases: int = Field(description="closed cases whose data key is damaged: whether they are due cannot"
                                              " be told")


def due_out(found: DueList) -> dict:
    return {"municipality": found.municipality, "retention_years": found.years, "as_of": found.as_of,
            "unreadable_cases": found.unreadable,
            "cases": [{"case_id": c.case_id, "case_number": c.case_number, "municipality": c.municipality,
                       "closed_at": c.closed_at, "last_event_at": c.last_event_at, "due_from": c.due_from,
                       "closure_reason": c.closure_reason} for c in found.cases]}


@router.get("/retention/due", response_model=DueForCulling, responses=RETENTION_ERRORS)
def due_for_culling(reader: Reader, response: Response,
                    municipality: Annotated[str | None, Query(min_length=1, max_length=10, examples=["0180"],
                                                              description="social services: their own (the"
                                                              " default); auditors: any, or none for all")] = None
                    ) -> dict:
    """The closed cases whose retention period has run out (social services of the municipality, auditors): their
    numbers, dates and closure reasons, never whom they concern; each case listed is a logged read.  Culling is the
    operator's, under a recorded decision (`sigill erase`)."""
    ctx, user, purpose = reader
    found = ctx.cases.due_for_culling(user, municipality, purpose)
    response.headers["Cache-Control"] = "no-store"
    return due_out(found)
