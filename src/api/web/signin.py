"""Sign in with a pasted token, sign out, and the language switch."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from frispor.api.auth import AuthError
from frispor.api.services import Services
from frispor.api.web import i18n
from frispor.api.web.oidc import enabled
from frispor.api.web.render import refused, render, safe
from frispor.api.web.session import COOKIE, LANG_COOKIE, keep

router = APIRouter(include_in_schema=False)


@router.get("/")
def root() -> RedirectResponse:
    """The front page is the list of trials."""
    return RedirectResponse("/web/trials", status_code=303)


@router.get("/web/signin")
def signin_form(request: Request, next: str = "/web/trials") -> HTMLResponse:
    """Paste a token once; it is kept in an HttpOnly cookie, never in the page's storage."""
    pre = request.cookies.get("frispor_pre") or secrets.token_urlsafe(24)
    request.cookies["frispor_pre"] = pre  # the form's CSRF token is made from it
    oidc = enabled(request.app.state.services.settings)
    response = render(request, "signin.html", next=safe(next), error=None, oidc=oidc)
    keep(response, "frispor_pre", pre)
    return response


@router.post("/web/signin")
def signin(
    request: Request,
    token: str = Form(""),
    csrf: str = Form(""),
    next: str = Form("/web/trials"),
) -> Response:
    """Check the token as the API would and keep it in the session cookie."""
    if (refusal := refused(request, csrf)) is not None:
        return refusal
    services: Services = request.app.state.services
    try:
        services.auth.authenticate(f"Bearer {token.strip()}")
    except AuthError as error:
        oidc = enabled(services.settings)
        return render(request, "signin.html", 401, next=safe(next), error=str(error), oidc=oidc)
    response = RedirectResponse(safe(next), status_code=303)
    keep(response, COOKIE, token.strip())
    response.delete_cookie("frispor_pre", path="/")
    return response


@router.post("/web/signout")
def signout(request: Request, csrf: str = Form("")) -> Response:
    """End the session."""
    if (refusal := refused(request, csrf)) is not None:
        return refusal
    response = RedirectResponse("/web/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response


@router.get("/web/lang/{code}")
def switch_language(code: str, next: str = "/web/trials") -> Response:
    """Switch between Danish and English (kept in a cookie)."""
    response = RedirectResponse(safe(next), status_code=303)
    if code in i18n.LANGUAGES:
        keep(response, LANG_COOKIE, code, max_age=365 * 86400)
    return response
