"""Statistik: a municipality's de-identified follow-up statistics, for its social services and for auditors."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from domain.errors import InvalidInput, PeriodNotACalendarYear
from domain.statistics import check_calendar_year
from services.authorisation import check_reads_statistics
from services.principals import Role
from services.api.routes_statistics import statistics_out
from services.statistics import day_typed
from services import statistics_text
from services.web import session, texts
from services.web.case_pages import service
from services.web.pages import guarded, render

router = APIRouter(include_in_schema=False)
FIELDS = ("kommun", "fran", "till")   # the form's names, as a refusal names them


@router.get("/statistik")
@guarded
def statistics_page(request: Request, kommun: str = "", fran: str = "", till: str = "") -> Response:
    """The form, and with a period given, the figures.  Social services see their own municipality's; an auditor
    chooses one.  A run is one entry in the access log (``services.statistics``)."""
    return _page(request, *_run(request, kommun, fran, till))


@router.get("/statistik.csv")
@guarded
def statistics_csv(request: Request, kommun: str = "", fran: str = "", till: str = "") -> Response:
    """The same figures as a CSV file (``statistics_text.csv_text``, as ``sigill stats --csv``): a run of its own,
    logged as one; a refused period is the page with its refusals."""
    run = _run(request, kommun, fran, till)
    found = run[-1]
    if found is None:
        return _page(request, *run)
    p = found.period
    return Response(statistics_text.csv_text(statistics_out(found), service(request).catalogue),
                    media_type="text/csv; charset=utf-8", headers={
                        "Cache-Control": "no-store", "Content-Disposition":
                        f'attachment; filename="uppfoljningsstatistik-{p.municipality}-{p.start.year}.csv"'})


def _run(request: Request, kommun: str, fran: str, till: str) -> tuple:
    user = session.principal(request)
    cases = service(request)
    auditor = user.has(Role.AUDITOR)
    municipality = (kommun or "") if auditor else (user.municipality or "")
    check_reads_statistics(user, municipality or (user.municipality or ""), cases.catalogue)   # 403 before a form
    year = cases.app.clock.now().year
    fran, till = fran or f"{year}-01-01", till or f"{year}-12-31"
    errors = _refused(auditor, municipality, fran, till) if request.query_params else {}
    found = None
    if municipality and request.query_params and not errors:
        try:
            found = cases.statistics(user, municipality, fran, till, names=FIELDS)
        except InvalidInput as refused:
            errors[refused.field or "fran"] = texts.statistics_error(refused.field,
                                                                     isinstance(refused, PeriodNotACalendarYear))
    return user, auditor, municipality, fran, till, errors, found


def _page(request: Request, user, auditor: bool, municipality: str, fran: str, till: str,  # noqa: ANN001
          errors: dict[str, str], found) -> Response:  # noqa: ANN001 - a Principal, a Statistics or None
    cases = service(request)
    status = 422 if errors else 200
    return render(request, "statistics.html", status, user=user, found=found, errors=errors, auditor=auditor,
                  municipality=municipality, fran=fran, till=till, municipalities=cases.catalogue.municipalities,
                  sections=statistics_text.sections(found.figures, cases.catalogue) if found else [],
                  medians=statistics_text.medians(found.figures) if found else [], st=statistics_text,
                  municipality_name=cases.catalogue.municipalities[found.period.municipality].name if found else "",
                  csv_query=urlencode({**({"kommun": municipality} if auditor else {}), "fran": fran, "till": till}))


def _refused(auditor: bool, municipality: str, fran: str, till: str) -> dict[str, str]:
    """Every field at fault at once, each with what to do (the form said one at a time): the municipality chosen,
    each date's form; a period ending before it starts, or not one whole calendar year, only once both dates
    read."""
    errors: dict[str, str] = {}
    if auditor and not municipality:
        errors["kommun"] = texts.statistics_error("kommun")
    days = {}
    for name, value in (("fran", fran), ("till", till)):
        try:
            days[name] = day_typed(value, name)
        except InvalidInput:
            errors[name] = texts.statistics_error("fran")
    if len(days) == 2 and days["till"] < days["fran"]:
        errors["till"] = texts.statistics_error("till")
    elif len(days) == 2:
        try:
            check_calendar_year(days["fran"], days["till"], ("fran", "till"))
        except PeriodNotACalendarYear as refused:
            errors[refused.field or "fran"] = texts.statistics_error(refused.field, year=True)
    return errors
