"""Social services administers a case: eligibility, guardians, consents, the group, closure, protected personal
data."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from domain.calendar import local_date
from services.api import commands as c
from services.principals import Principal
from services.web import case_date_checks, consent_views, form_texts, forms, session, texts, views
from services.web.case_pages import (case_now, kept_when_away, look, require_lead, service, show, submit, submit_rows,
                                     today)
from services.web.forms import Typed
from services.web.error_pages import guarded
from services.web.pages import case_uuid, form_of, parsed_here

router = APIRouter(include_in_schema=False)
Form = Annotated[Typed, Depends(form_of)]


def _lead_page(request: Request, user: Principal, case_id: UUID, what: str, tab: str, template: str,
               typed: Typed | None, errors: dict[str, str], status: int, **values: Any) -> Response:
    seen = look(request, user, case_id, what, lead_only=True)
    require_lead(seen)
    return show(request, user, seen, tab, template, status, typed=typed or Typed(), errors=errors,
                now=case_now(request, seen), **values)


# -- eligibility ------------------------------------------------------------------------------------------------


def _eligibility(request: Request, user: Principal, case_id: UUID, typed: Typed | None = None,
                 errors: dict[str, str] | None = None, status: int = 200) -> Response:
    seen = look(request, user, case_id, "eligibility", lead_only=True)
    require_lead(seen)
    if typed is not None and status == 422:   # the case's own date rules, with the form's other errors
        errors = case_date_checks.joined(errors or {}, case_date_checks.eligibility(
            typed, seen.disclosures, case_now(request, seen)), typed)
    decided = [d.fact for d in seen.disclosures if d.fact.kind == "eligibility"]
    # The reason's label says whether it is required: it said "(valfritt)" to a caseworker deciding on a 13-year-old.
    outside = views.outside_target_group(seen.disclosures, local_date(case_now(request, seen)))
    return show(request, user, seen, "beslut", "eligibility.html", status,
                typed=typed or Typed.of({"decided_on": today(request)}), errors=errors or {},
                decided=decided[-1] if decided else None, outside=outside)


@router.get("/arenden/{case_id}/beslut")
@guarded
def eligibility_page(request: Request, case_id: str) -> Response:
    return _eligibility(request, session.principal(request), case_uuid(case_id))


@router.post("/arenden/{case_id}/beslut")
@guarded
def decide_eligibility(request: Request, case_id: str, typed: Form) -> Response:
    user, uuid = session.principal(request), case_uuid(case_id)
    return submit(request, user, uuid, typed, "decide_eligibility", c.Eligibility, forms.eligibility(typed),
                  f"/arenden/{uuid}", lambda t, e, s: _eligibility(request, user, uuid, t, e, s))


# -- guardians --------------------------------------------------------------------------------------------------

BLANK_GUARDIANS = 2   # blank rows a fresh form offers beside the recorded guardians ("Fler rader" adds more)


def _guardians(request: Request, user: Principal, case_id: UUID, typed: Typed | None = None,
               errors: dict[str, str] | None = None, status: int = 200) -> Response:
    seen = look(request, user, case_id, "guardians", lead_only=True)
    require_lead(seen)
    recorded = views.guardians(seen.disclosures)
    slots = forms.slots(typed, "guardians", len(recorded), BLANK_GUARDIANS)
    if typed is None:
        values: dict[str, Any] = {}
        for i, g in enumerate(recorded):
            values.update({f"guardians.{i}.guardian_id": g["guardian_id"], f"guardians.{i}.name": g["name"],
                           f"guardians.{i}.has_custody": "on" if g["has_custody"] else None})
        for i in range(len(recorded), len(recorded) + BLANK_GUARDIANS):
            values[f"guardians.{i}.has_custody"] = "on"
        typed = Typed.of(values)
    elif typed.get(forms.MORE) and slots:   # the row "Fler rader" adds is ticked, as a fresh form's blank rows are
        typed = typed.with_defaults({f"guardians.{slots[-1]}.has_custody": "on"})
    return show(request, user, seen, "vardnadshavare", "guardians.html", status, typed=typed, errors=errors or {},
                recorded=recorded, slots=slots,
                turned_18=consent_views.turned_18(seen.disclosures, case_now(request, seen)))


@router.get("/arenden/{case_id}/vardnadshavare")
@guarded
def guardians_page(request: Request, case_id: str) -> Response:
    return _guardians(request, session.principal(request), case_uuid(case_id))


@router.post("/arenden/{case_id}/vardnadshavare")
@guarded
def record_guardians(request: Request, case_id: str, typed: Form) -> Response:
    user, uuid = session.principal(request), case_uuid(case_id)
    return submit_rows(request, user, uuid, typed, "record_guardians", c.Guardians, forms.guardians,
                       f"/arenden/{uuid}/samtycken", lambda t, e, s: _guardians(request, user, uuid, t, e, s))


# -- consents ---------------------------------------------------------------------------------------------------

SAME_AS = "samma_som"   # ?samma_som=<a consent's short id>: the grant form filled from that consent


NARROWING, WITHDRAWAL = "narrowing", "withdrawal"   # a consent's two forms, as one comes back refused


def _consents(request: Request, user: Principal, case_id: UUID, typed: Typed | None = None,
              errors: dict[str, str] | None = None, status: int = 200, target: str = "grant",
              which: str = "") -> Response:
    """The consent picture, the consents given, and the forms; ``target`` is the form that was refused: "grant",
    or a consent's id with ``which`` of its forms (NARROWING or WITHDRAWAL)."""
    seen = look(request, user, case_id, "consents", lead_only=True)
    require_lead(seen)
    now = case_now(request, seen)
    cat = service(request).catalogue
    picture, consents = consent_views.picture(seen.disclosures, cat, now), consent_views.consents(seen.disclosures, now)
    narrowed = next((r.record for r in consents if r.record.consent_id == target), None) if which == NARROWING \
        else None
    if narrowed is not None and typed is not None:
        errors = consent_views.narrowing_errors(narrowed, typed, errors or {})
    # No form preselected: saved untouched, it recorded a written consent that may have been oral.
    fresh = {"valid_from": today(request), "purpose": "Samverkan i social insatsgrupp"}
    # "Nytt samtycke med samma omfattning": a link, no script; only the page shown, never what is sent (the form's
    # action has no query, so its key and content are as any other's).
    copied_from = request.query_params.get(SAME_AS, "") if typed is None else ""
    same = consent_views.same_scope(consents, copied_from, cat.agencies, cat.categories,
                            date.fromisoformat(fresh["valid_from"])) if copied_from else None
    return show(request, user, seen, "samtycken", "consents.html", status,
                typed=typed if target == "grant" and typed else Typed.of({**fresh, **(same or {})}),
                errors=errors or {}, target=target, which=which, same_as=SAME_AS,
                copied_from=copied_from if same else "", refused=typed if target != "grant" else None,
                narrowing_change=consent_views.narrowing_change(narrowed, typed) if narrowed and typed else None,
                picture=picture, consents=consents, idle=consent_views.idle(picture, consents),
                consenters=consent_views.consenters_now(seen.disclosures, now),
                # Social services too: the members' contributions reach it only by consent (DOMAIN.md), like anyone's.
                recipients=list(cat.agencies),
                # Those no secrecy binds (a voluntary organisation): the consent form says so where they are chosen.
                unbound=[a.id for a in cat.agencies.values() if not a.bound_by_secrecy],
                custody_added=_custody_added(request, seen, cat, now),
                turned_18=consent_views.turned_18(seen.disclosures, now))


def _custody_added(request: Request, seen: Any, cat: Any, now: Any) -> bool:
    """Guardians just saved (the page a save led to) whose custody stopped a disclosure under consent."""
    return (request.query_params.get("sparat") == "record_guardians"
            and consent_views.custody_stopped_sharing(seen.disclosures, cat, now))


@router.get("/arenden/{case_id}/samtycken")
@guarded
def consents_page(request: Request, case_id: str) -> Response:
    return _consents(request, session.principal(request), case_uuid(case_id))


@router.post("/arenden/{case_id}/samtycken")
@guarded
def grant_consent(request: Request, case_id: str, typed: Form) -> Response:
    user, uuid = session.principal(request), case_uuid(case_id)
    return submit(request, user, uuid, typed, "grant_consent", c.Consent, forms.consent(typed),
                  f"/arenden/{uuid}/samtycken", lambda t, e, s: _consents(request, user, uuid, t, e, s))


@router.post("/arenden/{case_id}/samtycken/{consent_id}/begransning")
@guarded
def narrow_consent(request: Request, case_id: str, consent_id: str, typed: Form) -> Response:
    user, uuid = session.principal(request), case_uuid(case_id)
    return submit(request, user, uuid, typed, "narrow_consent", c.Narrowing, forms.narrowing(typed),
                  f"/arenden/{uuid}/samtycken",
                  lambda t, e, s: _consents(request, user, uuid, t, e, s, target=consent_id[:100], which=NARROWING),
                  consent_id=consent_id[:100])


@router.post("/arenden/{case_id}/samtycken/{consent_id}/aterkallelse")
@guarded
def withdraw_consent(request: Request, case_id: str, consent_id: str, typed: Form) -> Response:
    """Recorded only when the caseworker has ticked that it was withdrawn: it was one red click.  (The API's
    withdrawal carries the consenter only: no date or form of the withdrawal to ask for.)"""
    user, uuid = session.principal(request), case_uuid(case_id)
    if typed.get("confirm") != "on":
        session.check_csrf(request, typed)
        return kept_when_away(request, typed, lambda: _consents(request, user, uuid, typed, {
            "confirm": texts.T["consent_withdraw_unconfirmed"]}, 422, target=consent_id[:100], which=WITHDRAWAL))
    return submit(request, user, uuid, typed, "withdraw_consent", c.Withdrawal, forms.withdrawal(typed),
                  f"/arenden/{uuid}/samtycken",
                  lambda t, e, s: _consents(request, user, uuid, t, e, s, target=consent_id[:100], which=WITHDRAWAL),
                  consent_id=consent_id[:100])


# -- the group --------------------------------------------------------------------------------------------------


def _group(request: Request, user: Principal, case_id: UUID, typed: Typed | None = None,
           errors: dict[str, str] | None = None, status: int = 200, target: str = "add") -> Response:
    cat = service(request).catalogue
    return _lead_page(request, user, case_id, "group", "grupp", "group.html", typed if target == "add" else None,
                      errors or {}, status, target=target, refused=typed if target != "add" else None,
                      agencies=[a for a in cat.agencies if a != cat.lead_agency])


@router.get("/arenden/{case_id}/grupp")
@guarded
def group_page(request: Request, case_id: str) -> Response:
    return _group(request, session.principal(request), case_uuid(case_id))


@router.post("/arenden/{case_id}/grupp")
@guarded
def add_member(request: Request, case_id: str, typed: Form) -> Response:
    user, uuid = session.principal(request), case_uuid(case_id)
    return submit(request, user, uuid, typed, "add_member", c.Member, forms.member(typed),
                  f"/arenden/{uuid}/grupp", lambda t, e, s: _group(request, user, uuid, t, e, s))


@router.post("/arenden/{case_id}/grupp/{agency}/avgang")
@guarded
def remove_member(request: Request, case_id: str, agency: str, typed: Form) -> Response:
    user, uuid = session.principal(request), case_uuid(case_id)
    return submit(request, user, uuid, typed, "remove_member", c.Departure, forms.departure(typed),
                  f"/arenden/{uuid}/grupp",
                  lambda t, e, s: _group(request, user, uuid, t, e, s, target=agency[:100]), agency=agency[:100])


# -- closure ----------------------------------------------------------------------------------------------------


def _closure(request: Request, user: Principal, case_id: UUID, typed: Typed | None = None,
             errors: dict[str, str] | None = None, status: int = 200) -> Response:
    seen = look(request, user, case_id, "closure", lead_only=True)
    require_lead(seen)
    typed = typed or Typed()
    return show(request, user, seen, "avslut", "closure.html", status, typed=typed, errors=errors or {},
                now=case_now(request, seen), reasons=views.closure_reasons(seen.disclosures, typed.get("reason")),
                closed=views.closure(seen.disclosures))


@router.get("/arenden/{case_id}/avslut")
@guarded
def closure_page(request: Request, case_id: str) -> Response:
    return _closure(request, session.principal(request), case_uuid(case_id))


@router.post("/arenden/{case_id}/avslut")
@guarded
def close_case(request: Request, case_id: str, typed: Form) -> Response:
    # Parsed before the session is checked: one ended gives back what was written, the reason chosen left out.
    parsed = parsed_here(request, forms.closure(typed))
    user, uuid = session.principal(request), case_uuid(case_id)
    return submit(request, user, uuid, typed, "close_case", c.Closure, parsed, f"/arenden/{uuid}",
                  lambda t, e, s: _closure(request, user, uuid, t, e, s))


# -- protected personal data ------------------------------------------------------------------------------------


def _protection(request: Request, user: Principal, case_id: UUID, typed: Typed | None = None,
                errors: dict[str, str] | None = None, status: int = 200) -> Response:
    seen = look(request, user, case_id, "protection", lead_only=True)
    require_lead(seen)
    typed = (typed or Typed()).with_defaults({"since": today(request)})
    # Choices begin with a capital, as every other select's; the kinds stay lower-case inside a sentence (the banner).
    kinds = [*((kind, said[:1].upper() + said[1:]) for kind, said in form_texts.PROTECTION_KINDS.items()),
             (forms.NOT_PROTECTED, texts.T["protection_status_none"])]
    return show(request, user, seen, "skydd", "protection.html", status, typed=typed, errors=errors or {},
                now=case_now(request, seen), kinds=kinds)


@router.get("/arenden/{case_id}/skydd")
@guarded
def protection_page(request: Request, case_id: str) -> Response:
    return _protection(request, session.principal(request), case_uuid(case_id))


@router.post("/arenden/{case_id}/skydd")
@guarded
def record_protection(request: Request, case_id: str, typed: Form) -> Response:
    user, uuid = session.principal(request), case_uuid(case_id)
    return submit(request, user, uuid, typed, "record_protection", c.Protection, forms.protection(typed),
                  f"/arenden/{uuid}/skydd", lambda t, e, s: _protection(request, user, uuid, t, e, s))
