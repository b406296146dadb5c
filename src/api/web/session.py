"""Sign-in for the web view: the bearer token in an HttpOnly cookie, CSRF tokens for forms."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request
from fastapi.responses import Response

from frispor.api.auth import AuthError, Principal
from frispor.api.services import Services

COOKIE = "frispor_session"
LANG_COOKIE = "frispor_lang"


class SignInNeeded(Exception):
    """No session, or its token no longer valid: the page sends the browser to sign in."""


def token_of(request: Request) -> str | None:
    """The bearer token the session cookie holds, if any."""
    return request.cookies.get(COOKIE) or None


def principal_of(request: Request, services: Services) -> Principal:
    """The signed-in caller, authenticated exactly as the API does with the same token."""
    token = token_of(request)
    if token is None:
        raise SignInNeeded
    try:
        return services.auth.authenticate(f"Bearer {token}")
    except AuthError:
        raise SignInNeeded from None


def csrf_token(request: Request) -> str:
    """The form token of this session: an HMAC of its bearer token, so nothing is stored."""
    token = token_of(request) or request.cookies.get("frispor_pre", "")
    return hmac.new(token.encode(), b"frispor-csrf", hashlib.sha256).hexdigest()


def csrf_ok(request: Request, given: str | None) -> bool:
    """Whether a form's CSRF token belongs to this session."""
    return bool(given) and hmac.compare_digest(csrf_token(request), given or "")


def keep(response: Response, name: str, value: str, max_age: int | None = None) -> None:
    """Set a cookie the way every cookie of the web view is set: HttpOnly, Secure, Strict."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=True,
        samesite="strict",
    )
