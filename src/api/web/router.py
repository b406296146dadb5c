"""The web view's pages: server-rendered, each URL bookmarkable with its filters and times."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from frispor.api.auth import AuthError, ForbiddenError
from frispor.api.errors import ApiError
from frispor.api.services import Services
from frispor.api.web import i18n
from frispor.api.web.calls import Api
from frispor.api.web.oidc import enabled
from frispor.api.web.session import (
    COOKIE,
    LANG_COOKIE,
    SignInNeeded,
    csrf_ok,
    csrf_token,
    keep,
    principal_of,
)
from frispor.api.web.trial_view import changes, trial_page
from frispor.domain.errors import DomainError
from frispor.projections import pages

HERE = Path(__file__).parent
templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape())
templates.filters["day"] = i18n.day
templates.filters["moment"] = i18n.moment
router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25


class BadInput(Exception):
    """A query parameter a person typed that cannot be read (shown on the page, 422)."""


def _lang(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "da"
    return chosen if chosen in i18n.LANGUAGES else "da"


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"as_of: {text!r}") from None


def _moment(text: str | None) -> datetime | None:
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
        moment = _moment(text)
    except BadInput:
        return ""
    return moment.astimezone(UTC).isoformat(timespec="microseconds") if moment else ""


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page from its template, with the words, the session's CSRF token and the times."""
    lang = _lang(request)

    def here(**changes: Any) -> str:
        params = {**request.query_params, **{k: v for k, v in changes.items()}}
        kept = {k: v for k, v in params.items() if v not in (None, "")}
        return request.url.path + ("?" + urlencode(kept) if kept else "")

    html = templates.get_template(name).render(
        request=request,
        lang=lang,
        t=lambda key: i18n.label(key, lang),
        day=lambda v, long=False: i18n.day(v, lang, long),
        csrf=csrf_token(request),
        here=here,
        reference=i18n.reference,
        path_quoted=quote(
            str(request.url.path) + ("?" + request.url.query if request.url.query else "")
        ),
        as_of=request.query_params.get("as_of", ""),
        known_at=request.query_params.get("known_at", "").replace(" ", "+"),
        known_utc=_utc_text(request.query_params.get("known_at")),
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    if request.query_params.get("lang") in i18n.LANGUAGES:
        keep(response, LANG_COOKIE, request.query_params["lang"], max_age=365 * 86400)
    return response


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


def _api(request: Request) -> Api:
    services: Services = request.app.state.services
    return Api(request, services, principal_of(request, services))


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
    response = render(request, "signin.html", next=_safe(next), error=None, oidc=oidc)
    keep(response, "frispor_pre", pre)
    return response


def _safe(target: str) -> str:
    """Only paths of this site are followed after sign-in (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") else "/web/trials"


@router.post("/web/signin")
def signin(
    request: Request,
    token: str = Form(""),
    csrf: str = Form(""),
    next: str = Form("/web/trials"),
) -> Response:
    """Check the token as the API would and keep it in the session cookie."""
    if not csrf_ok(request, csrf):
        return render(request, "error.html", 403, title="403", message="CSRF")
    services: Services = request.app.state.services
    try:
        services.auth.authenticate(f"Bearer {token.strip()}")
    except AuthError as error:
        oidc = enabled(services.settings)
        return render(request, "signin.html", 401, next=_safe(next), error=str(error), oidc=oidc)
    response = RedirectResponse(_safe(next), status_code=303)
    keep(response, COOKIE, token.strip())
    response.delete_cookie("frispor_pre", path="/")
    return response


@router.post("/web/signout")
def signout(request: Request, csrf: str = Form("")) -> Response:
    """End the session."""
    if not csrf_ok(request, csrf):
        return render(request, "error.html", 403, title="403", message="CSRF")
    response = RedirectResponse("/web/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response


@router.get("/web/trials")
@page
def trials_page(request: Request) -> HTMLResponse:
    """Every trial the caller may see, filtered, searched and paged."""
    api, p = _api(request), request.query_params
    items = api.trials(_day(p.get("as_of")), _moment(p.get("known_at")))
    choices = {
        k: sorted({str(t[k]) for t in items}) for k in ("programme_id", "network_id", "area")
    }
    choices["municipality"] = sorted({m for t in items for m in t["data"]["municipalities"]})
    query = (p.get("q") or "").strip().lower()
    shown = [
        t
        for t in items
        if (not query or query in t["data"]["title"].lower())
        and all(
            not p.get(k) or str(t[k]) == p.get(k) for k in ("programme_id", "network_id", "area")
        )
        and (not p.get("municipality") or p["municipality"] in t["data"]["municipalities"])
        and (not p.get("state") or t["phase"] == p["state"] or t["status"] == p["state"])
    ]
    number = max(int(p["page"]) if (p.get("page") or "").isdigit() else 1, 1)
    chunk = shown[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    more = len(shown) > number * PAGE_SIZE
    return render(
        request,
        "trials.html",
        items=chunk,
        total=len(shown),
        number=number,
        more=more,
        choices=choices,
        principal=api.principal,
    )


@router.get("/web/trials/{trial_id}")
@page
def trial_view(request: Request, trial_id: UUID) -> HTMLResponse:
    """One trial: period, legal basis, who takes part, a timeline and a chart per goal."""
    api, p = _api(request), request.query_params
    data = trial_page(
        api, trial_id, _day(p.get("as_of")), _moment(p.get("known_at")), _lang(request)
    )
    return render(request, "trial.html", principal=api.principal, **data)


@router.get("/web/trials/{trial_id}/changes")
@page
def changes_view(request: Request, trial_id: UUID) -> HTMLResponse:
    """What the record of a trial said differently at two moments, with the events responsible."""
    api, p = _api(request), request.query_params
    moments = pages.moments(api.services.read, str(trial_id))
    if not moments:
        raise BadInput("no moments")
    earlier = _moment(p.get("from")) or datetime.fromisoformat(moments[0])
    later = _moment(p.get("to")) or datetime.fromisoformat(moments[-1])
    earlier, later = min(earlier, later), max(earlier, later)
    as_of, lang = _day(p.get("as_of")), _lang(request)
    after = trial_page(api, trial_id, as_of, later, lang, charts=False)
    try:
        before = trial_page(api, trial_id, as_of, earlier, lang, charts=False)
    except DomainError:
        before = {
            "trial": {**after["trial"], "institutions": [], "exemptions": []},
            "goals": [],
            "inspections": [],
            "orders": [],
        }
    rows = changes(before, after)

    def iso(m: datetime) -> str:
        return m.astimezone(UTC).isoformat(timespec="microseconds")

    positions = pages.positions_between(api.services.read, str(trial_id), iso(earlier), iso(later))
    return render(
        request,
        "changes.html",
        trial=after["trial"],
        rows=rows,
        positions=positions,
        earlier=earlier,
        later=later,
        moments=moments,
        principal=api.principal,
    )


@router.get("/web/findings")
@page
def findings_page(request: Request) -> HTMLResponse:
    """The legal-certainty review for the caller's scope, by severity and kind."""
    api, p = _api(request), request.query_params
    items = api.review(_day(p.get("as_of")), _moment(p.get("known_at")))
    kinds = sorted({f["code"] for f in items})
    shown = [
        f
        for f in items
        if (not p.get("severity") or f["severity"] == p["severity"])
        and (not p.get("kind") or f["code"] == p["kind"])
        and (not p.get("trial") or f["trial_id"] == p["trial"])
    ]
    titles = {t["aggregate_id"]: t["data"]["title"] for t in api.trials(None, None)}
    return render(
        request, "findings.html", items=shown, kinds=kinds, titles=titles, principal=api.principal
    )


@router.get("/web/events/{position}")
@page
def event_view(request: Request, position: int) -> HTMLResponse:
    """One event: envelope, payload, its correction, and its inclusion proof, verified."""
    api = _api(request)
    event = api.event(position)
    if event is None:
        return render(request, "error.html", 404, title="404", message=f"position {position}")
    history = api.history(UUID(event["aggregate_id"]))
    fixes = [
        h
        for h in history
        if h["type"].endswith("Corrected")
        and h["facts"].get("corrected_version") == event["aggregate_version"]
    ]
    from frispor.api.web.proof import proof_of

    proof = proof_of(api, position)
    return render(
        request,
        "event.html",
        event=event,
        fixes=fixes,
        proof=proof,
        principal=api.principal,
        host=str(request.base_url).rstrip("/"),
    )


@router.get("/web/exports")
@page
def exports_page(request: Request) -> HTMLResponse:
    """Make an export for one's area and period, download it, and how to verify it."""
    api = _api(request)
    from frispor.api.web.proof import exports_of

    return render(
        request,
        "exports.html",
        made=None,
        exports=exports_of(api),
        principal=api.principal,
        host=str(request.base_url).rstrip("/"),
    )


@router.post("/web/exports")
@page
def make_export(
    request: Request,
    csrf: str = Form(""),
    area: str = Form(""),
    start: str = Form(""),
    end: str = Form(""),
) -> Response:
    """Cut a signed export through the API's own route (the export is audited there)."""
    if not csrf_ok(request, csrf):
        return render(request, "error.html", 403, title="403", message="CSRF")
    api = _api(request)
    made = api.export(area or None, _day(start), _day(end))
    from frispor.api.web.proof import exports_of

    return render(
        request,
        "exports.html",
        201,
        made=made,
        exports=exports_of(api),
        principal=api.principal,
        host=str(request.base_url).rstrip("/"),
    )


@router.get("/web/exports/{export_id}/download")
@page
def download(request: Request, export_id: int) -> Response:
    """The export bag as .tar.gz, through the API's own route."""
    return _api(request).download(export_id)


@router.get("/web/lang/{code}")
def switch_language(code: str, next: str = "/web/trials") -> Response:
    """Switch between Danish and English (kept in a cookie)."""
    response = RedirectResponse(_safe(next), status_code=303)
    if code in i18n.LANGUAGES:
        keep(response, LANG_COOKIE, code, max_age=365 * 86400)
    return response


def today() -> date:
    """Today in Copenhagen."""
    return datetime.now(i18n.COPENHAGEN).date()
