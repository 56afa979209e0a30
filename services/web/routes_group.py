"""The group's work: the action plan and its revisions, meetings, follow-ups, an agency's contributions."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from projections import agency_queries as q
from services.api import commands as c
from services.authorisation import Forbidden, Place
from services.principals import Principal
from services.web import case_date_checks, form_texts, forms, plan_views, session, views
from services.web.case_pages import case_now, look, service, show, submit, submit_rows, today
from services.web.forms import Typed
from services.web.error_pages import guarded
from services.web.pages import case_uuid, form_of

router = APIRouter(include_in_schema=False)
Form = Annotated[Typed, Depends(form_of)]
BLANK_ROWS = 2
OUTCOME_ROWS = 3


# -- the action plan --------------------------------------------------------------------------------------------


def _plan(request: Request, user: Principal, case_id: UUID, typed: Typed | None = None,
          errors: dict[str, str] | None = None, status: int = 200) -> Response:
    seen = look(request, user, case_id, "plan")
    revisions = plan_views.revisions(seen.disclosures)
    current = revisions[0] if revisions else None
    rows = len(current.rows) if current else 0
    shown = forms.slots(typed, "rows", rows, BLANK_ROWS)
    if typed is None and seen.place is Place.LEAD:
        values: dict[str, Any] = {"main_goal": current.main_goal if current else ""}
        for i, row in enumerate(current.rows if current else []):
            values.update({f"rows.{i}.{k}": row.get(k) for k in ("area", "goal", "how", "responsible", "follow_up",
                                                                  "category")})
            values.update({f"rows.{i}.row_id": row["row_id"], f"rows.{i}.responsible_agencies": list(
                row["responsible_agencies"])})
        typed = Typed.of(values)
    cat = service(request).catalogue
    typed = typed or Typed()
    # Social services only: which responsible agencies cannot see their rows, as things stand at this read.
    unseen = plan_views.unseen_rows(seen.disclosures, cat, case_now(request, seen)) if seen.place is Place.LEAD \
        else {}
    return show(request, user, seen, "plan", "plan.html", status, typed=typed, errors=errors or {},
                revisions=revisions, current=current, slots=shown, unseen=unseen,
                as_current=plan_views.shown_as_current(current, seen.place is Place.LEAD),
                bases=(plan_views.told_bases(current, seen.disclosures, cat, recipient=user.agency) if current
                       else plan_views.ToldBases()),
                # Who drew each revision up named as the reader's own view names the young person, if at all.
                young_person=views.young_person_label(seen.disclosures, in_sentence=True),
                areas=list(cat.plan_areas), agencies=_responsible_offered(seen, typed, shown, cat.agencies),
                guardians=[(g["guardian_id"], g["name"]) for g in views.guardians(seen.disclosures)]
                if seen.place is Place.LEAD else [])


def _responsible_offered(seen: Any, typed: Typed, slots: Any, agencies: Any) -> list[str]:
    """The agencies a row may name as responsible: the group's members (a row naming another is refused), in the
    catalogue's order; and one a row still names that has left the group, shown ticked, so that the caseworker sees
    it and takes it off (sent, the row is refused until then) — never dropped from a row unseen."""
    members = views.members(seen.disclosures) if seen.place is Place.LEAD else {}
    named = {a for i in slots for a in typed.getlist(f"rows.{i}.responsible_agencies")}
    return [a for a in agencies if a in members or a in named]


@router.get("/arenden/{case_id}/plan")
@guarded
def plan_page(request: Request, case_id: str) -> Response:
    return _plan(request, session.principal(request), case_uuid(case_id))


@router.post("/arenden/{case_id}/plan")
@guarded
def revise_plan(request: Request, case_id: str, typed: Form) -> Response:
    user, uuid = session.principal(request), case_uuid(case_id)
    return submit_rows(request, user, uuid, typed, "revise_plan", c.Plan, forms.plan, f"/arenden/{uuid}/plan",
                       lambda t, e, s: _plan(request, user, uuid, t, e, s))


# -- meetings ---------------------------------------------------------------------------------------------------


def _meetings(request: Request, user: Principal, case_id: UUID, typed: Typed | None = None,
              errors: dict[str, str] | None = None, status: int = 200, target: str = "meeting") -> Response:
    """The Möten page; ``target``: the form sent back with ``typed`` and its ``errors`` — the meeting's, or "plan"
    (Planera nästa möte), the other shown as new."""
    seen = look(request, user, case_id, "meetings")
    cat = service(request).catalogue
    sent, errors = typed, errors or {}
    planning = (sent or Typed(), errors) if target == "plan" else (Typed(), {})
    typed, errors = (None, {}) if target == "plan" else (typed, errors)
    if typed is not None and status == 422:   # the case's own date rules, with the form's other errors
        errors = case_date_checks.joined(errors, case_date_checks.meeting(
            typed, seen.disclosures, case_now(request, seen), seen.place is Place.LEAD), typed)
    slots = forms.slots(typed, "outcomes", 0, OUTCOME_ROWS)
    typed = typed or Typed.of({"held_on": today(request)})
    if seen.place is not Place.LEAD:
        # A member's outcomes are its own (the only origin offered): chosen for it, where an outcome typed without
        # choosing the one choice was refused ("Uppgiften kommer från: Fältet måste fyllas i.").
        typed = typed.with_defaults({f"outcomes.{i}.origin_agency": user.agency for i in slots})
    group = views.members(seen.disclosures)
    parts = _parts(seen)
    # ``typed`` and ``errors`` are the form sent's (the case's head says them when the form is gone): each form
    # takes its own.
    return show(request, user, seen, "moten", "meetings.html", status, typed=sent or typed,
                errors=planning[1] or errors, meeting_typed=typed, meeting_errors=errors, plan_typed=planning[0],
                plan_errors=planning[1], target=target,
                meetings=[views.meeting_card(m.parts, cat, among=seen.disclosures, recipient=user.agency)
                          for m in q.meetings(parts)],
                planned=views.planned_meeting(parts, cat, among=seen.disclosures, recipient=user.agency),
                meeting_kinds=[(kind, form_texts.as_choice(said))
                               for kind, said in form_texts.MEETING_KINDS.items()],
                group=group, slots=slots, origins=_origins_offered(seen, user, typed, slots, group, cat))


def _origins_offered(seen: Any, user: Principal, typed: Typed, slots: Any, group: Any, cat: Any) -> list[str]:
    """In whose name an outcome may be given: a member, its own only; social services, its own and the group's
    members', in the catalogue's order (it offered every agency, and one outside the group is refused).  Beside them
    an origin typed that is none of them (an agency that left since the page was shown, a form sent by hand) stays
    selected next to its refusal, so the caseworker sees which one it was: never blanked unseen."""
    if seen.place is not Place.LEAD:
        return [user.agency]
    named = {typed.get(f"outcomes.{i}.origin_agency") for i in slots}
    return [a for a in cat.agencies if a == cat.lead_agency or a in group or a in named]


def _parts(seen: Any) -> list[q.SeenFact]:
    return q.seen(seen.disclosures)


@router.get("/arenden/{case_id}/moten")
@guarded
def meetings_page(request: Request, case_id: str) -> Response:
    return _meetings(request, session.principal(request), case_uuid(case_id))


@router.post("/arenden/{case_id}/moten")
@guarded
def record_meeting(request: Request, case_id: str, typed: Form) -> Response:
    user, uuid = session.principal(request), case_uuid(case_id)
    return submit_rows(request, user, uuid, typed, "record_meeting", c.Meeting, forms.meeting,
                       f"/arenden/{uuid}/moten", lambda t, e, s: _meetings(request, user, uuid, t, e, s))


@router.post("/arenden/{case_id}/moten/nasta")
@guarded
def plan_next_meeting(request: Request, case_id: str, typed: Form) -> Response:
    user, uuid = session.principal(request), case_uuid(case_id)
    return submit(request, user, uuid, typed, "plan_next_meeting", c.NextMeeting, forms.next_meeting(typed),
                  f"/arenden/{uuid}/moten", lambda t, e, s: _meetings(request, user, uuid, t, e, s, target="plan"))


# -- follow-ups -------------------------------------------------------------------------------------------------


def _follow_ups(request: Request, user: Principal, case_id: UUID, typed: Typed | None = None,
                errors: dict[str, str] | None = None, status: int = 200) -> Response:
    seen = look(request, user, case_id, "follow_ups")
    cat = service(request).catalogue
    done = [d for d in seen.disclosures if d.fact.kind == "follow_up"]
    return show(request, user, seen, "uppfoljning", "follow_ups.html", status, typed=typed or Typed(),
                errors=errors or {}, rows=plan_views.followable_rows(seen.disclosures, user.agency,
                                                                 seen.place is Place.LEAD),
                done=views.timeline(done, cat, among=seen.disclosures, recipient=user.agency))


@router.get("/arenden/{case_id}/uppfoljning")
@guarded
def follow_ups_page(request: Request, case_id: str) -> Response:
    return _follow_ups(request, session.principal(request), case_uuid(case_id))


@router.post("/arenden/{case_id}/uppfoljning")
@guarded
def record_follow_up(request: Request, case_id: str, typed: Form) -> Response:
    user, uuid = session.principal(request), case_uuid(case_id)
    return submit(request, user, uuid, typed, "record_follow_up", c.FollowUp, forms.follow_up(typed),
                  f"/arenden/{uuid}/uppfoljning", lambda t, e, s: _follow_ups(request, user, uuid, t, e, s))


# -- an agency's contribution -----------------------------------------------------------------------------------


def _contribution(request: Request, user: Principal, case_id: UUID, typed: Typed | None = None,
                  errors: dict[str, str] | None = None, status: int = 200) -> Response:
    seen = look(request, user, case_id, "contributions")
    if seen.place not in (Place.MEMBER, Place.LEAD):   # social services too: what a law lets it tell the police
        raise Forbidden("contributions are recorded by social services and the member agencies")
    cat = service(request).catalogue
    own = q.own_contributions(_parts(seen))
    bases = [b for b in cat.legal_bases.values() if user.agency in b.senders]
    return show(request, user, seen, "uppgift", "contribution.html", status, typed=typed or Typed(),
                errors=errors or {}, own=views.timeline(own, cat, among=seen.disclosures, recipient=user.agency),
                legal_bases=bases)


@router.get("/arenden/{case_id}/uppgift")
@guarded
def contribution_page(request: Request, case_id: str) -> Response:
    return _contribution(request, session.principal(request), case_uuid(case_id))


@router.post("/arenden/{case_id}/uppgift")
@guarded
def record_contribution(request: Request, case_id: str, typed: Form) -> Response:
    user, uuid = session.principal(request), case_uuid(case_id)
    return submit(request, user, uuid, typed, "record_contribution", c.Contribution, forms.contribution(typed),
                  f"/arenden/{uuid}/uppgift", lambda t, e, s: _contribution(request, user, uuid, t, e, s))

