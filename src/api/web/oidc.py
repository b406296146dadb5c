"""Sign-in with OpenID Connect: authorization code with PKCE, tokens checked as the API checks them.

Enabled when FRISPOR_OIDC_AUTHORIZE_URL, FRISPOR_OIDC_TOKEN_URL, FRISPOR_OIDC_CLIENT_ID and
FRISPOR_JWKS are set. The token the provider returns (its ID token) becomes the session's token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from html import escape
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from frispor.api.auth import AuthError
from frispor.api.services import Services
from frispor.api.web.render import safe
from frispor.api.web.session import COOKIE, keep
from frispor.settings import Settings

router = APIRouter(include_in_schema=False)
FLOW = "frispor_oidc"
CALLBACK = "/web/signin/oidc/callback"


def enabled(settings: Settings) -> bool:
    """Whether OpenID Connect sign-in is configured."""
    return bool(
        settings.oidc_authorize_url
        and settings.oidc_token_url
        and settings.oidc_client_id
        and settings.jwks
    )


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _redirect_uri(request: Request) -> str:
    return str(request.base_url).rstrip("/") + CALLBACK


@router.get("/web/signin/oidc")
def start(request: Request, next: str = "/web/trials") -> Response:
    """Send the browser to the identity provider with a fresh state and PKCE challenge."""
    settings: Settings = request.app.state.services.settings
    if not enabled(settings):
        return HTMLResponse("OpenID Connect is not configured", status_code=404)
    state, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.oidc_client_id,
            "redirect_uri": _redirect_uri(request),
            "scope": "openid",
            "state": state,
            "code_challenge": _challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    response = RedirectResponse(f"{settings.oidc_authorize_url}?{query}", status_code=303)
    # Lax, not Strict: it must come back with the provider's redirect, a cross-site navigation.
    response.set_cookie(
        FLOW,
        f"{state}.{verifier}.{safe(next)}",
        max_age=600,
        path="/web/signin",
        httponly=True,
        secure=True,
        samesite="lax",
    )
    return response


def _exchange(settings: Settings, code: str, verifier: str, redirect_uri: str) -> str:
    """The provider's ID token for the code (PKCE: the verifier proves this flow started here)."""
    assert settings.oidc_token_url is not None and settings.oidc_client_id is not None
    body = urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": settings.oidc_client_id,
            "code_verifier": verifier,
        }
    ).encode()
    request = urllib.request.Request(
        settings.oidc_token_url,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            tokens = json.loads(answer.read())
    except urllib.error.HTTPError as error:
        error.close()  # it holds the connection open
        raise AuthError(f"the identity provider refused the code: {error.code}") from None
    except (urllib.error.URLError, ValueError) as error:
        raise AuthError(f"the identity provider could not be asked: {error}") from None
    token = tokens.get("id_token") or tokens.get("access_token")
    if not isinstance(token, str):
        raise AuthError("the identity provider returned no token")
    return token


@router.get(CALLBACK)
def callback(request: Request, code: str = "", state: str = "") -> Response:
    """Check the state, trade the code for a token, check it as the API would, keep it."""
    services: Services = request.app.state.services
    flow = request.cookies.get(FLOW, "")
    parts = flow.split(".", 2)
    if len(parts) != 3 or not state or not hmac.compare_digest(parts[0], state) or not code:
        return HTMLResponse("sign-in state does not match; start again", status_code=403)
    _, verifier, target = parts
    try:
        token = _exchange(services.settings, code, verifier, _redirect_uri(request))
        services.auth.authenticate(f"Bearer {token}")
    except AuthError as error:
        return HTMLResponse(f"sign-in refused: {escape(str(error))}", status_code=401)
    # A page, not a redirect: the Strict session cookie is sent only once the browser navigates
    # from this site itself, not along the provider's cross-site redirect chain.
    page = (
        f'<!doctype html><html lang="da"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0;url={escape(safe(target))}"><title>frispor</title>'
        f'</head><body><a href="{escape(safe(target))}">Videre</a></body></html>'
    )
    response = HTMLResponse(page)
    keep(response, COOKIE, token)
    response.delete_cookie(FLOW, path="/web/signin")
    return response
