"""Gallring: the cases of the municipality due for culling, for its social services — a list, no erase button.

Culling is the operator's act under a recorded decision (`sigill erase --case … --decision …`); the page tells
social services which cases are past the retention period, so that a decision can be made.  Each case listed is a
read, in the access log as a case list's reads are (``services.retention``).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from domain.calendar import STOCKHOLM
from services.authorisation import Forbidden
from services.principals import Role
from services.web import form_texts, session, texts
from services.web.case_pages import service
from services.web.error_pages import guarded
from services.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/gallring")
@guarded
def retention_page(request: Request) -> Response:
    """Social services (handläggare, samordnare) of a municipality: its cases due for culling.  Everyone else 403."""
    user = session.principal(request)
    cases = service(request)
    if user.has(Role.AUDITOR):   # the API's list is theirs; the page is social services' work list
        raise Forbidden("auditors read the cases due for culling through the API (GET /api/v1/retention/due)")
    found = cases.due_for_culling(user, purpose=session.purposes(request))
    municipality = f"{cases.catalogue.municipalities[found.municipality].name} ({found.municipality})"
    rule = texts.T["retention_rule"].format(municipality=municipality, years=found.years, day=_day(found.as_of))
    rows = [{"case_id": c.case_id, "case_number": c.case_number, "closed": _day(c.closed_at),
             "last_event": _day(c.last_event_at), "due_from": _day(c.due_from),
             "reason": form_texts.CLOSURE_REASONS.get(c.closure_reason, c.closure_reason)} for c in found.cases]
    return render(request, "retention.html", user=user, rows=rows, rule=rule, unreadable=found.unreadable)


def _day(moment: datetime) -> str:
    """A moment's Stockholm date: the list says days, as the rule counts them."""
    return f"{moment.astimezone(STOCKHOLM):%Y-%m-%d}"
