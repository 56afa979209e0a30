"""For JO and IVO: replay, every fact, the disclosure log, the access log, ledger verification, the report."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from domain.calendar import EARLIEST_DAY, LATEST_DAY, STOCKHOLM, moment_within_calendar
from domain.errors import InvalidInput
from services.access_entry import AccessQuery
from services.access_log_text import reader_agency
from services.audit import (CaseHistoryAltered, InvalidCheckpointFile, access_log_of, checkpoint_file_name,
                            checkpoints_of, public_key_of)
from services.api import access_log_views as lv, audit_views as av, stored_log_views as sv
from services.api.deps import Context, CurrentUser, Reader
from services.api.commands import CheckpointFile
from services.api.routes_commands import ERRORS, CaseId, documented_as_json
from services.api.routes_reads import access_out
from services.api.errors import ErrorBody, error_body
from services.api.one_key_each import OneKeyEachRoute
from services.api.query_numbers import PlainDigits
from services.authorisation import Forbidden, check_auditor
from services.basis_text import consent_facts, known_consents
from services.audit_text import API_TRUST, told_to
from services.ledger import Verification
from services.principals import Principal, Role
from services.report import CONTENT_SECURITY_POLICY as REPORT_POLICY
from services.standing_text import replay_notes

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], route_class=OneKeyEachRoute)
# Every audit read is written to the access log first: it can be refused (503) as any read can.
HISTORY_ALTERED = "the stored history of this case is not what the audit ledger sealed (version 14: removed)"
AUDIT_ERRORS = {status: ERRORS[status] for status in (401, 403, 404, 422, 503)}
CASE_AUDIT_ERRORS = {**AUDIT_ERRORS, 409: {   # what is read from a case's history (the report is made even so)
    "description": "the case's stored events are not those the audit ledger sealed (events removed, altered or"
                   " reordered): nothing is answered from them; the report says what was found",
    "model": ErrorBody, "content": {"application/json": {"example": error_body("history_altered", HISTORY_ALTERED)}}}}
Agency = Annotated[str, Query(min_length=1, max_length=50, pattern=r"^[a-z0-9_-]+$", examples=["polis"])]


def _written_as_a_date(value: Any) -> Any:
    """A moment as ISO 8601 only.  Pydantic also takes a number of seconds since 1970: ``since=20260203`` was read
    as 1970-08-23 and answered every read since then, ``as_of=1700000000`` replayed 2023 — not what anyone typing
    them means (the command line refuses them too)."""
    if isinstance(value, str) and not re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise PydanticCustomError("datetime_format", "a moment is written as ISO 8601 with its zone, e.g."
                                  " 2026-03-03T12:00:00+01:00 (not a number of seconds)")
    return value


Moment = Annotated[datetime, BeforeValidator(_written_as_a_date)]


@router.get("/cases/{case_id}/facts", response_model=av.AuditFacts, responses=CASE_AUDIT_ERRORS)
def every_fact(reader: Reader, case_id: CaseId) -> av.AuditFacts:
    """Every fact of the case, whoever may see it (auditors only)."""
    ctx, user, purpose = reader
    facts = ctx.cases.audit_facts(user, case_id, purpose)
    ids = ctx.fact_ids.of(case_id)
    return av.AuditFacts(case_id=case_id, facts=[av.audit_fact_out(f, ids) for f in facts])


@router.get("/cases/{case_id}/replay", response_model=av.Replayed, responses=CASE_AUDIT_ERRORS)
def replay(reader: Reader, case_id: CaseId, agency: Agency,
           as_of: Annotated[Moment, Query(description="ISO 8601 with a time zone, e.g. 2026-03-03T12:00:00+01:00")]
           ) -> av.Replayed:
    """What an agency could see of the case at a moment, and why — rebuilt from the events alone; and the agency's
    standing then (`standing`: its membership, the consents in force naming it, custody and age, each category's
    cover or whose consent was missing, and — when it saw nothing — why)."""
    ctx, user, purpose = reader
    check_moment(as_of, "as_of")
    replayed = ctx.cases.audit_replay(user, case_id, agency, as_of, purpose)
    disclosures, standing = replayed.disclosures, replayed.standing
    ids = ctx.fact_ids.of(case_id)
    known = known_consents(d.fact for d in disclosures)   # the consents the agency saw then, as they stood
    app, catalogue = ctx.cases.app, ctx.cases.catalogue
    return av.Replayed(case_id=case_id, agency=agency, as_of=as_of,
                       facts=[av.audit_visible_out(d, catalogue, ids, known, recipient=agency) for d in disclosures],
                       standing=None if standing is None else av.standing_out(standing, len(disclosures),
                                                                             ctx.cases.catalogue),
                      # As the command line and the web say it: before the case, or a moment to come.
                      notes=replay_notes(replayed.case.created_on, as_of, app.clock.now()))


@router.get("/cases/{case_id}/disclosures", response_model=av.Disclosures, responses=CASE_AUDIT_ERRORS)
def disclosures(reader: Reader, case_id: CaseId, agency: Agency | None = None) -> av.Disclosures:
    """Every moment a fact became, or stopped being, visible to an agency, with its basis."""
    ctx, user, purpose = reader
    changes, read, *_ = ctx.cases.audit_disclosures_and_stored_log(user, case_id, agency, purpose)
    ids = ctx.fact_ids.of(case_id)
    consents = consent_facts(c.fact for c in changes)
    return av.Disclosures(case_id=case_id, changes=[av.change_out(c, ctx.cases.catalogue, ids, consents)
                                                    for c in changes],
                          stored_log=sv.stored_log_out(read.agreement),
                          replaced_logs=[sv.replaced_log_out(old, ctx.cases.catalogue, ids, agreement=read.agreement)
                                         for old in read.replaced])


@router.get("/cases/{case_id}/stored-log", response_model=sv.StoredLog, responses=AUDIT_ERRORS)
def stored_log(reader: Reader, case_id: CaseId, agency: Agency | None = None) -> sv.StoredLog:
    """The stored disclosure log — what the agencies' feeds carried, row by row, with feed and number; no content —
    held to the case's events, and the logs rebuilds replaced.  An erased case's rows too (its events no longer read:
    nothing to hold them to), and a case's whose history is not what the ledger sealed (`history_altered`: the log is
    evidence of its own, answered without decoding the events)."""
    ctx, user, purpose = reader
    read = ctx.cases.audit_stored_log(user, case_id, agency, purpose)
    ids, cat = ctx.fact_ids.of(case_id), ctx.cases.catalogue
    altered = read.history_altered
    # A consent basis names who consented, as the disclosures' does, when the rows were held to the events (their
    # consent facts); an erased case's or an altered history's by the consents' ids.
    consents = read.consents
    return sv.StoredLog(case_id=case_id, erased=read.agreement is None and altered is None,
                        history_altered=None if altered is None else str(CaseHistoryAltered(altered)),
                        rows=[sv.stored_row_out(r, cat, ids, consents) for r in read.rows],
                        stored_log=None if read.agreement is None else sv.stored_log_out(read.agreement),
                        replaced_logs=[sv.replaced_log_out(old, cat, ids, consents, read.agreement)
                                        for old in read.replaced])


# The report answers HTML, and FastAPI would document its errors' model as HTML too: they are JSON.
REPORT_ERRORS = documented_as_json(AUDIT_ERRORS)


@router.get("/cases/{case_id}/report", response_class=HTMLResponse, responses=REPORT_ERRORS)
def report(reader: Reader, case_id: CaseId) -> HTMLResponse:
    """A self-contained, printable HTML report for a supervisor, with the ledger's verification."""
    ctx, user, purpose = reader
    return HTMLResponse(ctx.cases.audit_report(user, case_id, ctx.report, purpose),
                        headers={"Cache-Control": "no-store",
                        "Content-Security-Policy": REPORT_POLICY})


@router.get("/access-log", response_model=lv.AccessLogPage, responses=AUDIT_ERRORS)
async def access_log(reader: Reader, case_id: UUID | None = None,
                     subject: Annotated[str | None, Query(min_length=1, max_length=200, pattern=r"^[^\x00]*$")] = None,
                     agency: Agency | None = None, since: Moment | None = None, until: Moment | None = None,
                     after: Annotated[int, Query(ge=0, le=2**62), PlainDigits] = 0,
                     limit: Annotated[int, Query(ge=1, le=1000), PlainDigits] = 100) -> lv.AccessLogPage:
    """Search the access log: who read what, when, and why (auditors only); logged, as a read of each case shown.
    A `since` after `until` is 422 naming `query.until` (the range is reversed); an agency no reader has, 422 naming
    `query.agency`."""
    ctx, user, purpose = reader
    if agency is not None:
        reader_agency(ctx.cases.catalogue, agency, "agency")
    for moment, name in ((since, "since"), (until, "until")):
        if moment is not None:
            check_moment(moment, name)
    check_range(since, until)
    records = await ctx.cases.access_log_search_async(
        user, AccessQuery(case_id, subject, agency, since, until, after, limit), purpose)
    # As the web's Åtkomstlogg and the extract say it: a search alone cannot tell that reads were removed or altered.
    checked = await asyncio.to_thread(ctx.cases.access_log_check, seqs=[r.seq for r in records])
    return lv.AccessLogPage(records=[access_out(r) for r in records],
                            next_after=records[-1].seq if len(records) == limit else None,
                            access_log=lv.access_log_checked(checked, numbered=True))


def check_moment(moment: datetime, name: str) -> None:
    """A moment with its zone, within the calendar.  A time without a zone was read in the database session's
    zone (UTC) by the access log's search, an hour or two off Swedish time, and found nothing there."""
    if moment.tzinfo is None:
        raise InvalidInput(f"{name} needs a time zone (e.g. +01:00 or Z)", field=name)
    if not moment_within_calendar(moment):   # in Swedish time, as the command line and the web client count
        raise InvalidInput(f"{name} must lie from {EARLIEST_DAY} to {LATEST_DAY}", field=name)


def check_range(since: datetime | None, until: datetime | None) -> None:
    """``until`` not before ``since``: a reversed range found nothing and answered an empty page, as if no one had
    read — the web's Åtkomstlogg (at *Till*) and `sigill audit access-log` refuse it too."""
    if since is not None and until is not None and since > until:
        raise InvalidInput(f"until {until.isoformat()} is before since {since.isoformat()}: the range is reversed",
                           field="until")


@router.get("/ledger/verification", response_model=av.LedgerCheck, responses=AUDIT_ERRORS)
def verify_ledger(ctx: Context, user: CurrentUser) -> av.LedgerCheck:
    """Recompute the event ledger's and the access log's hash chains and check every signed checkpoint — the
    installation's own, which prove nothing against whoever can rewrite the ledger and them: verify against
    checkpoints kept elsewhere with POST (`GET /ledger/checkpoints` gives them to keep)."""
    _check_verifier(user)
    return _ledger_check(*ctx.verify_ledger())


TrustKey = Annotated[list[str], Query(max_length=20, description="a ledger public key (base64) to trust for the"
                                      " file's checkpoints, as `sigill audit verify --trust-key` (repeatable): one"
                                      " had from the operator, not from the file")]


@router.post("/ledger/verification", response_model=av.LedgerCheck,
             responses={**AUDIT_ERRORS, **{status: ERRORS[status] for status in (413, 415)}})   # it takes a body
def verify_ledger_against(ctx: Context, user: CurrentUser,
                          kept: CheckpointFile,
                          trust_key: TrustKey = []) -> av.LedgerCheck:  # noqa: B006 - FastAPI copies it
    """Verify as GET does, and against the checkpoints of a file kept outside the installation (as `sigill audit
    verify --checkpoints FILE`): `checkpoints` counts those confirmed, the file's among them (`exported`: those
    only the file holds); where the ledger no longer matches one of the file's, `divergence` says so.  The access
    log is held to the file's `access_log` checkpoint likewise (`access_log_exported`; a log rewritten or cut
    since: `access_log_divergence`).  A file that cannot be read, or whose checkpoints are signed by a key not
    trusted here, is a 422 naming the field: the ledger (or the access log) is then not found changed by it."""
    _check_verifier(user)
    keys = []
    for n, text in enumerate(trust_key):
        try:
            keys.append(public_key_of(text))
        except ValueError as error:
            raise InvalidInput(str(error), field=f"query.trust_key.{n}") from None
    try:
        document = kept.model_dump()
        exported, exported_reads = checkpoints_of(document), access_log_of(document)
        return _ledger_check(*ctx.verify_ledger(exported, keys, exported_reads))
    except InvalidCheckpointFile as bad:
        field = "body" + (f".{bad.field}" if bad.field else "")
        raise InvalidInput(told_to(str(bad), API_TRUST), field=field) from None


@router.get("/ledger/checkpoints", responses={**documented_as_json(AUDIT_ERRORS), 200: {
    "content": {"application/json": {"example": CheckpointFile.model_config["json_schema_extra"]["examples"][0]}},
    "description": "the checkpoint file (as `sigill audit export` writes it): the ledger's checkpoints and, in"
                   " `access_log`, the access log's last"}})
def export_checkpoints(ctx: Context, user: CurrentUser) -> Response:
    """The ledger's signed checkpoints and the access log's last, as `sigill audit export` writes them, for a
    supervisor to keep (auditors only): kept outside the installation, a later verification against them (POST
    /ledger/verification) proves that nothing before them — no event, no read of a case — was changed since.  Not
    logged, as the command line's export is not: it holds no case's data, only positions, hashes and signatures."""
    check_auditor(user)
    day = ctx.cases.app.clock.now().astimezone(STOCKHOLM).date()
    return Response(ctx.export_checkpoints(), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{checkpoint_file_name(day)}"',
                             "Cache-Control": "no-store"})


def _check_verifier(user: Principal) -> None:
    if not user.has(Role.AUDITOR, Role.ADMINISTRATOR):
        raise Forbidden("only auditors and administrators verify the ledger")


def _ledger_check(ledger: Verification, access: Any) -> av.LedgerCheck:
    divergence = ledger.divergence
    return av.LedgerCheck(
        intact=ledger.intact, checked=ledger.checked, unsealed=ledger.unsealed, checkpoints=ledger.checkpoints,
        exported=ledger.exported,
        divergence=None if divergence is None else (
            f"{divergence.kind} at notification {divergence.notification_id}"
            f" (case {divergence.case_id}, version {divergence.version}): {told_to(divergence.detail, API_TRUST)}"),
        access_log_intact=access.intact, access_log_checked=access.checked,
        access_log_exported=access.exported, access_log_divergence=access.divergence)
