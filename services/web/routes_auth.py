"""Sign-in and sign-out.  Production: the organisation's OIDC provider; embedded mode also a development sign-in."""

from __future__ import annotations

import logging
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.access_entry import PurposeRefused
from services.authorisation import CASE_ROLES
from services.principals import Role
from services.web import error_texts, form_texts, oidc, session, texts
from services.web.case_pages import saved, service
from services.web.forms import Typed
from services.web.error_pages import NoSuchPage, error_page, guarded
from services.web.pages import case_uuid, form_of, redirect, render
from services.wording import swedish_number

log = logging.getLogger("sigill.web")
router = APIRouter(include_in_schema=False)
Form = Annotated[Typed, Depends(form_of)]
# Why a sign-in failed, as the user reads it, and the status of that page.
FAILURES = {"denied": 403, "state": 400, "refused": 400, "token": 400, "claims": 403, "unreachable": 503}


def home_of(role_names: frozenset[Role]) -> str:
    if Role.AUDITOR in role_names:
        return "/granskning"
    if Role.EVALUATOR in role_names and role_names.isdisjoint(CASE_ROLES):
        return "/statistik"   # an evaluator's one page
    return "/arenden"


@router.get("/")
@guarded
def home(request: Request) -> Response:
    # Not signed in, or the session's token has expired: ``guarded`` sends the browser to sign in.
    return redirect(home_of(session.principal(request).roles))


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page links: the icon is the SVG among the static files."""
    return RedirectResponse("/static/favicon.svg", status_code=301, headers={"Cache-Control": "public, max-age=86400"})


@router.get("/logga-in")
@guarded
def sign_in_page(request: Request) -> Response:
    """The sign-in page: the organisation's sign-in, and in embedded mode the development users."""
    return sign_in_form(request, Typed(), {})


def sign_in_form(request: Request, typed: Typed, errors: dict[str, str], status: int = 200) -> Response:
    """Both sign-ins where both are configured (development with an issuer); production only the issuer's."""
    state, query = request.app.state, request.query_params
    back = session.return_path(typed.get(session.BACK_FIELD) or query.get(session.BACK_FIELD))
    return render(request, "signin.html", status, users=form_texts.DEV_USER_CHOICES, typed=typed, errors=errors,
                  development=state.dev_tokens is not None, oidc=state.identity is not None, back=back,
                  back_query=urlencode({session.BACK_FIELD: back}) if back else "",
                  ended=error_texts.SESSION_ENDED.get(query.get(session.REASON_FIELD, "")))


@router.get("/logga-in/oidc")
@guarded
def start_oidc(request: Request) -> Response:
    """Send the browser to the provider, with a fresh state, nonce and PKCE challenge kept in a flow cookie."""
    identity = _identity(request)
    flow = oidc.Flow.new(back=session.return_path(request.query_params.get(session.BACK_FIELD)))
    try:
        url = identity.authorization_url(state=flow.state, nonce=flow.nonce, code_challenge=flow.challenge,
                                         redirect_uri=_callback(request))
    except oidc.SignInFailed as failure:
        return _failed(request, failure)
    response = redirect(url)
    oidc.remember(request, response, flow)
    return response


@router.get(oidc.CALLBACK)
@guarded
def oidc_callback(request: Request) -> Response:
    """The provider's answer: state checked, code redeemed, ID token verified, then the session."""
    identity, query, flow = _identity(request), request.query_params, oidc.pending(request)
    try:
        if flow is None or not flow.matches(query.get("state", "")):
            raise oidc.SignInFailed("state", "no pending sign-in with this state")
        if "error" in query:
            raise oidc.SignInFailed("denied", query.get("error", "")[:100])
        if not query.get("code"):
            raise oidc.SignInFailed("refused", "no code in the answer")
        signed_in = identity.redeem(code=query["code"], code_verifier=flow.verifier,
                                    redirect_uri=_callback(request), nonce=flow.nonce)
    except oidc.SignInFailed as failure:
        response = _failed(request, failure)
        oidc.forget(request, response)
        return response
    # A page, not a redirect: after the provider's cross-site redirect a SameSite=Strict cookie would not be
    # sent along a further redirect; the page's own navigation is same-site.
    response = render(request, "signed_in.html",
                      destination=session.return_path(flow.back) or home_of(signed_in.principal.roles))
    session.sign_in(request, response, signed_in.id_token, signed_in.refresh_token)
    oidc.forget(request, response)
    return response


@router.post("/logga-ut")
@guarded
def sign_out(request: Request, typed: Form) -> Response:
    """End the session here, and at the provider when it advertises an end-session endpoint."""
    session.check_csrf(request, typed)
    token, identity = session.token(request), request.app.state.identity
    destination = oidc.SIGNED_OUT   # "Du är utloggad.", with the development users too (it was the sign-in page)
    if identity is not None and token:
        destination = identity.end_session_url(id_token=token, post_logout_redirect_uri=_public(request)
                                               + oidc.SIGNED_OUT) or destination
    session.end(request)   # a copy of the cookie is no session from now on
    response = redirect(destination)
    session.sign_out(request, response)
    return response


@router.get(oidc.SIGNED_OUT)
@guarded
def signed_out(request: Request) -> Response:
    return render(request, "signed_out.html")


@router.post("/syfte")
@guarded
def set_purpose(request: Request, typed: Form) -> Response:
    """The purpose of the reads of one case that follow, kept for this browser session and sent to the access log
    with each (of that case only: it may name the young person, and must not reach another's access log)."""
    session.check_csrf(request, typed)
    back = typed.get("back", "/")
    back = back if back == "/" else session.return_path(back) or "/"
    # A case page says it was kept (it said nothing); an auditor's case page too, its query kept (a replay's
    # agency and moment: the page the purpose was stated on, read again under it).
    if (back.startswith("/arenden/") and "?" not in back) or back.startswith("/granskning/arenden/"):
        back = saved(back, "purpose" if (typed.get("purpose") or "").strip() else "purpose_cleared")
    # The form's case, edited by hand (malformed, unknown, not the user's), is no such case, as its pages say.
    case_id = case_uuid(typed.get("case", ""))
    service(request).check_in_case(session.principal(request), case_id)
    response = redirect(back)
    try:
        session.set_purpose(request, response, case_id, typed.get("purpose") or "")
    except PurposeRefused as refused:
        return error_page(request, 422, _purpose_refusal(refused), session.principal(request, renew=False))
    return response


def _purpose_refusal(refused: PurposeRefused) -> str:
    """What is wrong with the purpose typed, in Swedish: which rule, its length and where, never its words."""
    return texts.T[f"purpose_{refused.problem}"].format(length=swedish_number(refused.length), at=refused.at,
                                                        code_point=refused.code_point)


def _identity(request: Request) -> oidc.IdentityProvider:
    identity = request.app.state.identity
    if identity is None:
        raise NoSuchPage()
    return identity


def _public(request: Request) -> str:
    return (request.app.state.web_settings.public_url or str(request.base_url)).rstrip("/")


def _callback(request: Request) -> str:
    return oidc.redirect_uri(request, request.app.state.web_settings.public_url)


def _failed(request: Request, failure: oidc.SignInFailed) -> Response:
    # The reason (never a token) goes to the log; the user reads what happened and what to do.
    log.warning("web: OIDC sign-in failed: %s", failure)
    return error_page(request, FAILURES.get(failure.reason, 400), error_texts.SIGN_IN_FAILED[failure.reason],
                      back=("/logga-in", texts.T["sign_in_again"]), title=texts.T["sign_in_failed"])
