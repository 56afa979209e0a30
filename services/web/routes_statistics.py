"""Statistik: a municipality's de-identified follow-up statistics, for its social services, and for auditors and
evaluators (utvärderare), who choose the municipality."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from domain.calendar import local_date
from domain.errors import InvalidInput
from domain.statistics import check_calendar_year
from services.authorisation import (
    check_reads_statistics, reads_any_municipalitys_statistics, reads_statistics_as_they_stand,
)
from services.api.routes_statistics import statistics_out
from services.statistics import day_typed, latest_year_settled
from services import statistics_text
from services.wording import swedish_order
from services.web import error_texts, session
from services.web.case_pages import service
from services.web.error_pages import guarded
from services.web.pages import render

router = APIRouter(include_in_schema=False)
NAMES = ("kommun", "ar", "ar")   # the form's names for the municipality and the period, as a refusal names them
# The first year the list offers: the first a social insatsgrupp can have cases in — the agencies were commissioned
# to start them in 2011 (the seeds, 004_…).  It ran back to the calendar's 1900, 126 years of nothing.  The
# municipality's own first referral year is sealed in its cases' events, and said here it would tell of that one
# case.  The API and the command line still take any year of the calendar.
FIRST_YEAR = 2011
YEAR = re.compile(r"[0-9]{4}")   # not int(): it reads any script's digits ("٢٠٢٦")


@router.get("/statistik")
@guarded
def statistics_page(request: Request, kommun: str = "", ar: str = "", fran: str = "", till: str = "") -> Response:
    """The form, and with a year asked for, the figures.  Social services see their own municipality's; an auditor
    or an evaluator chooses one.  A run is one entry in the access log (``services.statistics``)."""
    return _page(request, *_run(request, kommun, ar, fran, till))


@router.get("/statistik.csv")
@guarded
def statistics_csv(request: Request, kommun: str = "", ar: str = "", fran: str = "", till: str = "") -> Response:
    """The same figures as a CSV file (``statistics_text.csv_text``, as ``sigill stats --csv``): a run of its own,
    logged as one; a refused year is the page with its refusals."""
    run = _run(request, kommun, ar, fran, till)
    found = run[-1]
    if found is None:
        return _page(request, *run)
    p = found.period
    return Response(statistics_text.csv_text(statistics_out(found), service(request).catalogue),
                    media_type="text/csv; charset=utf-8", headers={
                        "Cache-Control": "no-store", "Content-Disposition":
                        f'attachment; filename="uppfoljningsstatistik-{p.municipality}-{p.start.year}.csv"'})


def _run(request: Request, kommun: str, ar: str, fran: str, till: str) -> tuple:
    user = session.principal(request)
    cases = service(request)
    chooses = reads_any_municipalitys_statistics(user)
    municipality = (kommun or "") if chooses else (user.municipality or "")
    check_reads_statistics(user, municipality or (user.municipality or ""), cases.catalogue)   # 403 before a form
    # The latest year offered: an evaluator, who may read no case, reads a year once it has ended and a day has
    # passed (``services.statistics``); a year the service refuses as not ended is said at the year, as any other.
    now = cases.app.clock.now()
    this_year = (local_date(now).year if reads_statistics_as_they_stand(
        user, municipality or (user.municipality or ""), cases.catalogue) else latest_year_settled(now))
    asked = ar if ar or not (fran or till) else _year_of_saved_link(fran, till)
    errors = _refused(chooses, municipality, asked, this_year) if request.query_params else {}
    ar = asked or str(this_year)
    found = None
    if municipality and request.query_params and not errors:
        try:
            found = cases.statistics(user, municipality, f"{ar}-01-01", f"{ar}-12-31", names=NAMES)
        except InvalidInput as refused:   # the municipality unknown: the year was checked above
            errors[refused.field or "ar"] = _error(refused.field, this_year)
    return user, chooses, municipality, ar, this_year, errors, found


def _page(request: Request, user, chooses: bool, municipality: str, ar: str, this_year: int,  # noqa: ANN001
          errors: dict[str, str], found) -> Response:  # noqa: ANN001 - a Principal, a Statistics or None
    cases = service(request)
    status = 422 if errors else 200
    municipalities = sorted(cases.catalogue.municipalities.items(), key=lambda m: swedish_order(m[1].name))
    return render(request, "statistics.html", status, user=user, found=found, errors=errors, chooses=chooses,
                  municipality=municipality, year=ar, years=[str(y) for y in range(this_year, FIRST_YEAR - 1, -1)],
                  municipalities=municipalities,
                  sections=statistics_text.sections(found.figures, cases.catalogue) if found else [],
                  medians=statistics_text.medians(found.figures) if found else [], st=statistics_text,
                  municipality_name=cases.catalogue.municipalities[found.period.municipality].name if found else "",
                  csv_query=urlencode({**({"kommun": municipality} if chooses else {}), "ar": ar}))


def _year_of_saved_link(fran: str, till: str) -> str | None:
    """The year that a link saved from the form of two dates (before 2026-12-05) names, or None when they are not
    one whole calendar year."""
    try:
        first, last = day_typed(fran, "fran"), day_typed(till, "till")
        check_calendar_year(first, last, ("fran", "till"))
    except InvalidInput:
        return None
    return str(first.year)


def _refused(chooses: bool, municipality: str, ar: str | None, this_year: int) -> dict[str, str]:
    """Every field at fault at once, each with what to do: the municipality chosen, the year one the list offers
    (None: a saved link's two dates, not one whole year)."""
    errors: dict[str, str] = {}
    if chooses and not municipality:
        errors["kommun"] = _error("kommun", this_year)
    if ar is None:
        errors["ar"] = error_texts.STATISTICS_PERIOD_ERROR
    elif ar and not (YEAR.fullmatch(ar) and FIRST_YEAR <= int(ar) <= this_year):
        errors["ar"] = _error("ar", this_year)
    return errors


def _error(field: str | None, this_year: int) -> str:
    if field == "kommun":
        return error_texts.STATISTICS_MUNICIPALITY_ERROR
    return error_texts.STATISTICS_YEAR_ERROR.format(first=FIRST_YEAR, last=this_year)
