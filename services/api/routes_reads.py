"""What a user reads of cases: the case list, a case's timeline, plan, meetings and own contributions.

Every answer is the disclosure rules' for the user's agency now; every read
of case content is in the access log before the answer leaves.
"""

from __future__ import annotations

from typing import Annotated, Any, Callable

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from projections import agency_queries as q
from services import plan_warnings
from services.api import access_log_views as lv, views as v
from services.api.deps import Context, CurrentUser, Reader
from services.api.routes_commands import ERRORS, CaseId
from services.api.one_key_each import OneKeyEachRoute
from services.api.query_numbers import PlainDigits
from services.authorisation import Place
from services.basis_text import known_consents
from services.case_reads import Look
from services.principals import Principal

router = APIRouter(prefix="/api/v1/cases", tags=["cases"], route_class=OneKeyEachRoute)
READ_ERRORS = {status: ERRORS[status] for status in (401, 403, 404, 422, 503)}


def _seen(look: Look) -> list[q.SeenFact]:
    return q.seen(look.disclosures)


def _known(look: Look) -> v.Known:
    """Who consented and until when, from the consents the reader itself sees (of the whole case, not only the facts
    an answer holds: a plan's rows rest on consents shown in the timeline)."""
    return known_consents(d.fact for d in look.disclosures)


def _facts(ctx: Context, look: Look, seen: list[q.SeenFact], known: v.Known | None = None, *,
           reader: str) -> list[v.VisibleFactOut]:
    """The facts in the server's order (the internal one), each under its public id only; ``reader``: the
    reader's agency, the one they are disclosed to."""
    ids = ctx.fact_ids.of(look.case_id)
    known = _known(look) if known is None else known
    lead = look.place is Place.LEAD   # social services sees every revision of the plan: a row's number tells it nothing
    return [v.visible_out(s.disclosure, ctx.cases.catalogue, ids, known, lead=lead, recipient=reader)
            for s in seen]


def _basis(ctx: Context, basis: Any, known: v.Known, reader: str) -> v.BasisOut | None:
    """A basis told as a fact's is in ``_facts``."""
    return None if basis is None else v.basis_out(basis, ctx.cases.catalogue, known, recipient=reader)


async def _answer(ctx: Context, user: Principal, look: Look, what: str, shape: Callable[[], BaseModel]) -> Response:
    # Kept under the ids it was shaped with: after a renewal made elsewhere, an answer kept from before named the
    # facts by the old ids.  (Taken before the shaping: a renewal seen meanwhile leaves a body to be shaped again.)
    body = await ctx.answers.body((look.case_id, what, user.agency), look, shape, ctx.fact_ids.current())
    return Response(body, media_type="application/json", headers={
        "ETag": f'"{look.seen.tag}"',
        "Cache-Control": "no-store"})  # case content never rests in a shared or browser cache


@router.get("", response_model=v.CaseList, responses=READ_ERRORS)
async def my_cases(reader: Reader, response: Response,
                   limit: Annotated[int | None, Query(ge=1, le=1000, description="at most this many (default: all)"),
                                    PlainDigits] = None,
                   offset: Annotated[int, Query(ge=0, le=2**62, description="skip this many first"), PlainDigits]
                   = 0) -> v.CaseList:
    """Your cases: your agency's view (social services: your municipality's cases), by case number; each case listed
    is a logged read — with `limit` and `offset`, only those of the page."""
    ctx, user, purpose = reader
    rows, total = await ctx.cases.cases_async(user, purpose, offset, limit)
    response.headers["Cache-Control"] = "no-store"
    return v.CaseList(cases=[v.CaseListItem(**row) for row in rows], total=total)


@router.get("/by-number/{case_number}", response_model=v.CaseRef, responses=READ_ERRORS)
def find_case(ctx: Context, user: CurrentUser,
              case_number: Annotated[str, Path(max_length=20, examples=["0180-2026-0001"])]) -> v.CaseRef:
    """The id of a case you are in, from its case number.  422 at path.case_number: not shaped like one
    (0180-2026-0042, its year 1900–2199); 404: no case you are in has it, in the same words whether it was given."""
    return v.CaseRef(case_id=ctx.cases.find(user, case_number))


@router.get("/{case_id}", response_model=v.CaseView, responses=READ_ERRORS)
async def timeline(reader: Reader, case_id: CaseId) -> Response:
    """Everything your agency may see of the case now, in order, each fact with its basis."""
    ctx, user, purpose = reader
    look = await ctx.cases.look_async(user, case_id, "timeline", purpose)
    return await _answer(ctx, user, look, "timeline", lambda: v.CaseView(
        case_id=case_id, version=look.version, facts=_facts(ctx, look, q.timeline(_seen(look)), reader=user.agency),
        protected_personal_data=q.protected_personal_data(d.fact for d in look.disclosures)))


@router.get("/{case_id}/plan", response_model=v.PlanView, responses=READ_ERRORS)
async def current_plan(reader: Reader, case_id: CaseId) -> Response:
    """The current action plan with the rows your agency may see; social services is also told each responsible
    agency that cannot see its row now (`warnings`, as the plan command's). Where you may not see the main goal
    (`main_goal` null), this is the latest revision in which you see rows: a later one without a row you may see is
    not told."""
    ctx, user, purpose = reader
    look = await ctx.cases.look_async(user, case_id, "plan", purpose, unseen_rows=True)

    def shape() -> v.PlanView:
        # The lead's only, always a list for it; left out for a member (the service gives a member none to tell).
        warnings = plan_warnings.shaped(look.unseen_rows) if look.place is Place.LEAD else None
        plan = q.current_plan(_seen(look))
        if plan is None:
            return v.PlanView(case_id=case_id, version=look.version, revision=None, main_goal=None, rows=[],
                              warnings=warnings)  # type: ignore[arg-type]
        known = _known(look)
        return v.PlanView(case_id=case_id, version=look.version, revision=plan.number, main_goal=plan.main_goal,
                          main_goal_basis=_basis(ctx, plan.goal_basis, known, user.agency),
                          rows=_facts(ctx, look, list(plan.rows), known, reader=user.agency),
                          warnings=warnings,  # type: ignore[arg-type]
                          **plan.participation)
    return await _answer(ctx, user, look, "plan", shape)


@router.get("/{case_id}/meetings", response_model=v.MeetingsView, responses=READ_ERRORS)
async def meetings(reader: Reader, case_id: CaseId) -> Response:
    """The meetings your agency may know of, each with the parts it may see."""
    ctx, user, purpose = reader
    look = await ctx.cases.look_async(user, case_id, "meetings", purpose)
    def shape() -> v.MeetingsView:
        facts = _seen(look)
        planned = q.next_meeting(facts)
        return v.MeetingsView(
            case_id=case_id, version=look.version, meetings=[
                v.MeetingOut(meeting_id=m.meeting_id, held_on=m.held_on,
                             parts=_facts(ctx, look, list(m.parts), reader=user.agency))  # type: ignore[arg-type]
                for m in q.meetings(facts)],
            next_meeting=None if planned is None else planned.on,
            next_meeting_kind=None if planned is None else planned.kind)
    return await _answer(ctx, user, look, "meetings", shape)


@router.get("/{case_id}/contributions", response_model=v.CaseView, responses=READ_ERRORS)
async def own_contributions(reader: Reader, case_id: CaseId) -> Response:
    """What your agency itself recorded: contributions, follow-ups and meeting outcomes."""
    ctx, user, purpose = reader
    look = await ctx.cases.look_async(user, case_id, "contributions", purpose)
    return await _answer(ctx, user, look, "contributions", lambda: v.CaseView(
        case_id=case_id, version=look.version,
        facts=_facts(ctx, look, q.own_contributions(_seen(look)), reader=user.agency),  # type: ignore[arg-type]
        protected_personal_data=q.protected_personal_data(d.fact for d in look.disclosures)))


Recipient = Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                                 examples=["young_person"],
                                 description="whom the extract is for: `young_person` (the default), or a guardian's"
                                             " id from the case — a guardian with custody, while the young person is"
                                             " under 18; anyone else is 422 `extract_recipient_refused`. Whom it was"
                                             " for is in the access log")]


@router.get("/{case_id}/extract", response_model=lv.Extract, responses=READ_ERRORS)
def extract(reader: Reader, case_id: CaseId, response: Response, recipient: Recipient = "young_person") -> lv.Extract:
    """The young person's extract (registerutdrag): who read what about them, and when."""
    ctx, user, purpose = reader
    made = ctx.cases.extract(user, case_id, purpose, recipient)
    response.headers["Cache-Control"] = "no-store"
    reads = [read_out(r) for r in made.records]
    if made.readers_left_out:   # a guardian's, skyddade personuppgifter recorded: null, not an empty text typed
        reads = [r.model_copy(update=dict.fromkeys(lv.LEFT_OUT)) for r in reads]
    return lv.Extract(case_id=case_id, generated_at=ctx.cases.app.clock.now(),
                      reads=reads,
                      access_log=lv.extract_checked(ctx.cases.access_log_check(case_id)))


def read_out(record: Any) -> lv.ReadOut:
    e = record.entry
    return lv.ReadOut(at=e.at, case_id=e.case_id, subject=e.subject, reader_name=e.reader_name, agency=e.agency,
                      roles=e.roles, what=e.what, purpose=e.purpose)


def access_out(record: Any) -> lv.AccessRecordOut:
    return lv.AccessRecordOut(**vars(read_out(record)), seq=record.seq)


