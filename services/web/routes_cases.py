"""The case list, a new referral, a case's timeline and the young person's extract."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from domain.calendar import local_date
from domain.errors import DomainError
from domain.identity import PersonalIdentityNumber
from domain.values import YOUNG_PERSON
from services.access_log_text import access_log_checked
from services.api import commands as c
from services.authorisation import Forbidden, check_reads_cases, is_municipal_social_services
from services.errors import ConcurrentChange, PossibleDuplicate
from services.presentation import describe_plan_status
from services.principals import Principal, Role
from services.web import (consent_views, deadlines, error_texts, form_keys, forms, paging, session, texts,
                          views)
from services.web.case_pages import kept_when_away, look, saved, service, show, today
from services.web.case_search import Search, searched
from services.web.extract_rows import extract_rows
from services.web.forms import FormErrors, Typed
from services.web.error_pages import error_page, guarded
from services.web.refusals import FormRefused, QueryRefused
from services.web.pages import case_uuid, form_of, redirect, render
from services.wording import unnumbered_row

router = APIRouter(include_in_schema=False)
Form = Annotated[Typed, Depends(form_of)]


@router.get("/arenden")
@guarded
def case_list(request: Request, fas: str = "", nummer: str = "", sida: str = "1", fel: str = "", efter: str = "",
              fore: str = "") -> Response:
    """The user's cases; social services: the municipality's.  A case number (a link's) goes straight to the case;
    ``fel`` names the box's message after a refused search (``case_search.TOLD``).  A page of 50 — past the first,
    the page after (``efter``) or before (``fore``) a row of the one it was reached from, as the auditors' index
    pages (``paging.keyset_pager``)."""
    user = session.principal(request)
    if user.has(Role.AUDITOR):
        return redirect("/granskning")
    cursors = paging.typed_cursors(efter, fore)
    search = searched(request, user, nummer, texts.T["case_number_not_found"], fel)
    if search.found is not None:
        return redirect(f"/arenden/{search.found}")
    return _listed(request, user, _phase(request, user, fas), search, paging.page_number(sida), cursors)


@router.post("/arenden")
@guarded
def find_case(request: Request, typed: Form) -> Response:
    """The search box: posted, so that what is typed (a personnummer, by mistake) never lands in a URL.  The list's
    phase filter comes with it (a hidden field, validated as the address's ``fas``) and is kept: the search
    answered with the whole list, and a caseworker who had filtered it on "pågående insats" lost the filter."""
    user = session.principal(request)
    session.check_csrf(request, typed)
    if user.has(Role.AUDITOR):
        return redirect("/granskning")
    # Refused here, not by the list it leads to: a sign-in that reads no case (an evaluator) is told so at once.
    check_reads_cases(user, service(request).catalogue)
    phase = _phase(request, user, typed.get("fas", ""), FormRefused)
    search = searched(request, user, typed.get("nummer", ""), texts.T["case_number_not_found"])
    # Whatever it came to, a redirect; what was typed that is no case number reaches the address only as a code.
    return redirect(search.answer_to_post("/arenden", "/arenden", {"fas": phase}))


def _phases(request: Request, user: Principal) -> dict[str, str]:
    """The phases the user's list offers to filter on.  A member agency's list holds the cases it takes part in, not
    the municipality's: its heading says so, and it has none of the phases before or after the group."""
    return views.PHASES if _lead(request, user) else views.MEMBER_PHASES


def _lead(request: Request, user: Principal) -> bool:
    return user.agency == service(request).catalogue.lead_agency


def _phase(request: Request, user: Principal, typed: str,
           refused: type[QueryRefused] = QueryRefused) -> str:
    """The list's phase filter (empty: every phase); one the list does not offer (a link edited by hand, the search
    form's hidden field altered: ``refused`` FormRefused) is a 422 naming ``fas`` — it listed no case, "Inga ärenden
    att visa"."""
    if typed and typed not in _phases(request, user):
        raise refused("fas")
    return typed


def _listed(request: Request, user: Principal, phase: str, search: Search, page: int = 1,
            cursors: tuple[Any, Any] = (None, None)) -> Response:
    # Each case shown is a read of it, logged before the page is made, with the purpose stated for that case; a
    # page at a time (the newest first, by keyset past the first), so that only the cases shown are read.
    after, before = cursors
    listed = service(request).case_page(user, session.purposes(request), phase, page, paging.LIST_PAGE,
                                        after=after, before=before)
    rows = listed.rows
    # An empty page read nothing, and logged nothing; its address's filter and search are kept on the last page's.
    last = paging.past_the_rows(listed, after, {"fas": phase, **search.query()})
    if last is not None:
        return redirect(f"/arenden{last}")
    # Each row's deadlines from the row itself (a member's has no consent end), by the application's clock.
    day = local_date(service(request).app.clock.now())
    markers = {r["case_id"]: deadlines.of_row(r, day) for r in rows}
    return render(request, "cases.html", 422 if search.misshapen else 200, user=user, rows=rows, phase=phase,
                  lead=_lead(request, user), number=search.number or "", find_error=search.error,
                  opens_cases=_opens_cases(request, user),
                  phases=_phases(request, user),
                  plan_status=describe_plan_status,
                  unnumbered_row=unnumbered_row, markers=markers,
                  pager=paging.keyset_pager(listed, {"fas": phase}))


@router.get("/arenden/nytt")
@guarded
def new_referral_page(request: Request) -> Response:
    user = session.principal(request)
    _check_opens(request, user)
    return _referral_form(request, user, Typed.of({"referral_date": today(request)}), {})


def _opens_cases(request: Request, user: Principal) -> bool:
    """Whether the user may open a case (a new referral): social services' caseworkers and coordinators of a
    municipality, social services being the catalogue's lead agency whatever its id."""
    return is_municipal_social_services(user, service(request).catalogue)


def _check_opens(request: Request, user: Principal) -> None:
    if not _opens_cases(request, user):
        raise Forbidden("only social services receive referrals")


def _referral_form(request: Request, user: Principal, typed: Typed, errors: dict[str, str],
                   status: int = 200, duplicates: tuple[tuple[Any, str], ...] = ()) -> Response:
    return render(request, "referral.html", status, user=user, typed=typed, errors=errors,
                  catalogue=service(request).catalogue, duplicates=duplicates)


@router.post("/arenden/nytt")
@guarded
def new_referral(request: Request, typed: Form) -> Response:
    user = session.principal(request)
    session.check_csrf(request, typed)
    _check_opens(request, user)
    return kept_when_away(request, typed, lambda: _open(request, user, typed),
                          lambda t, e, s: _referral_form(request, user, t, e, s))


def _open(request: Request, user: Principal, typed: Typed) -> Response:
    parsed = forms.referral(typed, user.municipality or "")
    sent = form_keys.Sent(request, user, typed)
    earlier = sent.earlier()   # the same referral sent twice opens one case
    if earlier is not None:
        return redirect(saved(f"/arenden/{form_keys.case_of(earlier)}", "open_case"))
    try:
        referral = forms.build(c.Referral, parsed)
        with sent.saving():
            done = service(request).open_case(user, **referral.model_dump())
    except form_keys.AnswerAlreadyStored:   # its other copy was saved at the same moment
        earlier = sent.earlier()
        if earlier is None:
            raise
        return redirect(saved(f"/arenden/{form_keys.case_of(earlier)}", "open_case"))
    except FormErrors as refused:
        return _referral_form(request, user, typed, {**_personnummer_error(request, parsed), **refused.errors}, 422)
    except PossibleDuplicate as duplicate:
        earlier = sent.earlier()   # its other copy opened the case it found: answered as that copy was
        if earlier is not None:
            return redirect(saved(f"/arenden/{form_keys.case_of(earlier)}", "open_case"))
        # Shown again as typed, the case(s) named and a box to tick to open another; nothing was saved.
        return _referral_form(request, user, typed, {}, 409, duplicates=duplicate.cases)
    except ConcurrentChange:   # no case number could be drawn, so many were opened at once: 409, as the API answers
        return _referral_form(request, user, typed, {"": texts.T["referral_numbers_busy"]}, 409)
    except Forbidden:
        raise
    except DomainError as error:
        return _referral_form(request, user, typed, forms.domain_errors(error, parsed).errors, 422)
    return redirect(saved(f"/arenden/{done.case_id}", "open_case"))


def _personnummer_error(request: Request, parsed: forms.Parsed) -> dict[str, str]:
    """A form refused for other fields says a malformed personnummer in the same round: it was told only once the
    rest was mended, in a second refusal.  (The domain checks it again when the case is opened.)"""
    typed = parsed.data.get("personnummer")
    if not typed:
        return {}
    try:
        PersonalIdentityNumber.parse(typed, today=local_date(service(request).app.clock.now()))
    except DomainError as error:
        return forms.domain_errors(error, parsed).errors
    return {}


@router.get("/arenden/{case_id}")
@guarded
def case_timeline(request: Request, case_id: str) -> Response:
    """Everything the user's agency may see of the case now, each item with its basis."""
    user = session.principal(request)
    if user.has(Role.AUDITOR):
        return redirect(f"/granskning/arenden/{case_uuid(case_id)}")
    seen = look(request, user, case_uuid(case_id), "timeline")
    return show(request, user, seen, "", "timeline.html",
                items=views.timeline(seen.disclosures, service(request).catalogue, recipient=user.agency))


@router.get("/arenden/{case_id}/registerutdrag")
@guarded
def extract(request: Request, case_id: str, till: str = YOUNG_PERSON) -> Response:
    """The young person's extract: who read what about them, and when — printable; made for the young person, or
    (``?till=`` a guardian's id) a guardian with custody while they are under 18."""
    user = session.principal(request)
    uuid = case_uuid(case_id)
    if user.has(Role.AUDITOR):   # the auditor's own page of it, among the case's audit pages (the API gives it them)
        return redirect(f"/granskning/arenden/{uuid}/loggutdrag")
    seen = look(request, user, uuid, "timeline", lead_only=True)   # a member is refused before it is logged
    now = service(request).app.clock.now()
    try:
        made = service(request).extract(user, uuid, session.purpose(request, uuid), till)
    except DomainError as refused:
        if refused.code != "extract_recipient_refused":
            raise
        return _extract_refused(request, user, uuid)
    recipients = consent_views.extract_recipients(seen.disclosures, now)
    # Whether the log the rows come from is whole: the rows alone could not say that one was removed.
    checked = service(request).access_log_check(uuid)
    return show(request, user, seen, "registerutdrag", "extract.html", rows=extract_rows(made.records),
                now=now, access_checked=checked, access_checked_text=access_log_checked(checked, numbered=False),
                recipients=recipients, recipient=till, recipient_name=dict(recipients).get(till, ""),
                readers_left_out=made.readers_left_out)


def _extract_refused(request: Request, user: Principal, case_id: Any) -> Response:
    """A recipient the extract may not be handed to (a guardian's link kept past the 18th birthday, custody ended):
    the rule, and the way to the young person's own extract, which may always be handed out."""
    return error_page(request, 422, error_texts.error_text("extract_recipient_refused", ""), user,
                      more=[(f"/arenden/{case_id}/registerutdrag", texts.T["extract_young_persons"])])
