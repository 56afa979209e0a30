"""What every case page shares: one read through CaseService, the case's head and tabs, and form submission."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel

from domain.calendar import local_date
from domain.errors import ClockWentBackwards, DomainError
from domain.seen_version import SeenVersion
from services.authorisation import Forbidden, Place
from services.case_reads import Look
from services.errors import ConcurrentChange
from services.principals import Principal
from services.web import deadlines, form_keys, form_texts, forms, session, texts, views
from services.web.forms import FormErrors, Parsed, Typed
from services.web.error_pages import database_away, kept_form_page, quiet_user, retry_later
from services.web.pages import parsed_here, redirect, render

log = logging.getLogger("sigill.web")

# Social services records contributions too: its own information, and what a law lets it tell another agency
# (OSL 10 kap. 18 a §: the police, about someone under 21), which the API took and the web had no page for.
LEAD_TABS = ("", "beslut", "vardnadshavare", "samtycken", "grupp", "plan", "moten", "uppfoljning", "uppgift",
             "avslut", "skydd", "registerutdrag")
MEMBER_TABS = ("", "plan", "moten", "uppfoljning", "uppgift")
TAB_TEXTS = {"": "tab_overview", "beslut": "tab_eligibility", "vardnadshavare": "tab_guardians",
             "samtycken": "tab_consents", "grupp": "tab_group", "plan": "tab_plan", "moten": "tab_meetings",
             "uppfoljning": "tab_followups", "uppgift": "tab_contribution", "avslut": "tab_closure",
             "skydd": "tab_protection", "registerutdrag": "tab_extract"}


def service(request: Request) -> Any:
    return request.app.state.context.cases


def look(request: Request, user: Principal, case_id: UUID, what: str, lead_only: bool = False) -> Look:
    """The user's view of the case now: authorised, and logged with the purpose they gave (``lead_only``: a page
    of the case's administration, refused to a member before anything is logged)."""
    return service(request).look(user, case_id, what, session.purpose(request, case_id), lead_only)


def today(request: Request) -> str:
    """Today in Sweden by the application's clock: the default of a form's date fields."""
    return local_date(service(request).app.clock.now()).isoformat()


def case_now(request: Request, look_: Look) -> datetime:
    """Now by the application's clock, but never before the latest fact shown: a server whose clock is behind
    the one that recorded a withdrawal must not show that consent as still in force."""
    return max([service(request).app.clock.now(), *(d.fact.recorded_at for d in look_.disclosures)])


def require_lead(look_: Look) -> None:
    if look_.place is not Place.LEAD:
        raise Forbidden("only social services of the case's municipality administers the case")


def show(request: Request, user: Principal, look_: Look, tab: str, template: str, status: int = 200,
         **values: Any) -> Response:
    tabs = LEAD_TABS if look_.place is Place.LEAD else MEMBER_TABS
    now = case_now(request, look_)
    markers = deadlines.of_case(look_.disclosures, look_.place is Place.LEAD, now, local_date(now))
    return render(request, template, status, user=user, look=look_, case_id=look_.case_id, tab=tab,
                  head=views.head(look_.disclosures, look_.place),
                  purpose=session.purpose(request, look_.case_id),
                  tabs=[(t, texts.T[TAB_TEXTS[t]]) for t in tabs], lead=look_.place is Place.LEAD,
                  catalogue=service(request).catalogue,
                  markers=markers, **values)


def submit(request: Request, user: Principal, case_id: UUID, typed: Typed, command: str,
           model: type[BaseModel], parsed: Parsed, done_url: str,
           again: Callable[[Typed, dict[str, str], int], Response], **from_path: Any) -> Response:
    """Run one command from a form; when refused, ``again`` shows the form with what was typed and why.  The same
    form sent again (its key and content) is answered as the first was, and records nothing more."""
    parsed_here(request, parsed)
    session.check_csrf(request, typed)
    return kept_when_away(request, typed, lambda: _save(request, user, case_id, typed, command, model, parsed,
                                                        done_url, again, **from_path))


def submit_rows(request: Request, user: Principal, case_id: UUID, typed: Typed, command: str,
                model: type[BaseModel], parse: Callable[[Typed], Parsed], done_url: str,
                again: Callable[[Typed, dict[str, str], int], Response]) -> Response:
    """``submit`` for a form of rows (guardians, a plan's rows, a meeting's outcomes), whose "Fler rader"
    (``forms.MORE``) shows the form again as typed with one more blank row, nothing saved."""
    if typed.get(forms.MORE):
        session.check_csrf(request, typed)
        return kept_when_away(request, typed, lambda: again(typed, {}, 200))
    return submit(request, user, case_id, typed, command, model, parse(typed), done_url, again)


def _save(request: Request, user: Principal, case_id: UUID, typed: Typed, command: str,
          model: type[BaseModel], parsed: Parsed, done_url: str,
          again: Callable[[Typed, dict[str, str], int], Response], **from_path: Any) -> Response:
    sent = form_keys.Sent(request, user, typed)
    earlier = sent.earlier()
    if earlier is not None:
        return redirect(saved(done_url, _notice(command, form_keys.attributed_unseen(earlier))))
    try:
        body = forms.build(model, parsed)
        with sent.saving():
            written = service(request).command(user, command, case_id, _expected(body.expected_version, typed),
                                               **body.arguments(), **from_path)
    except FormErrors as refused:
        return again(typed, refused.errors, 422)
    except (ConcurrentChange, form_keys.AnswerAlreadyStored):
        earlier = sent.earlier()
        if earlier is not None:   # it was this form's first copy that changed the case
            return redirect(saved(done_url, _notice(command, form_keys.attributed_unseen(earlier))))
        return again(typed, {"": texts.T["conflict"]}, 409)
    except ClockWentBackwards as error:  # the server's fault: the form comes back as typed, with a 503
        return again(typed, forms.domain_errors(error).errors, 503)
    except Forbidden:
        raise
    except DomainError as error:
        if error.code in ("case_not_found", "case_erased"):
            raise
        return again(typed, forms.domain_errors(error, parsed).errors, 422)
    return redirect(saved(done_url, _notice(command, written.attributed_unseen)))


def _notice(command: str, attributed_unseen: int) -> str:
    """The saved notice of ``command``: one saying so when facts it recorded in another agency's name are not shown
    to the writer's — a copy of the form says it too (the answer the browser shows after a double click)."""
    return form_texts.ATTRIBUTED_UNSEEN.get(command, command) if attributed_unseen else command


def _expected(count: int | None, typed: Typed) -> SeenVersion | int | None:
    """The version the form was shown at: its count with the digest of the facts then seen (``domain.seen_version``),
    so that a form shown before a narrowing and sent after it is told the case changed though the count did not.
    A form without the digest (one shown before it was sent) is held to its count alone."""
    digest = typed.get("expected_digest") or None
    return count if count is None or digest is None else SeenVersion(count, digest)


def kept_when_away(request: Request, typed: Typed, run: Callable[[], Response],
                   again: Callable[[Typed, dict[str, str], int], Response] | None = None) -> Response:
    """``run``; when the database is away, a 503 with the form again as typed (it was an error page that gave back
    the free text alone: a new referral's personnummer, name and dates were lost).  Shown by ``again`` when its page
    needs nothing of the database (a new referral), else as the fields sent (``kept_form_page``): a case's page
    cannot be read, nor its reading logged, and trying would keep the user waiting a second time for the database.
    Re-rendered from the posted form only; the log names the error's class, never what was typed."""
    try:
        return run()
    except Exception as error:  # noqa: BLE001 - only the database being away is answered here
        if not database_away(error):
            raise
        log.error("web: unavailable: %s", type(error.__cause__ or error).__qualname__)
    message = texts.T["unsaved_unavailable"]
    if again is None:
        return retry_later(kept_form_page(request, message, quiet_user(request)))
    request.state.kept_key = typed.get(form_keys.FIELD)
    return retry_later(again(typed, {"": message}, 503))


def saved(url: str, command: str) -> str:
    """Where a saved form leads, marked so that the page says what was saved (it said nothing: a caseworker sent
    back to the timeline after "Spara beslut" could not tell whether the decision was recorded) — and opened at that
    notice: a redirect without a fragment keeps the one the form was posted from ("Fler rader" posts to
    …/plan#f-rows-2-area), which opened the saved page at row 3 of the new form instead."""
    return f"{url}{'&' if '?' in url else '?'}{SAVED_PARAMETER}={command}#{SAVED_NOTICE}"


SAVED_PARAMETER = "sparat"
SAVED_NOTICE = "saved"   # the id of the saved notice (case_base.html)
