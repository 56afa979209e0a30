"""The development sign-in (embedded mode only): pick a user, get a development token.  Absent in production."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.principals import Role
from services.web import form_texts, session
from services.web.forms import Typed
from services.web.error_pages import guarded
from services.web.pages import form_of, redirect
from services.web.routes_auth import home_of, sign_in_form

router = APIRouter(include_in_schema=False)
Form = Annotated[Typed, Depends(form_of)]
PATH = "/logga-in/utveckling"
USERS = {key: (label, agency, role, municipality) for key, label, agency, role, municipality in form_texts.DEV_USERS}


@router.get(PATH)
@guarded
def dev_sign_in_page(request: Request) -> Response:
    return sign_in_form(request, Typed(), {})


@router.post(PATH)
@guarded
def dev_sign_in(request: Request, typed: Form) -> Response:
    """Sign in as the chosen development user (a token signed with the data directory's development key)."""
    session.check_csrf(request, typed)
    choice = USERS.get(typed.get("user"))
    if choice is None:
        return sign_in_form(request, typed, {"user": "Välj en användare."}, 422)
    label, agency, role, municipality = choice
    name = typed.raw("name")[:200] or label
    token = request.app.state.dev_tokens.issue(subject=f"dev-{typed.get('user')}", name=name, agency=agency,
                                               roles=[role], municipality=municipality)
    back = session.return_path(typed.get(session.BACK_FIELD))
    response = redirect(back or home_of(frozenset({Role(role)})))
    session.sign_in(request, response, token)
    return response
