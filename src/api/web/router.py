"""The web view's pages: server-rendered, each URL bookmarkable with its filters and times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, get_args
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from frispor.api.web.proof import proof_of
from frispor.api.web.render import (
    BadInput,
    api_of,
    day_param,
    lang_of,
    moment_param,
    page,
    refused,
    render,
    show,
)
from frispor.api.web.trial_view import changes, trial_page
from frispor.domain.errors import DomainError
from frispor.projections import pages
from frispor.projections.audit.finding import FindingKind, Severity

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
SEVERITIES, KINDS = get_args(Severity), get_args(FindingKind)


@router.get("/web/trials")
@page
def trials_page(request: Request) -> HTMLResponse:
    """The trials the caller may see, filtered and searched in the database, a page at a time."""
    api, p = api_of(request), request.query_params
    chosen = pages.TrialFilter(
        query=(p.get("q") or "").strip(),
        programme_id=p.get("programme_id") or "",
        network_id=p.get("network_id") or "",
        municipality=p.get("municipality") or "",
        state=p.get("state") or "",
    )
    number = max(int(p["page"]) if (p.get("page") or "").isdigit() else 1, 1)
    items, total, choices = api.trials(
        day_param(p.get("as_of")),
        moment_param(p.get("known_at")),
        chosen,
        p.get("area") or "",
        (number - 1) * PAGE_SIZE,
        PAGE_SIZE,
    )
    return show(
        request,
        api,
        "trials.html",
        items=items,
        total=total,
        number=number,
        more=total > number * PAGE_SIZE,
        choices=choices,
    )


@router.get("/web/trials/{trial_id}")
@page
def trial_view(request: Request, trial_id: UUID) -> HTMLResponse:
    """One trial: period, legal basis, who takes part, a timeline and a chart per goal."""
    api, p = api_of(request), request.query_params
    data = trial_page(
        api, trial_id, day_param(p.get("as_of")), moment_param(p.get("known_at")), lang_of(request)
    )
    return show(request, api, "trial.html", **data)


@router.get("/web/trials/{trial_id}/changes")
@page
def changes_view(request: Request, trial_id: UUID) -> HTMLResponse:
    """What the record of a trial said differently at two moments, with the events responsible."""
    api, p = api_of(request), request.query_params
    moments = pages.moments(api.services.read, str(trial_id))
    if not moments:
        raise BadInput("no moments")
    earlier = moment_param(p.get("from")) or datetime.fromisoformat(moments[0])
    later = moment_param(p.get("to")) or datetime.fromisoformat(moments[-1])
    earlier, later = min(earlier, later), max(earlier, later)
    as_of, lang = day_param(p.get("as_of")), lang_of(request)
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
    return show(
        request,
        api,
        "changes.html",
        trial=after["trial"],
        rows=rows,
        positions=positions,
        earlier=earlier,
        later=later,
        moments=moments,
    )


@router.get("/web/findings")
@page
def findings_page(request: Request) -> HTMLResponse:
    """The legal-certainty review for the caller's scope, by severity and kind, a page at a time."""
    api, p = api_of(request), request.query_params
    chosen: dict[str, Any] = {}
    for name, allowed in (("severity", SEVERITIES), ("kind", KINDS)):
        if p.get(name):
            if p[name] not in allowed:
                raise BadInput(f"{name}: {p[name]!r}")
            chosen[name] = p[name]
    if p.get("trial"):
        try:
            chosen["trial"] = UUID(p["trial"])
        except ValueError:
            raise BadInput(f"trial: {p['trial']!r}") from None
    items, next_cursor = api.review(
        day_param(p.get("as_of")),
        moment_param(p.get("known_at")),
        chosen,
        p.get("cursor") or None,
        PAGE_SIZE,
    )
    titles = api.titles({f["trial_id"] for f in items if f["trial_id"]})
    return show(
        request,
        api,
        "findings.html",
        items=items,
        kinds=KINDS,
        titles=titles,
        next_cursor=next_cursor,
    )


@router.get("/web/events/{position}")
@page
def event_view(request: Request, position: int) -> HTMLResponse:
    """One event: envelope, payload, its correction, and its inclusion proof, verified."""
    api = api_of(request)
    event = api.event(position)
    if event is None:
        return render(request, "error.html", 404, title="404", message=f"position {position}")
    aggregate = UUID(event["aggregate_id"])
    # Only the aggregate's corrections are read: a network's history runs to thousands.
    fixes = [
        h
        for h in api.corrections(aggregate)
        if h["facts"].get("corrected_version") == event["aggregate_version"]
    ]
    version = event["facts"].get("corrected_version")
    corrects = api.event_at(aggregate, int(version)) if version is not None else None
    proof = proof_of(api, position)
    return show(
        request, api, "event.html", event=event, fixes=fixes, corrects=corrects, proof=proof
    )


@router.get("/web/exports")
@page
def exports_page(request: Request) -> HTMLResponse:
    """Make an export for one's area and period, download it, and how to verify it."""
    api = api_of(request)
    return show(request, api, "exports.html", made=None, exports=api.exports())


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
    if (refusal := refused(request, csrf)) is not None:
        return refusal
    api = api_of(request)
    made = api.export(area or None, day_param(start), day_param(end))
    return show(request, api, "exports.html", 201, made=made, exports=api.exports())


@router.get("/web/exports/{export_id}/download")
@page
def download(request: Request, export_id: int) -> Response:
    """The export bag as .tar.gz, through the API's own route."""
    return api_of(request).download(export_id)
