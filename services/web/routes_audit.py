"""For JO and IVO: the auditors' home and case search, replay as an agency at a time, the young person's extract,
the access log and the printable report — all through CaseService's audit methods (each read logged).

The ledger's verification is in ``routes_ledger``, the disclosure log's page in ``routes_disclosures``; what the
pages share in ``audit_pages``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from domain.calendar import STOCKHOLM
from domain.errors import CaseErased
from projections.agency_queries import protected_personal_data
from services.typed_time import CLOCKS_CHANGED, UnreadableMoment, through_typed_unit, typed_moment
from services.access_entry import AccessQuery
from services.access_log_text import READERS_OUTSIDE, access_log_checked
from services.audit_text import describe_for_auditor
from services.case_audit import NO_CASE
from services.errors import CaseNotFound
from services.principals import Principal
from services.report import CONTENT_SECURITY_POLICY as REPORT_POLICY
from services.standing_text import STANDING_TITLE, describe_standing, replay_notes
from services.web import paging, session, texts, views
from services.web.audit_pages import agency_names, auditor, case_number, fact_handles, unknown_agency
from services.web.case_pages import service
from services.web.case_search import ERROR_FIELD, NOT_A_NUMBER, Search, searched
from services.web.extract_rows import extract_rows
from services.web.forms import Typed
from services.web.error_pages import guarded
from services.web.refusals import QueryRefused
from services.web.pages import case_uuid, form_of, fragment, keep_in_way_back, redirect, render
from services.web.way_back import may_say_back

router = APIRouter(include_in_schema=False)
Form = Annotated[Typed, Depends(form_of)]
PAGE = 200
NOT_FOUND = "Inget ärende med numret {number}."   # the home page's case-number box, a number it finds no case by
# The web's report posts one form, its purpose, to this site (the report elsewhere posts none).
WEB_REPORT_POLICY = REPORT_POLICY.replace("form-action 'none'", "form-action 'self'")

ACCESS_LOG = "/granskning/atkomstlogg"
SEARCH_FIELDS = ("nummer", "myndighet", "fran", "till")   # the access log's search form's, and its address's
NOT_A_DATE = "Ange ett datum som ÅÅÅÅ-MM-DD."
SINCE_NOT_A_DATE, UNTIL_NOT_A_DATE, NO_SUCH_READER = "fran_inte_datum", "till_inte_datum", "okand_aktor"
# What the access log's address may say of a posted search's field it does not carry, by a fixed code (``?fel=``):
# code -> (the field, its message).  What was in the field never reaches the address: a case number's may be a
# personnummer typed by mistake; a date or a reader that is none comes of a form edited by hand.
ACCESS_TOLD = {NOT_A_NUMBER: ("nummer", texts.T["find_not_a_number"]), SINCE_NOT_A_DATE: ("fran", NOT_A_DATE),
               UNTIL_NOT_A_DATE: ("till", NOT_A_DATE), NO_SUCH_READER: ("myndighet", texts.T["choose_actor"])}


@router.get("/granskning")
@guarded
def audit_home(request: Request, nummer: str = "", sida: str = "1", fel: str = "", efter: str = "",
               fore: str = "") -> Response:
    """The auditors' home: the case-number box and the index of every case, a page of 50 — past the first, a page
    after (``efter``) or before (``fore``) a row of the one it was reached from: a keyset (``keyset_pager``)."""
    cursors = paging.typed_cursors(efter, fore)
    return _audit_home(request, auditor(request), nummer, paging.page_number(sida), fel, cursors)


@router.post("/granskning")
@guarded
def find_case(request: Request, typed: Form) -> Response:
    """The search box: posted, so that what is typed (a personnummer, by mistake) never lands in a URL."""
    user = auditor(request)
    session.check_csrf(request, typed)
    search = searched(request, user, typed.get("nummer", ""), NOT_FOUND)
    # A redirect, the caseworkers' list's way: the page the browser keeps is a GET's, gone back to from a replay —
    # also after a search that is no case number, which the address names only by a code (``case_search.TOLD``).
    return redirect(search.answer_to_post("/granskning", "/granskning/arenden", {}))


def _audit_home(request: Request, user: Principal, typed_number: str, page: int = 1, told: str = "",
                cursors: tuple = (None, None)) -> Response:
    search = searched(request, user, typed_number, NOT_FOUND, told)
    if search.found is not None:
        return redirect(f"/granskning/arenden/{search.found}")
    return _index(request, user, search, page, cursors)


def _index(request: Request, user: Principal, search: Search, page: int = 1, cursors: tuple = (None, None)
           ) -> Response:
    # The index of case numbers: one entry for the page (``audit.case_index``), logged before the page is made — no
    # read of each case listed, which the page shows nothing of but its number, phase and marker.
    after, before = cursors
    index = service(request).audit_case_index(user, page, paging.LIST_PAGE, after=after, before=before)
    last = paging.past_the_rows(index, after, search.query())   # an empty page read nothing, and logged nothing
    if last is not None:
        return redirect(f"/granskning{last}")
    cat = service(request).catalogue
    erased = [(r, cat.municipalities[r["municipality"]].name if r["municipality"] in cat.municipalities else "–")
              for r in service(request).erased_cases(user)]
    return render(request, "audit_home.html", 422 if search.misshapen else 200, user=user, rows=index.rows,
                  number=search.number or "", find_error=search.error, phases=views.PHASES, erased=erased,
                  pager=paging.keyset_pager(index))


def _moment(text: str) -> datetime | None:
    """A moment from a form, read as the command line reads one (``typed_moment``: Swedish time, a bare date the end
    of that day); None when empty or refused (``_clocks_changed`` tells which refusal the page should name)."""
    try:
        return typed_moment(text) if text.strip() else None
    except UnreadableMoment:
        return None


def _said_back(typed: str) -> str:
    """A moment or date as typed, for its box to keep — refused too, to be corrected — unless it could be a
    personnummer or a name (``way_back.may_say_back``): the box is then left empty, its refusal says why."""
    return typed if may_say_back(typed) else ""


def _clocks_changed(text: str) -> bool:
    """Whether ``text`` is a clock time without a zone that Swedish clocks showed twice or never (``_moment``)."""
    try:
        typed_moment(text)
    except UnreadableMoment as unreadable:
        return unreadable.why == CLOCKS_CHANGED
    return False


@router.get("/granskning/arenden/{case_id}")
@guarded
def replay(request: Request, case_id: str, myndighet: str = "", tid: str = "") -> Response:
    """What an agency could see of the case at a moment, and why (a link's, a bookmark's: its moment refused when
    malformed, as the posted form's is)."""
    user, uuid = auditor(request), case_uuid(case_id)
    return _replay(request, user, uuid, myndighet, tid, _replay_errors(agency_names(request), myndighet, tid))


@router.post("/granskning/arenden/{case_id}")
@guarded
def send_replay(request: Request, case_id: str, typed: Form) -> Response:
    """The replay's form: posted, so that what is typed as the moment (a personnummer, by mistake) never lands in a
    URL — the browser's history, a proxy's log.  A moment and agency the replay can use are answered by a 303 to the
    replay's address, the moment normalised (``_normalised``): the GET page reads and logs the replay, once.  Any
    other is answered here, at its field, the text kept in the box (422): nothing is replayed, nothing logged."""
    user, uuid = auditor(request), case_uuid(case_id)
    session.check_csrf(request, typed)
    myndighet, tid = typed.get("myndighet", ""), typed.get("tid", "")
    errors = _replay_errors(agency_names(request), myndighet, tid, sent=True)
    if errors:
        return _replay(request, user, uuid, myndighet, tid, errors)
    query = urlencode({"myndighet": myndighet, "tid": _normalised(tid)})
    return redirect(f"/granskning/arenden/{uuid}?{query}")


def _normalised(tid: str) -> str:
    """A moment ``typed_moment`` reads, as the form's box shows one: trimmed, a space for the ``T``.  Only such a
    moment is ever put in an address: what it may hold is digits, '-', ':', '.', a space, 'Z' and '+'."""
    return tid.strip().replace("T", " ", 1)


def _replay_errors(agencies: dict[str, str], myndighet: str, tid: str, sent: bool = False) -> dict[str, str]:
    """The replay's fields the page cannot use, each with its message; none for an address with neither (the form
    alone), while the form ``sent`` empty is asked for both."""
    errors: dict[str, str] = {}
    if sent or myndighet or tid:
        if myndighet not in agencies:   # an address edited by hand: told as the disclosure log tells it
            errors["myndighet"] = unknown_agency(myndighet, agencies) if myndighet else texts.T["choose_actor"]
        if _moment(tid) is None:
            errors["tid"] = texts.T["moment_changed_clocks"] if _clocks_changed(tid) else \
                "Ange en tidpunkt som ÅÅÅÅ-MM-DD eller ÅÅÅÅ-MM-DD TT:MM, från år 1900 till 2199."
    return errors


def _replay(request: Request, user: Principal, uuid: UUID, myndighet: str, tid: str, errors: dict[str, str]
            ) -> Response:
    cases = service(request)
    items, handles, at, notes = None, None, _moment(tid), []
    at = at and through_typed_unit(tid, at)   # 14:00 is the whole minute, as a date is the whole day
    agencies = agency_names(request)
    protection_at, protection_told, standing, protection_now = None, False, None, None
    if myndighet in agencies and at is not None and not errors:
        # One read of the case's history for the whole page (the very events the ledger's check read): the
        # replay, the case's start, skyddade personuppgifter then and now.
        replayed = cases.audit_replay(user, uuid, myndighet, at, session.purpose(request, uuid))
        seen = views.in_order(replayed.disclosures)
        # Why it saw what it saw, or nothing (membership, consents, custody, age): as the command line says it.
        standing = replayed.standing and describe_standing(replayed.standing, len(seen), cases.catalogue,
                                                           by_role=False)
        items = views.timeline(seen, cases.catalogue, describe_for_auditor, recipient=myndighet)
        handles = fact_handles(request, uuid, [d.fact for d in seen])
        # As the command line says it: "Inget att visa." alone did not tell a moment before the case, or to come.
        notes = replay_notes(replayed.case.created_on, at, cases.app.clock.now())
        # Skyddade personuppgifter as recorded at the moment, and whether the agency was told (the marker among
        # what it saw): an auditor asks both of a disclosure to someone who should have been careful.
        protection_at, protection_now = replayed.protection_then, replayed.protection_now
        protection_told = protected_personal_data(d.fact for d in seen) is not None
    else:   # the form alone
        protection_now = cases.audit_protection(user, uuid)
    number = case_number(cases, user, uuid)
    keep_in_way_back(request, myndighet=myndighet if myndighet in agencies else "", tid=tid if at is not None else "")
    return render(request, "replay.html", 422 if errors else 200, page="replay", user=user, case_id=uuid,
                  number=number, agencies=agencies, agency=myndighet, tid=_said_back(tid)[:30], at=at,
                  items=items, handles=handles, errors=errors, notes=notes,
                  now=_form_now(cases.app.clock.now()), protection_now=protection_now,
                  protection_at=protection_at, protection_told=protection_told, standing=standing,
                  standing_title=STANDING_TITLE)


def _numbers(cases, user, records: list) -> dict[str, str]:  # noqa: ANN001
    """Case id → what the access log's case column says: the number of each case whose reads the page shows (each
    such case's read of the log is logged: ``audit.access_log``; a read of the whole case list on every page would
    put every case of the installation in the log, page after page); an erased case has none left and is shown by
    its id, marked "(gallrat)", as the auditor's home page lists it; any other by its id alone."""
    erased = {str(r["case_id"]): "" for r in cases.erased_cases(user)}
    numbers = cases.case_numbers(user, {r.entry.case_id for r in records})
    return {**erased, **{case_id: number for case_id, number in numbers.items() if number}}


def _form_now(now: datetime) -> str:
    """The replay form's default moment, "now", to the second — rounded up: rounded down, an event recorded in the
    same second as the page was made would fall after it, and "now" would not show it."""
    if now.microsecond:
        now = now.replace(microsecond=0) + timedelta(seconds=1)
    return now.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M:%S")


@router.get("/granskning/arenden/{case_id}/loggutdrag")
@guarded
def extract(request: Request, case_id: str) -> Response:
    """The young person's loggutdrag — who read what, and when — as the API's extract gives it to an auditor
    (``CaseService.extract``: logged as ``extract``, the young person's); the web refused it with a 403."""
    user, uuid = auditor(request), case_uuid(case_id)
    cases = service(request)
    # Skyddade personuppgifter from the case as the extract's own read of it found it: no second read.
    records, protection_now = cases.audit_extract(user, uuid, session.purpose(request, uuid))
    # Whether the rows are every read as written, as social services' page and the API's extract say: the rows
    # alone could not tell that one was removed.  An auditor is told the log's own numbers.
    checked = cases.access_log_check(uuid)
    return render(request, "audit_extract.html", page="extract", user=user, case_id=uuid,
                  number=case_number(cases, user, uuid), rows=extract_rows(records), now=cases.app.clock.now(),
                  catalogue=cases.catalogue, protection_now=protection_now, access_checked=checked,
                  access_checked_text=access_log_checked(checked))


@router.get("/granskning/arenden/{case_id}/rapport")
@guarded
def report(request: Request, case_id: str) -> Response:
    """The supervisor's printable report (the same as the API's)."""
    user, uuid = auditor(request), case_uuid(case_id)
    made = service(request).audit_report(user, uuid, request.app.state.context.report,
                                         session.purpose(request, uuid))
    # The web's report leads back to the case's audit pages (it was a dead end) and takes the purpose of the reads
    # of the case as they do; neither is printed.
    made = made.replace("<body>", "<body>\n" + fragment(request, "report_head.html", case_id=uuid), 1)
    return session.keep_csrf(request, HTMLResponse(made, headers={"Cache-Control": "no-store",
                                                                  "Content-Security-Policy": WEB_REPORT_POLICY}))


@router.get("/granskning/atkomstlogg")
@guarded
def access_log(request: Request, nummer: str = "", myndighet: str = "", fran: str = "", till: str = "",
               efter: str = "", fel: Annotated[list[str] | None, Query()] = None) -> Response:
    """Who read what, when and why (a link's search: its case number one the page itself checked).  ``efter``: the
    next page's start, the last read's number in the log the page before showed; read here, not by FastAPI, so that
    a link edited by hand is told which field is wrong (it met the generic 400 page).  ``fel``: the codes of the
    posted search's fields refused and not carried here (``ACCESS_TOLD``)."""
    return _access_log(request, auditor(request), nummer, myndighet, fran, till, efter, _told(fel or []))


@router.post("/granskning/atkomstlogg")
@guarded
def search_access_log(request: Request, typed: Form) -> Response:
    """The search form: posted, as the case search boxes are, so that what is typed as the case number (a
    personnummer, by mistake) never lands in a URL — the browser's history, a proxy's log.  Answered by a redirect
    to the search's GET page, as the case lists' boxes are: the POST's own page was the one the browser kept, and
    going back to it from a case opened there asked to send the form again (Chromium: ERR_CACHE_MISS, the pages are
    ``no-store``).  The address carries the fields that are what they should be, a refused one only by its code
    (``?fel=inte_nummer``); nothing is searched, looked up or logged here — the GET page does it, once."""
    auditor(request)   # an auditor's search alone, as the page's
    session.check_csrf(request, typed)
    search = {name: typed.get(name, "").strip() for name in SEARCH_FIELDS}
    refused = _misshapen(search, _readers(request))
    kept = [(name, value) for name, value in search.items() if value and name not in refused]
    return redirect(_access_log_url([*kept, *((ERROR_FIELD, code) for code in refused.values())]))


def _access_log_url(query: list[tuple[str, str]]) -> str:
    return ACCESS_LOG + ("?" + urlencode(query) if query else "")


def _readers(request: Request) -> dict[str, str]:
    """Any reader the log can name: the catalogue's agencies, JO, IVO and this installation's command line."""
    return {**agency_names(request), **READERS_OUTSIDE}


def _misshapen(search: dict[str, str], readers: dict[str, str]) -> dict[str, str]:
    """The search's fields (``SEARCH_FIELDS``) whose value is none the search can use, each with its code in
    ``ACCESS_TOLD``: told from their shape alone, nothing looked up (a number shaped like one but given to no case
    is the GET page's to say)."""
    refused = {}
    if search["nummer"].strip() and views.case_number_typed(search["nummer"]) is None:
        refused["nummer"] = NOT_A_NUMBER   # it may be a personnummer: never said back
    if search["myndighet"] and search["myndighet"] not in readers:   # a NUL in it reached PostgreSQL: a 503 page
        refused["myndighet"] = NO_SUCH_READER
    for name, code in (("fran", SINCE_NOT_A_DATE), ("till", UNTIL_NOT_A_DATE)):
        if search[name].strip() and _moment(search[name]) is None:
            refused[name] = code
    return refused


def _told(codes: list[str]) -> list[str]:
    """The address's ``fel``, each a code of ``ACCESS_TOLD`` (an empty one none); any other is refused naming
    ``fel``, never said back, as every page's query value it cannot use."""
    if any(code and code not in ACCESS_TOLD for code in codes):
        raise QueryRefused(ERROR_FIELD)
    return [code for code in codes if code]


def _access_log(request: Request, user: Principal, nummer: str, myndighet: str, fran: str, till: str,
                efter: str = "", told: list[str] | None = None) -> Response:
    cases = service(request)
    readers = _readers(request)
    search = {"nummer": nummer, "myndighet": myndighet, "fran": fran, "till": till}
    errors = {name: ACCESS_TOLD[code][1] for name, code in _misshapen(search, readers).items()}
    if "myndighet" in errors:   # a reader typed in the address: told as the disclosure log tells an agency
        errors["myndighet"] = unknown_agency(myndighet, readers)
    after = _after(efter)
    if after is None:
        errors["efter"] = texts.T["access_bad_after"]
    # The page's status, chosen here: a 422 only for a value in the address the search form's redirect never
    # carries — a link edited by hand, as every page's query value it cannot use (``QueryRefused``) and the case
    # lists' ``?nummer=`` that is no case number.  Whatever else the page says at a field — a refused field named by
    # its code, a number given to no case, a reversed period — is the answer the posted search's 303 leads to: a GET
    # page of its own address, an ordinary page (200), as the case lists' ``?fel=inte_nummer`` and "Inget ärende med
    # numret …" are.  The refusal's 4xx belonged to the POST, which a redirect answers so that Back works.
    edited = bool(errors)
    # The messages the posted search's redirect names by code, for the fields it did not carry; a value in the
    # address is a search of its own (a link edited by hand), said of by its own check.
    for name, said in (ACCESS_TOLD[code] for code in told or []):
        if not search[name].strip():
            errors[name] = said
    case_id = None
    number = views.case_number_typed(nummer)
    if "nummer" in errors:
        nummer = ""   # not said back: it may be a personnummer
    elif number is not None:
        try:
            case_id = cases.find(user, number)
        except CaseNotFound:
            errors["nummer"] = "Inget ärende med det numret."
        except CaseErased as erased:   # its reads outlive its key, as `sigill audit access-log` lists them
            if erased.case_id is None:
                errors["nummer"] = "Inget ärende med det numret."
            else:
                case_id = erased.case_id
    since, until = _moment(fran), _moment(till)
    if since is not None and len(fran.strip()) == 10:
        since = datetime.combine(since.date(), time.min, tzinfo=STOCKHOLM)
    if since is not None and until is not None and since > until:   # it answered "Inga träffar"
        errors["till"] = texts.T["access_reversed"]
    # The purpose stated on the case's pages, when the search is of one case (a purpose is stated for one case).
    records = [] if errors else cases.access_log_search(user, AccessQuery(
        case_id, None, myndighet or None, since, until, after or 0, PAGE),
        session.purpose(request, case_id) if case_id else "")
    # Whether the rows shown, and the log around them, are as written (the search alone cannot tell a row removed):
    # said for a search that finds nothing too, as the API's is — a search emptied by a removed row read as clean.
    checked = None if errors else cases.access_log_check(seqs=[r.seq for r in records])
    # The next page's address, built here so that a moment's "+01:00" or one longer than the form shows is kept.
    following = _access_log_url([*((k, v.strip()) for k, v in search.items() if v.strip()),
                                 ("efter", str(records[-1].seq))]) if len(records) == PAGE else None
    return render(request, "access_log.html", 422 if edited else 200, user=user, records=records, errors=errors,
                  access_checked=checked, access_checked_text=checked and access_log_checked(checked),
                  numbers=_numbers(cases, user, records) if records else {},
                  no_case={str(case_id) for case_id in NO_CASE},
                  number=nummer[:20], agency=myndighet[:50], fran=_said_back(fran)[:20],
                  till=_said_back(till)[:20],
                  agencies=readers, catalogue=cases.catalogue, next_page=following)


def _after(typed: str) -> int | None:
    """``?efter=``: a read's number in the log (0: from the start), or None when it is none (a link edited by hand);
    ASCII digits only and short, as ``paging.page_number`` reads a page ('²' is a digit to isdigit())."""
    typed = typed.strip()
    if not typed:
        return 0
    return min(int(typed), 2**62) if typed.isascii() and typed.isdigit() and len(typed) <= 19 else None
