"""How a page is made: templates, words and times, the session's caller, refusals as pages."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from frispor.api.auth import AuthError, ForbiddenError
from frispor.api.errors import ApiError
from frispor.api.services import Services
from frispor.api.web import i18n
from frispor.api.web.calls import Api
from frispor.api.web.session import (
    LANG_COOKIE,
    SignInNeeded,
    csrf_ok,
    csrf_token,
    keep,
    principal_of,
)
from frispor.domain.errors import DomainError

HERE = Path(__file__).parent
templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape())
templates.filters["day"] = i18n.day
templates.filters["moment"] = i18n.moment
templates.filters["pretty"] = lambda value: json.dumps(value, ensure_ascii=False, indent=2)


class BadInput(Exception):
    """A query parameter a person typed that cannot be read (shown on the page, 422)."""


def lang_of(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "da"
    return chosen if chosen in i18n.LANGUAGES else "da"


def day_param(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"as_of: {text!r}") from None


def moment_param(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace(" ", "+"))
    except ValueError:
        raise BadInput(f"known_at: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=i18n.COPENHAGEN)


def _utc_text(text: str | None) -> str:
    """A known-at moment in the read models' form (UTC, microseconds), "" if none or unreadable."""
    try:
        moment = moment_param(text)
    except BadInput:
        return ""
    return moment.astimezone(UTC).isoformat(timespec="microseconds") if moment else ""


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page from its template, with the words, the session's CSRF token and the times."""
    lang = lang_of(request)

    def here(**changes: Any) -> str:
        params = {**request.query_params, **{k: v for k, v in changes.items()}}
        kept = {k: v for k, v in params.items() if v not in (None, "")}
        return request.url.path + ("?" + urlencode(kept) if kept else "")

    def at(path: str, **params: Any) -> str:
        """A link to another page at the same times (as of, known at), with these parameters."""
        times = {k: request.query_params.get(k) for k in ("as_of", "known_at")}
        kept = {k: v for k, v in {**times, **params}.items() if v not in (None, "")}
        return path + ("?" + urlencode(kept) if kept else "")

    html = templates.get_template(name).render(
        request=request,
        lang=lang,
        t=lambda key: i18n.label(key, lang),
        day=lambda v, long=False: i18n.day(v, lang, long),
        csrf=csrf_token(request),
        here=here,
        at=at,
        reference=i18n.reference,
        path_quoted=quote(
            str(request.url.path) + ("?" + request.url.query if request.url.query else "")
        ),
        as_of=request.query_params.get("as_of", ""),
        known_at=request.query_params.get("known_at", "").replace(" ", "+"),
        known_utc=_utc_text(request.query_params.get("known_at")),
        host=str(request.base_url).rstrip("/"),  # the commands a page shows name this server
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    if request.query_params.get("lang") in i18n.LANGUAGES:
        keep(response, LANG_COOKIE, request.query_params["lang"], max_age=365 * 86400)
    return response


def show(request: Request, api: Api, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page for the signed-in caller (named in its header)."""
    return render(request, name, status, principal=api.principal, **context)


def refused(request: Request, csrf: str) -> HTMLResponse | None:
    """The 403 page for a form posted without this session's CSRF token, else None."""
    if csrf_ok(request, csrf):
        return None
    return render(request, "error.html", 403, title="403", message="CSRF")


def page(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the API's refusals into pages: sign in, not allowed, not found, bad input."""

    @wraps(handler)
    def run(request: Request, *args: Any, **kwargs: Any) -> Any:
        try:
            return handler(request, *args, **kwargs)
        except SignInNeeded:
            target = quote(
                request.url.path + ("?" + request.url.query if request.url.query else "")
            )
            return RedirectResponse(f"/web/signin?next={target}", status_code=303)
        except AuthError:
            return RedirectResponse("/web/signin", status_code=303)
        except ForbiddenError as error:
            return render(request, "error.html", 403, title="403", message=str(error))
        except DomainError as error:
            return render(request, "error.html", 404, title="404", message=error.message)
        except ApiError as error:
            return render(
                request, "error.html", error.status, title=str(error.status), message=error.detail
            )
        except BadInput as error:
            return render(request, "error.html", 422, title="422", message=str(error))

    return run


def api_of(request: Request) -> Api:
    services: Services = request.app.state.services
    return Api(request, services, principal_of(request, services))


def safe(target: str) -> str:
    """Only paths of this site are followed after sign-in (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") else "/web/trials"
