"""De-identified follow-up statistics of a municipality's cases referred in a period (``services.statistics``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from services.api.deps import Context, CurrentUser
from services.api.one_key_each import OneKeyEachRoute
from services.api.routes_commands import ERRORS
from services.statistics import Statistics

router = APIRouter(prefix="/api/v1", tags=["statistics"], route_class=OneKeyEachRoute)
STATISTICS_ERRORS = {status: ERRORS[status] for status in (401, 403, 422, 503)}

Cell = Annotated[int | str, Field(description='a count; "<5" for 1 to 4; ".." hidden so that a "<5" beside it'
                                              ' cannot be computed back from the total or another breakdown')]


class Breakdown(BaseModel):
    total: Cell | None = Field(description="what the cells add up to; null where they add up to nothing (a case"
                                           " counts under each agency of its group)")
    cells: dict[str, Cell]


class FollowUpStatistics(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "municipality": "0180", "from": "2026-01-01", "to": "2026-12-31", "cases": 23,
        "breakdowns": {"sex": {"total": 23, "cells": {"girls": 6, "boys": 17}},
                       "eligibility": {"total": 23, "cells": {"accepted": 17, "declined": "<5", "pending": "<5"}},
                       "accepted_by_sex": {"total": 17, "cells": {"girls": "<5", "boys": ".."}}},
        "medians": {"referral_to_decision": 6.0, "referral_to_closure": None},
        "erased_cases": 0, "unreadable_cases": 0, "fixed_at": "2027-01-02T07:15:00Z"}]})

    municipality: str
    from_: date = Field(alias="from")
    to: date
    cases: Cell = Field(description="cases referred in the period: the date on the referral from `from` to `to`")
    breakdowns: dict[str, Breakdown]
    medians: dict[str, float | None] = Field(description="days (or agencies, meetings) per case, in whole units"
                                                         " (half up); null over fewer"
                                                         " than 5 cases, or where it would give a hidden count"
                                                         " back (which of the two is not said)")
    erased_cases: Cell = Field(description="the municipality's erased cases, of every period: their referral"
                                           " date can no longer be read, and they are in no other figure")
    unreadable_cases: Cell = Field(description="cases left out because their data key is damaged")
    fixed_at: datetime | None = Field(None, description="an evaluator's ended year: when its figures were made, the"
                                      " first time an evaluator read them — every later answer of the year is that"
                                      " one, unchanged by a later erasure or event; null where the figures are made"
                                      " anew (social services, auditors). An evaluator's year not yet kept is 409"
                                      " data_key_damaged while a case's key is damaged: neither served nor kept")


def statistics_out(found: Statistics) -> dict:
    return {"municipality": found.period.municipality, "from": found.period.start, "to": found.period.end,
            "cases": found.figures["cases"], "breakdowns": found.figures["breakdowns"],
            "medians": found.figures["medians"], "erased_cases": found.erased,
            "unreadable_cases": found.unreadable, "fixed_at": found.fixed_at}


@router.get("/statistics", response_model=FollowUpStatistics, response_model_by_alias=True,
            responses=STATISTICS_ERRORS)
def statistics(ctx: Context, user: CurrentUser, response: Response,
               municipality: Annotated[str, Query(min_length=1, max_length=10, examples=["0180"])],
               from_: Annotated[str, Query(alias="from", min_length=1, max_length=20, examples=["2026-01-01"],
                                           description="the period's first day, YYYY-MM-DD: a"
                                                       " calendar year's first, 01-01")],
               to: Annotated[str, Query(min_length=1, max_length=20, examples=["2026-12-31"],
                                        description="the period's last day, YYYY-MM-DD: the"
                                                    " same year's 12-31")]) -> dict:
    """De-identified follow-up statistics of the municipality's cases referred in a calendar year (social services
    of the municipality, auditors and evaluators of any): counts and medians only, small counts suppressed; one entry in the access log.
    Another period is 422 ``period_not_a_calendar_year``: overlapping periods would give small counts back.  An
    evaluator reads a year from the day after its end, as its cases stood at its end (422 ``year_not_ended``
    before): two runs of a year a day apart gave one young person's referral or decision back by their
    difference.  And the year's figures are made once, at the first evaluator's read, and served as made to every
    later one (``fixed_at``): a case erased in between dropped out, and the difference was that young person."""
    found = ctx.cases.statistics(user, municipality, from_, to)
    response.headers["Cache-Control"] = "no-store"
    return statistics_out(found)
