"""Rendering pages: the templates' environment (its filters and globals), ``render`` and ``fragment``, a redirect,
and what every route reads of a request (a case's id, a posted form).  The pages a failure gets, and ``guarded``,
which turns each failure into one, are ``error_pages``'.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from domain.calendar import STOCKHOLM
from domain.catalogue import Catalogue
from services import access_log_text
from services.authorisation import CASE_ROLES, is_municipal_social_services
from services.errors import CaseNotFound
from services.principals import Principal, Role
from services.web import form_texts, session, texts, views
from services.web.form_keys import new_key
from services.web.forms import FIELDS, ROWS, Parsed, Typed
from services.wording import (all_of, closed_cases_unreadable, counted, rows_compared, rows_counted, swedish_number,
                              to_the_minute, to_the_second)

HERE = Path(__file__).parent


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _when_zoned(value: Any) -> str:
    """A time on the auditors' pages: to the minute with its zone, as the printable report prints it (without it the
    hour the clocks go back reads the same twice); a date, or nothing, as ``_when``."""
    return to_the_minute(value) if isinstance(value, datetime) else _when(value)


def _when_span(first: datetime, last: datetime | None) -> str:
    """The loggutdrag's row of reads the same day: "2026-03-10 14:00–14:20 CET", each end zoned where the clocks
    changed between them."""
    if last is None:
        return to_the_minute(first)
    start, end = first.astimezone(STOCKHOLM), last.astimezone(STOCKHOLM)
    if start.tzname() == end.tzname() and f"{start:%Y-%m-%d %H:%M}" == f"{end:%Y-%m-%d %H:%M}":
        return to_the_minute(first)   # reads within one minute: it read "19:17–19:17 CET"
    if start.tzname() == end.tzname():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M %Z}"
    return f"{start:%Y-%m-%d %H:%M %Z}–{end:%H:%M %Z}"


def _field_id(name: str) -> str:
    return "f-" + (name or "form").replace(".", "-").replace(":", "-")


def _label_of(name: str) -> str:
    return form_texts.LABELS.get(re.sub(r"\.\d+", "", name), form_texts.LABELS.get(name.split(".")[0], name))


# The legend of each repeated row of a form, by the rows' name (plan.html, meetings.html, guardians.html).
ROW_LEGENDS = {"rows": "plan_row", "outcomes": "outcome_n", "guardians": "guardian_n"}


def _date_box(value: str) -> str:
    """The input type a date box's value can be shown in: "date", or "text" for a value the browser's date box would
    blank — a moment to the minute from an address, a date mistyped — so that the box shows what was searched."""
    try:
        plain = re.fullmatch(r"\d{4}-\d\d-\d\d", value) and date.fromisoformat(value)   # not 2026-W10-1
        return "date" if not value or plain else "text"
    except ValueError:
        return "text"


def _summary_label(name: str) -> str:
    """A field as the error summary names it: a row's field with its row, as its legend says ("Rad 2 –
    Genomförande"), where "Genomförande: Fältet måste fyllas i." did not say which of a plan's rows to mend."""
    group, _, rest = name.partition(".")
    index = rest.partition(".")[0]
    if group in ROW_LEGENDS and index.isdigit():
        return f"{texts.T[ROW_LEGENDS[group]]} {int(index) + 1} – {_label_of(name)}"
    return _label_of(name)


def _ids_aside(ids: str, basis: str) -> str:
    """A consent basis's ids for the small print beside it; "" when the basis is told by them already (the reader
    does not see its consents): "samtycke f81622ed, c341a1ce (f81622ed, c341a1ce)" said them twice."""
    return "" if basis.endswith(ids) else ids


env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)
env.filters["when"] = _when
env.filters["when_time"] = lambda value: value.astimezone(STOCKHOLM).strftime("%H:%M")   # later the same day
env.filters["when_zoned"] = _when_zoned
env.filters["when_span"] = _when_span
env.filters["moment"] = to_the_second   # a replay's moment, as the command line's replay says it
env.filters["fid"] = _field_id
env.filters["label_of"] = _label_of
env.filters["summary_label"] = _summary_label
env.filters["date_box"] = _date_box
env.filters["choice"] = form_texts.as_choice
env.filters["number"] = swedish_number   # a count in a Swedish sentence: "1 234", not "1234" nor "1,234"
env.filters["rows"] = rows_counted   # "1 rad", "5 rader": a text wrote "{n} rader" and said "1 rader"
env.filters["rows_compared"] = rows_compared
env.filters["ids_aside"] = _ids_aside
env.filters["closed_cases_unreadable"] = closed_cases_unreadable
env.filters["counted"] = counted   # {{ n|counted(T.x_one, T.x) }}: a count and its words for one and for many
env.filters["all_of"] = all_of   # "den enda kontrollpunkten", "alla 5 kontrollpunkter"


def _agencies_of(catalogue: Any, lead: bool = True) -> list[tuple[str, str]]:
    return [(a.id, a.name) for a in catalogue.agencies.values() if lead or not a.lead]


def _categories_of(catalogue: Any) -> list[tuple[str, str]]:
    return [(c.id, _category_label(catalogue, c.id)) for c in catalogue.categories.values()]


def _category_label(catalogue: Any, category: str) -> str:
    """A category as the plan form names it ("Hälsa"); an id the catalogue does not know (since removed) as it is."""
    found = catalogue.categories.get(category)
    return found.name.split(" (")[0] if found else category


def _agency_label(catalogue: Any, agency: str) -> str:
    found = catalogue.agencies.get(agency)
    return found.name if found else access_log_text.READERS_OUTSIDE.get(agency, agency.upper())


DEV_LABELS = frozenset(label for _, label, *_ in form_texts.DEV_USERS)


def _signed_in_as(user: Any, catalogue: Any) -> tuple[str, str | None]:
    """The header's user: the name, and the role and agency beside it — but for a development user signed in under
    its label, which says them already ("Handläggare, socialtjänsten Stockholm (0180)" read twice)."""
    if user.name in DEV_LABELS:
        return user.name, None
    role = form_texts.ROLES.get(next((r.value for r in user.roles), ""), "")
    municipality = f" {user.municipality}" if user.municipality else ""
    return user.name, f"{role}, {_agency_label(catalogue, user.agency)}{municipality}"


def keep_in_way_back(request: Request, **query: str) -> None:
    """The query parameters this page takes, each as it read it — only one it found well-formed (an agency of the
    catalogue, a readable moment), "" for one left out: what the way back (``_page_here``) may keep of the address."""
    request.state.way_back_query = [(name, value) for name, value in query.items() if value]


def _page_here(request: Request) -> str:
    """This page's address to come back to (the *Syfte* form's way back, which the purpose's redirect follows),
    with only the query the page itself said it took well-formed (``keep_in_way_back``: a replay's agency and
    moment). The address's query as it came could hold anything typed — a personnummer as ``myndighet`` — and
    would reach the browser's history and the server's logs as a URL; a notice of something saved
    (``?sparat=``) is added again by the way back where it applies."""
    query = urlencode(getattr(request.state, "way_back_query", []))
    return request.url.path + (f"?{query}" if query else "")


_kept_key: ContextVar[str] = ContextVar("kept_key", default="")


def _form_key() -> str:
    """A form's key as shown: a new one, or the one it was sent with when shown again after the database was away
    (the macros are imported without the page's context, so the page's values cannot tell them)."""
    return _kept_key.get() or new_key()


env.globals.update(T=texts.T, LABELS=form_texts.LABELS, form_texts=form_texts, agencies_of=_agencies_of,
                   forms_rows=ROWS, new_form_key=_form_key,
                   categories_of=_categories_of, category_label=_category_label, agency_label=_agency_label,
                   read_label=access_log_text.read_label,   # the access log's words, the CLI's too
                   signed_in_as=_signed_in_as,
                   page_here=_page_here, purpose_of=session.purpose, replay_query=views.replay_query,
                   members_of=lambda look: views.members(look.disclosures),
                   label_pairs=lambda catalogue, ids: [(a, _agency_label(catalogue, a)) for a in ids],
                   rows_options=lambda rows: [(r["row_id"], f'{r["area"]}: {r["goal"]}') for r in rows],
                   legal_bases_options=lambda bases: [(b.id, b.name) for b in bases])


def fragment(request: Request, template: str, **values: Any) -> str:
    """A part of a page made elsewhere (the report's head), with the CSRF token its forms need; the response it
    goes into keeps the token's cookie (``session.keep_csrf``)."""
    return env.get_template(template).render(request=request, csrf=session.csrf_token(request), **values)


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    user = values.pop("user", None)
    values.setdefault("errors", {})
    values.setdefault("typed", Typed())
    # A form shown again after the database was away keeps the key it was sent with: had its save been committed
    # and only the answer lost, the same form sent again is answered as saved instead of being recorded twice.
    kept = _kept_key.set(values.pop("kept_key", "") or getattr(request.state, "kept_key", ""))
    try:
        html = env.get_template(template).render(
            request=request, user=user, csrf=session.csrf_token(request), nav=_nav(request, user), **values)
    finally:
        _kept_key.reset(kept)
    response = HTMLResponse(html, status, headers={"Cache-Control": "no-store"})
    return session.keep_csrf(request, response)  # type: ignore[return-value]


def _nav(request: Request, user: Principal | None) -> list[tuple[str, str]]:
    if user is None or user.is_system:
        return []
    return _nav_of(user, request.app.state.context.cases.catalogue)


def _nav_of(user: Principal, catalogue: Catalogue) -> list[tuple[str, str]]:
    if user.has(Role.AUDITOR):
        return [("/granskning", texts.T["nav_audit"]), ("/granskning/atkomstlogg", texts.T["nav_access_log"]),
                ("/granskning/liggaren", texts.T["nav_ledger"]), ("/statistik", texts.T["nav_statistics"])]
    if user.has(Role.EVALUATOR) and not user.has(*CASE_ROLES):
        return [("/statistik", texts.T["nav_statistics"])]   # the figures, and no case to list
    items = [("/arenden", texts.T["nav_cases"])]
    if is_municipal_social_services(user, catalogue):   # what the three pages check, whatever the lead's id
        items.append(("/arenden/nytt", texts.T["nav_new"]))
        items.append(("/statistik", texts.T["nav_statistics"]))
        items.append(("/gallring", texts.T["nav_retention"]))
    return items


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def case_uuid(text: str) -> UUID:
    """A case id from the URL; a malformed one is simply no such case."""
    try:
        return UUID(text)
    except ValueError:
        raise CaseNotFound("no such case", field="case_id") from None


def parsed_here(request: Request, parsed: Parsed) -> Parsed:
    """``parsed``, its choices kept for this request: what a page of the form not saved gives back (``written``)
    leaves them out."""
    request.state.choices = parsed.choices
    return parsed


def written(request: Request, typed: Typed) -> list[str]:
    """What the user wrote in the form sent (``Typed.written``), the choices of the form as parsed left out."""
    return typed.written(getattr(request.state, "choices", ()))


env.globals["written_of"] = written   # a case page shown again after a form not saved (case_base.html)


async def form_of(request: Request) -> Typed:
    """The posted form (CSRF-checked by the caller's ``posted``)."""
    data = await request.form(max_fields=FIELDS)   # Starlette's 1,000 would refuse a long plan's form
    typed = request.state.typed = Typed((k, v) for k, v in data.multi_items() if isinstance(v, str))
    return typed
