"""For JO and IVO: the ledger's verification, replay as an agency at a time, the disclosure log,
the access log and the printable report — all through CaseService's audit methods (each read logged)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile   # what Starlette's form holds (FastAPI's is a subclass)

from domain.calendar import STOCKHOLM
from domain.facts import as_shown
from projections.agency_queries import protected_personal_data
from services.typed_time import CLOCKS_CHANGED, UnreadableMoment, through_typed_unit, typed_moment
from services.access_entry import AccessQuery
from services.audit import (CaseHistoryAltered, InvalidCheckpointFile, checkpoint_file_name, public_key_of,
                            read_exported)
from services.authorisation import check_auditor
from services.errors import CaseNotFound
from services.ledger import describe_divergence
from services.presentation import (CHANGES, KINDS, STANDING_TITLE, access_log_checked, agency_name, basis_ids,
                                   checkpoints_confirmed, consent_facts, describe_basis, describe_cause,
                                   describe_changes, describe_for_auditor, describe_logged, describe_standing,
                                   known_at, replay_notes)
from services.principals import Principal
from services.report import CONTENT_SECURITY_POLICY as REPORT_POLICY
from services.stored_log import row_key
from services.web import paging, session, texts, views
from services.web.case_pages import service
from services.web.extract_rows import extract_rows
from services.web.forms import FIELDS, Typed
from services.web.pages import case_uuid, form_of, fragment, guarded, redirect, render

router = APIRouter(include_in_schema=False)
Form = Annotated[Typed, Depends(form_of)]
PAGE = 200
# The web's report posts one form, its purpose, to this site (the report elsewhere posts none).
WEB_REPORT_POLICY = REPORT_POLICY.replace("form-action 'none'", "form-action 'self'")


def _auditor(request: Request):  # noqa: ANN202 - a Principal
    user = session.principal(request)
    check_auditor(user)
    return user


@router.get("/granskning")
@guarded
def audit_home(request: Request, nummer: str = "", sida: str = "1") -> Response:
    return _audit_home(request, _auditor(request), nummer, paging.page_number(sida))


@router.post("/granskning")
@guarded
def find_case(request: Request, typed: Form) -> Response:
    """The search box: posted, so that what is typed (a personnummer, by mistake) never lands in a URL."""
    user = _auditor(request)
    session.check_csrf(request, typed)
    return _audit_home(request, user, typed.get("nummer", ""))


def _audit_home(request: Request, user: Principal, typed_number: str, page: int = 1) -> Response:
    number, error = views.case_number_typed(typed_number), ""
    misshapen = bool(typed_number.strip()) and number is None
    if misshapen:
        error = texts.T["find_not_a_number"]   # not said back: it may be a personnummer
    elif number is not None:
        try:
            return redirect(f"/granskning/arenden/{service(request).find(user, number)}")
        except CaseNotFound:
            error = f"Inget ärende med numret {number}."
    # Each case listed is a read of it (``audit.case_list``), logged before the page is made: a page at a time, or
    # every case of the installation would be read on each opening of the page.
    rows, total = service(request).case_page(user, session.purposes(request), "", page, paging.LIST_PAGE)
    cat = service(request).catalogue
    erased = [(r, cat.municipalities[r["municipality"]].name if r["municipality"] in cat.municipalities else "–")
              for r in service(request).erased_cases(user)]
    return render(request, "audit_home.html", 422 if misshapen else 200, user=user, rows=rows,
                  number=number or "", find_error=error, phases=views.PHASES, erased=erased,
                  pager=paging.pager(page, total, {}))


@router.get("/granskning/liggaren")
@guarded
def verify_ledger(request: Request) -> Response:
    user = _auditor(request)
    return _ledger_page(request, user, *request.app.state.context.verify_ledger())


KEPT_LIMIT = 64 * 1024 * 1024   # some 200,000 checkpoints: years of seals; more is no file Sigill wrote


async def _kept_file(request: Request) -> bytes | None:
    """The uploaded checkpoint file's bytes (the form is parsed once: ``form_of``'s, cached by Starlette)."""
    upload = (await request.form(max_fields=FIELDS)).get("fil")
    if not isinstance(upload, UploadFile):
        return None
    return await upload.read(KEPT_LIMIT)


@router.post("/granskning/liggaren")
@guarded
def verify_ledger_against(request: Request, typed: Form,
                          kept: Annotated[bytes | None, Depends(_kept_file)]) -> Response:
    """The verification against a checkpoint file an auditor kept (as `sigill audit verify --checkpoints`)."""
    user = _auditor(request)
    session.check_csrf(request, typed)
    try:   # keys given as the operator gave them (base64), one a line, as `--trust-key`
        keys = [public_key_of(line) for line in typed.get("nycklar", "").split()]
    except ValueError:
        return _ledger_refused(request, user, texts.T["kept_bad_key"], field="nycklar")
    try:
        if not kept:
            raise InvalidCheckpointFile("no file", why="none")
        exported = read_exported(kept.decode("utf-8"))
        ledger, access = request.app.state.context.verify_ledger(exported, keys)
    except UnicodeDecodeError:
        return _ledger_refused(request, user, texts.T["kept_not_a_file"])
    except InvalidCheckpointFile as bad:
        return _ledger_refused(request, user, _why_not_verified(bad))
    return _ledger_page(request, user, ledger, access, kept_count=len(exported))


def _why_not_verified(bad: InvalidCheckpointFile) -> str:
    number = int(bad.field.split(".")[1]) + 1 if bad.field and bad.field.startswith("checkpoints.") else None
    if bad.why == "none":
        return texts.T["kept_none"]
    if bad.why in ("untrusted", "forged"):
        return texts.T[f"kept_{bad.why}"].format(number=number)
    if number is not None:
        return texts.T["kept_unreadable_checkpoint"].format(number=number, field=bad.field.rsplit(".", 1)[-1]
                                                            if bad.field.count(".") > 1 else "")
    return texts.T["kept_not_a_file"]


def _ledger_refused(request: Request, user: Principal, message: str, field: str = "fil") -> Response:
    """The page with the form's error, the installation's own verification not made again (it walks every event)."""
    return render(request, "ledger.html", 422, user=user, ledger=None, kept_errors={field: message})


def _ledger_page(request: Request, user: Principal, ledger, access, kept_count: int | None = None  # noqa: ANN001
                 ) -> Response:
    """``kept_count``: the checkpoints of an uploaded file, when the verification was made against one."""
    return render(request, "ledger.html", user=user, ledger=ledger, access=access,
                  checkpoints=checkpoints_confirmed(ledger.checkpoints), kept_count=kept_count,
                  ledger_finding=describe_divergence(ledger.divergence) if ledger.divergence else None,
                  kept_errors={})


@router.get("/granskning/liggaren/kontrollpunkter")
@guarded
def export_checkpoints(request: Request) -> Response:
    """The signed checkpoints to keep, as `sigill audit export` writes them (not logged, as the export is not)."""
    _auditor(request)
    context = request.app.state.context
    day = context.cases.app.clock.now().astimezone(STOCKHOLM).date()
    return Response(context.export_checkpoints(), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{checkpoint_file_name(day)}"',
                             "Cache-Control": "no-store"})


def _moment(text: str) -> datetime | None:
    """A moment from a form, read as the command line reads one (``typed_moment``: Swedish time, a bare date the end
    of that day); None when empty or refused (``_clocks_changed`` tells which refusal the page should name)."""
    try:
        return typed_moment(text) if text.strip() else None
    except UnreadableMoment:
        return None


def _clocks_changed(text: str) -> bool:
    """Whether ``text`` is a clock time without a zone that Swedish clocks showed twice or never (``_moment``)."""
    try:
        typed_moment(text)
    except UnreadableMoment as unreadable:
        return unreadable.why == CLOCKS_CHANGED
    return False


def _agencies(request: Request) -> dict[str, str]:
    cat = service(request).catalogue
    return {a: agency_name(a, cat) for a in cat.agencies}


@router.get("/granskning/arenden/{case_id}")
@guarded
def replay(request: Request, case_id: str, myndighet: str = "", tid: str = "") -> Response:
    """What an agency could see of the case at a moment, and why."""
    user, uuid = _auditor(request), case_uuid(case_id)
    cases = service(request)
    errors: dict[str, str] = {}
    items, handles, at, notes = None, None, _moment(tid), []
    at = at and through_typed_unit(tid, at)   # 14:00 is the whole minute, as a date is the whole day
    agencies = _agencies(request)
    if myndighet or tid:
        if myndighet not in agencies:
            errors["myndighet"] = texts.T["choose_actor"]
        if at is None:
            errors["tid"] = texts.T["moment_changed_clocks"] if _clocks_changed(tid) else \
                "Ange en tidpunkt som ÅÅÅÅ-MM-DD eller ÅÅÅÅ-MM-DD TT:MM, från år 1900 till 2199."
    protection_at, protection_told, standing = None, False, None
    if myndighet in agencies and at is not None and not errors:
        replayed = cases.audit_replay(user, uuid, myndighet, at, session.purpose(request, uuid))
        seen = views.in_order(replayed.disclosures)
        # Why it saw what it saw, or nothing (membership, consents, custody, age): as the command line says it.
        standing = replayed.standing and describe_standing(replayed.standing, len(seen), cases.catalogue,
                                                           by_role=False)
        items, handles = views.timeline(seen, cases.catalogue, describe_for_auditor), _handles(request, uuid, [d.fact for d in seen])
        # As the command line says it: "Inget att visa." alone did not tell a moment before the case, or to come.
        notes = replay_notes(cases.app.get_case(uuid).created_on, at, cases.app.clock.now())
        # Skyddade personuppgifter as recorded at the moment, and whether the agency was told (the marker among
        # what it saw): an auditor asks both of a disclosure to someone who should have been careful.
        protection_at = cases.audit_protection(user, uuid, at)
        protection_told = protected_personal_data(d.fact for d in seen) is not None
    number = _number(cases, user, uuid)
    return render(request, "replay.html", 422 if errors else 200, page="replay", user=user, case_id=uuid,
                  number=number, agencies=agencies,
                  agency=myndighet, tid=tid[:30], at=at, items=items, handles=handles, errors=errors, notes=notes,
                  now=_form_now(cases.app.clock.now()), protection_now=cases.audit_protection(user, uuid),
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
    return now.astimezone(STOCKHOLM).strftime("%Y-%m-%dT%H:%M:%S")


def _handle(fact, public: str) -> str:  # noqa: ANN001 - a Fact, or None when the history no longer names it
    return public if fact is None else f"v{fact.version} · {public}"


def _handles(request: Request, case_id: UUID, facts: list) -> list[str]:
    """An auditor's handle on each fact: its event's version, and the public id the agencies were given it as."""
    ids = request.app.state.context.fact_ids.of(case_id)
    return [f"v{f.version} · {ids(f.fact_id)}" for f in facts]


@router.get("/granskning/arenden/{case_id}/loggutdrag")
@guarded
def extract(request: Request, case_id: str) -> Response:
    """The young person's loggutdrag — who read what, and when — as the API's extract gives it to an auditor
    (``CaseService.extract``: logged as ``extract``, the young person's); the web refused it with a 403."""
    user, uuid = _auditor(request), case_uuid(case_id)
    cases = service(request)
    records = cases.extract(user, uuid, session.purpose(request, uuid))
    return render(request, "audit_extract.html", page="extract", user=user, case_id=uuid,
                  number=_number(cases, user, uuid), rows=extract_rows(records), now=cases.app.clock.now(),
                  catalogue=cases.catalogue, protection_now=cases.audit_protection(user, uuid))


def _number(cases, user, case_id: UUID) -> str:  # noqa: ANN001
    """The case number for the page's head, from the case list (not a read of the list, nor of the case's content:
    the page's own read of the case is logged as what it shows)."""
    number = cases.case_numbers(user, [case_id]).get(str(case_id))
    if number is None:
        raise CaseNotFound("no such case", field="case_id")
    return number


@router.get("/granskning/arenden/{case_id}/utlamnanden")
@guarded
def disclosures(request: Request, case_id: str, myndighet: str = "") -> Response:
    """Every moment a fact became, or stopped being, visible to an agency, and on what basis."""
    user, uuid = _auditor(request), case_uuid(case_id)
    cases = service(request)
    agencies = _agencies(request)
    if myndighet and myndighet not in agencies:   # a mistyped address: say so, rather than show every agency's
        return render(request, "disclosures.html", page="disclosures", user=user, case_id=uuid,
                      number=_number(cases, user, uuid), rows=[], agencies=agencies, agency="", agreement=None,
                      unknown_agency=myndighet[:40], replaced=[], status=422)
    agency = myndighet or None
    if cases.app.keystore.is_destroyed(uuid):
        return _erased_disclosures(request, user, uuid, agency, agencies)
    try:
        changes, read = cases.audit_disclosures_and_stored_log(user, uuid, agency, session.purpose(request, uuid))
    except CaseHistoryAltered:   # the stored log is evidence of its own: shown as stored, held to nothing
        return _erased_disclosures(request, user, uuid, agency, agencies)
    cat = cases.catalogue
    handles = _handles(request, uuid, [c.fact for c in changes])
    consents = consent_facts(c.fact for c in changes)
    # A follow-up names its plan row as each row's recipient saw it then (the log holds what each was shown).
    rows = [(c, agency_name(c.agency, cat), CHANGES[c.change], handle, described,
             _basis(c, consents, cat), basis_ids(c.basis), describe_cause(c.cause, cat))
            for c, handle, described in zip(changes, handles, describe_changes(changes, cat))]
    return render(request, "disclosures.html", page="disclosures", user=user, case_id=uuid, number=_number(cases, user, uuid),
                  rows=rows, agencies=agencies, agency=agency or "", agreement=read.agreement,
                  protection_now=cases.audit_protection(user, uuid),
                  replaced=_replaced(request, uuid, read.replaced, [c.fact for c in changes]))


def _basis(change, consents: list, cat) -> str:  # noqa: ANN001 - a VisibilityChange, the catalogue
    """A row's basis as the timeline says it: who consented and until when, as the consents stood at the row's
    moment (an ended row: just before it — the end its basis had), from the consent facts the log shows."""
    return describe_basis(change.basis, cat, known_at(consents, change.change, change.at))


def _erased_disclosures(request: Request, user, case_id: UUID, agency: str | None,  # noqa: ANN001 - a Principal
                        agencies: dict[str, str]) -> Response:
    """An erased case: its events no longer read, so nothing is replayed; the log rows the agencies were sent —
    today's and the replaced logs', no content — are all that is left, and shown as stored."""
    read = service(request).audit_stored_log(user, case_id, agency, session.purpose(request, case_id))
    cat, ids = service(request).catalogue, request.app.state.context.fact_ids.of(case_id)
    stored = [_logged_row(row_key(r), cat, ids, {}) for r in read.rows]
    # Or a case whose history is not what the ledger sealed: its events are not read, its log is shown as stored.
    altered = read.history_altered and describe_divergence(read.history_altered)
    return render(request, "disclosures.html", 409 if altered else 200, page="disclosures", user=user, case_id=case_id,
                  number=_number(service(request), user, case_id) if altered else texts.T["erased_case"], rows=[],
                  agencies=agencies, agency=agency or "", agreement=None, erased=True, altered=altered,
                  stored=stored, replaced=_replaced(request, case_id, read.replaced, [], readable=False))


def _replaced(request: Request, case_id: UUID, replaced: tuple, seen: list, *, readable: bool = True) -> list[tuple]:
    """Each log a rebuild replaced, with the rows where it differs from today's (each with the log that alone holds
    it); each fact described, as in the table (the case's other facts looked up, while its events are ``readable``,
    only when a difference names one the table does not show)."""
    facts = {f.fact_id: f for f in seen}
    wanted = {k[2] for old in replaced for k in (*old.only_replaced, *old.only_current) if k[5] != "erased"}
    if wanted - facts.keys() and readable:
        facts.update((f.fact_id, f) for f in service(request).app.all_facts(case_id))
    cat, ids = service(request).catalogue, request.app.state.context.fact_ids.of(case_id)
    return [(old, [(*_logged_row(key, cat, ids, facts), where)
                   for where, keys in ((texts.T["replaced_only_old"], old.only_replaced),
                                       (texts.T["replaced_only_now"], old.only_current)) for key in keys])
            for old in replaced]


def _logged_row(key: tuple, cat, ids, facts: dict) -> tuple:  # noqa: ANN001 - catalogue, public ids
    """A stored log row (``services.stored_log.row_key``) as a table row: its fact described where ``facts`` holds
    it (with its event version), else by its kind."""
    at, agency, fact_id, kind, _, change, basis, cause = key
    erased = change == "erased"
    return (at, agency_name(agency, cat), CHANGES.get(change, change),
            fact_id if erased else _handle(as_shown(facts, fact_id), ids(fact_id)),
            describe_logged(fact_id, KINDS.get(kind, kind), facts, cat),
            texts.T["replaced_erased"] if erased else describe_basis(basis, cat),
            describe_cause(cause, cat) if cause is not None else texts.T["cause_not_stored"])


@router.get("/granskning/arenden/{case_id}/rapport")
@guarded
def report(request: Request, case_id: str) -> Response:
    """The supervisor's printable report (the same as the API's)."""
    user, uuid = _auditor(request), case_uuid(case_id)
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
               efter: int = 0) -> Response:
    """Who read what, when and why."""
    user = _auditor(request)
    cases = service(request)
    errors: dict[str, str] = {}
    case_id = None
    number = views.case_number_typed(nummer)
    if nummer.strip() and number is None:
        errors["nummer"], nummer = texts.T["find_not_a_number"], ""   # not said back: it may be a personnummer
    elif number is not None:
        try:
            case_id = cases.find(user, number)
        except CaseNotFound:
            errors["nummer"] = "Inget ärende med det numret."
    # Any reader the log can name: the catalogue's agencies, JO, IVO and this installation's command line.
    readers = {**_agencies(request), **texts.READERS_OUTSIDE}
    if myndighet and myndighet not in readers:   # a NUL in it reached PostgreSQL: a 503 page
        errors["myndighet"] = texts.T["choose_actor"]
    since, until = _moment(fran), _moment(till)
    if fran.strip() and since is None:
        errors["fran"] = "Ange ett datum som ÅÅÅÅ-MM-DD."
    if till.strip() and until is None:
        errors["till"] = "Ange ett datum som ÅÅÅÅ-MM-DD."
    if since is not None and len(fran.strip()) == 10:
        since = datetime.combine(since.date(), time.min, tzinfo=STOCKHOLM)
    # The purpose stated on the case's pages, when the search is of one case (a purpose is stated for one case).
    records = [] if errors else cases.access_log_search(user, AccessQuery(
        case_id, None, myndighet or None, since, until, max(0, min(efter, 2**62)), PAGE),
        session.purpose(request, case_id) if case_id else "")
    # Whether the rows shown, and the log around them, are as written (the search alone cannot tell a row removed):
    # said for a search that finds nothing too, as the API's is — a search emptied by a removed row read as clean.
    checked = None if errors else cases.access_log_check(seqs=[r.seq for r in records])
    return render(request, "access_log.html", 422 if errors else 200, user=user, records=records, errors=errors,
                  access_checked=checked, access_checked_text=checked and access_log_checked(checked),
                  numbers=_numbers(cases, user, records) if records else {},
                  number=nummer[:20], agency=myndighet[:50], fran=fran[:20], till=till[:20],
                  agencies=readers, catalogue=cases.catalogue,
                  next_after=records[-1].seq if len(records) == PAGE else None)
