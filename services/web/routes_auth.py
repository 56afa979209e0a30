"""Sign-in and sign-out.  Embedded mode: pick a development user; production: the organisation's OIDC."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.principals import Role
from services.web import session, texts
from services.web.forms import Typed
from services.web.pages import form_of, guarded, redirect, render

router = APIRouter(include_in_schema=False)
Form = Annotated[Typed, Depends(form_of)]
USERS = {key: (label, agency, role, municipality) for key, label, agency, role, municipality in texts.DEV_USERS}


def home_of(role_names: frozenset[Role]) -> str:
    return "/granskning" if Role.AUDITOR in role_names else "/arenden"


@router.get("/")
@guarded
def home(request: Request) -> Response:
    try:
        user = session.principal(request)
    except Exception:  # noqa: BLE001 - not signed in (or an expired token): sign in
        return redirect("/logga-in")
    return redirect(home_of(user.roles))


@router.get("/logga-in")
@guarded
def sign_in_page(request: Request) -> Response:
    return _page(request, Typed(), {})


def _page(request: Request, typed: Typed, errors: dict[str, str], status: int = 200) -> Response:
    production = request.app.state.web_settings.is_production
    return render(request, "signin.html", status, users=USERS, production=production, typed=typed, errors=errors,
                  oidc=request.app.state.oidc)


@router.post("/logga-in")
@guarded
def sign_in(request: Request, typed: Form) -> Response:
    session.check_csrf(request, typed)
    tokens = request.app.state.dev_tokens
    choice = USERS.get(typed.get("user"))
    if tokens is None:
        return _page(request, typed, {"": texts.T["sign_in_oidc_missing"]}, 400)
    if choice is None:
        return _page(request, typed, {"user": "Välj en användare."}, 422)
    label, agency, role, municipality = choice
    name = typed.raw("name")[:200] or label
    token = tokens.issue(subject=f"dev-{typed.get('user')}", name=name, agency=agency, roles=[role],
                         municipality=municipality)
    response = redirect(home_of(frozenset({Role(role)})))
    session.sign_in(request, response, token)
    return response


@router.post("/logga-ut")
@guarded
def sign_out(request: Request, typed: Form) -> Response:
    session.check_csrf(request, typed)
    response = redirect("/logga-in")
    session.sign_out(response)
    return response


@router.post("/syfte")
@guarded
def set_purpose(request: Request, typed: Form) -> Response:
    """The purpose of the reads that follow, kept for this browser session and sent to the access log."""
    session.check_csrf(request, typed)
    back = typed.get("back", "/")
    response = redirect(back if back.startswith("/") and not back.startswith("//") else "/")
    session.set_purpose(request, response, typed.get("purpose"))
    return response
