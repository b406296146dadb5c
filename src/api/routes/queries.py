"""Current status, as of a day and as known at a moment; history and the global feed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from inspect import signature
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from frispor.api.auth import Principal
from frispor.api.deps import ReaderDep, ReviewerDep, ServicesDep
from frispor.api.errors import ApiError, UnavailableError
from frispor.api.paging import DEFAULT_LIMIT, CursorParam, Limit, cut, decode, page
from frispor.api.params import Day, Instant, PositionOrZero, jsonable
from frispor.api.schemas.events import EventFeed, HistoryPage, ReviewPage
from frispor.api.schemas.reads import (
    ExemptionsPage,
    GoalDetail,
    InstitutionDetail,
    TrialDetail,
    TrialsPage,
)
from frispor.api.scope import ReadScope
from frispor.api.services import Services
from frispor.domain.errors import NotFoundError
from frispor.domain.exemption import ExemptionStatus
from frispor.domain.topics import all_event_topics
from frispor.domain.values import Area
from frispor.projections.areas import trial_areas
from frispor.projections.audit.finding import FindingKind, Severity
from frispor.projections.findings_query import ReviewQuery, review_page
from frispor.projections.history import describe, feed, history

router = APIRouter(tags=["queries"])

AsOf = Annotated[Day | None, Query(description="valid time: what was in force that day")]
KnownAt = Annotated[
    Instant | None,
    Query(description="recorded time: what the record said at that moment (no zone: Danish)"),
]
MinPosition = Annotated[
    PositionOrZero | None,
    Query(description="wait until the read models have applied this position"),
]


# The reads answer with an ETag; asked again with it in If-None-Match, an unchanged answer is
# not sent again.
CACHED: dict[int | str, dict[str, Any]] = {
    304: {"description": "not modified: the ETag in If-None-Match is still the answer's"}
}


def _ready(services: Services, min_position: int | None) -> None:
    if min_position is None:
        return
    head = services.app.recorder.max_notification_id() or 0
    if min_position > head:  # no command has answered with it: waiting cannot help
        raise ApiError(
            422, "min-position", f"position {min_position} is beyond the last event ({head})"
        )
    if not services.read.wait_for(min_position, services.settings.wait_timeout):
        raise UnavailableError(
            "not-yet-projected",
            f"the read models have not reached position {min_position} yet",
            retry_after=1,
        )


def _answer(request: Request, body: dict[str, Any]) -> Response:
    try:
        # orjson writes compact UTF-8 as json.dumps(ensure_ascii=False) does: ~1 µs, not
        # ~20 µs, for a trial's answer of a few kB.
        data = orjson.dumps(body, default=jsonable, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except orjson.JSONEncodeError:  # an integer beyond 64 bits, say
        text = json.dumps(body, ensure_ascii=False, default=jsonable, separators=(",", ":"))
        data = text.encode()
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(data, media_type="application/json", headers={"ETag": etag})


def _one(
    request: Request,
    services: Services,
    principal: Principal,
    kind: str,
    record_id: UUID,
    read: Callable[[str, date | None, datetime | None], dict[str, Any] | None],
    as_of: date | None,
    known_at: datetime | None,
    min_position: int | None,
) -> Response:
    """One record as of the day and moment asked, if the caller may read its trial."""
    _ready(services, min_position)
    found = read(str(record_id), as_of, known_at)
    trial = str(record_id) if kind == "trial" else found["trial_id"] if found else None
    found = _scope(principal, services, known_at).found(found, trial, kind, record_id)
    return _answer(request, {"as_of": as_of, "known_at": known_at, **found})


def _get_one(kind: str, summary: str, model: type[Any], doc: str) -> Callable[..., Response]:
    """Declare GET /{kind}s/{{kind}_id}: one record of a kind, read as `_one` reads it."""

    def get(
        record_id: UUID,
        request: Request,
        services: ServicesDep,
        principal: ReaderDep,
        as_of: AsOf = None,
        known_at: KnownAt = None,
        min_position: MinPosition = None,
    ) -> Response:
        read = getattr(services.read, kind)
        return _one(
            request, services, principal, kind, record_id, read, as_of, known_at, min_position
        )

    def endpoint(**given: Any) -> Response:
        return get(given.pop(f"{kind}_id"), **given)

    # FastAPI reads the path parameter's name from the signature: `trial_id`, `goal_id`, ...
    first, *rest = signature(get).parameters.values()
    named = first.replace(name=f"{kind}_id", annotation=UUID)
    endpoint.__signature__ = signature(get).replace(parameters=[named, *rest])  # type: ignore[attr-defined]
    router.add_api_route(
        f"/{kind}s/{{{kind}_id}}",
        endpoint,
        methods=["GET"],
        summary=summary,
        response_model=model,
        responses=CACHED,
        description=doc,
        name=f"get_{kind}",
    )
    return get


def _scope(principal: Principal, services: Services, known_at: datetime | None = None) -> ReadScope:
    """What this caller may read (see `api.scope`): the one area rule of every read route."""
    return ReadScope(principal, services.db, _utc(known_at))


@router.get("/trials", summary="List trials", response_model=TrialsPage, responses=CACHED)
def list_trials(
    request: Request,
    services: ServicesDep,
    principal: ReaderDep,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    min_position: MinPosition = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Response:
    """Trials with their status, phase and counts, as of a day and as known at a moment; paged."""
    _ready(services, min_position)
    scope = _scope(principal, services, known_at)
    after = decode(cursor, (str, str))
    within = scope.readable_trials()  # paged in the database: the caller's reach as a filter
    found = services.read.trials(as_of, known_at, within, after, limit + 1)
    items, next_at = cut(found, limit, lambda t: (t["period_start"], t["aggregate_id"]))
    return _answer(request, {"as_of": as_of, "known_at": known_at, **page(items, next_at)})


get_trial = _get_one(
    "trial", "Read a trial", TrialDetail, "One trial with its institutions, exemptions and goals."
)
get_institution = _get_one(
    "institution",
    "Read an institution",
    InstitutionDetail,
    "One institution: its trial, exemptions in force, latest inspection, open orders.",
)


@router.get(
    "/exemptions",
    summary="The exemptions register",
    response_model=ExemptionsPage,
    responses=CACHED,
)
def list_exemptions(
    request: Request,
    services: ServicesDep,
    principal: ReaderDep,
    in_force_on: AsOf = None,
    municipality: str | None = None,
    trial: UUID | None = None,
    category: str | None = None,
    status: ExemptionStatus | None = None,
    known_at: KnownAt = None,
    min_position: MinPosition = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Response:
    """The exemptions register by status; with `in_force_on`, what was in force that day."""
    _ready(services, min_position)
    scope = _scope(principal, services, known_at)
    if trial is not None:
        scope.require_trial(trial)
    after = decode(cursor, (str, str))
    rows = services.read.exemptions(
        in_force_on,
        municipality,
        str(trial) if trial else None,
        category,
        known_at,
        status.value if status else None,
        scope.readable_trials(),
        after,
        limit + 1,
    )
    items, next_at = cut(rows, limit, lambda x: (x["in_force_from"] or "", x["aggregate_id"]))
    body = {"in_force_on": in_force_on, "known_at": known_at, **page(items, next_at)}
    return _answer(request, body)


get_goal = _get_one(
    "goal", "Read a goal", GoalDetail, "A goal with its measurements against baseline and target."
)


@router.get(
    "/history/{aggregate_id}",
    summary="The history of one record",
    response_model=HistoryPage,
    responses=CACHED,
)
def get_history(
    aggregate_id: UUID,
    request: Request,
    services: ServicesDep,
    principal: ReviewerDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Response:
    """The events of one aggregate, oldest first (an authority: of its area's trials); paged."""
    _scope(principal, services).require_aggregate(aggregate_id)
    after = decode(cursor, (int,))
    start = after[0] if after else 0
    events = history(services.db, aggregate_id, limit + 1, start)
    if not events and not start:
        raise NotFoundError(f"no aggregate with id {aggregate_id}", field="aggregate_id")
    shown, next_at = cut(events, limit, lambda e: (e.position,))
    items = [describe(e) for e in shown]
    return _answer(request, {"aggregate_id": aggregate_id, **page(items, next_at)})


@router.get("/events", summary="The event feed", response_model=EventFeed)
def get_events(
    request: Request,
    services: ServicesDep,
    principal: ReviewerDep,
    after: Annotated[PositionOrZero, Query(description="the last position already read")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    type: Annotated[str | None, Query(description="event type, e.g. Exemption.Granted")] = None,
    aggregate_type: Annotated[str | None, Query(description="e.g. Exemption, Trial")] = None,
    trial: Annotated[UUID | None, Query(description="events of a trial and what it holds")] = None,
    recorded_from: Annotated[Instant | None, Query()] = None,
    recorded_to: Annotated[Instant | None, Query()] = None,
) -> JSONResponse:
    """The global feed after a position, in order; resume exactly with `after=next_after`."""
    topics = event_topics(type, aggregate_type)
    scope = _scope(principal, services)
    if trial is not None:
        scope.require_trial(trial)
    readable = [trial] if trial else scope.readable_trials()
    ids = None if readable is None else _aggregates(services, readable)
    rows, last = feed(
        services.db, after, limit, topics, ids, (_utc(recorded_from), _utc(recorded_to))
    )
    items = [describe(e) for e in rows]
    return JSONResponse({"after": after, "next_after": last, "items": items})


@router.get(
    "/review",
    summary="The legal-certainty review",
    response_model=ReviewPage,
    responses=CACHED,
)
def get_review(
    request: Request,
    services: ServicesDep,
    principal: ReviewerDep,
    trial: UUID | None = None,
    institution: UUID | None = None,
    municipality: str | None = None,
    area: Area | None = None,
    severity: Severity | None = None,
    kind: FindingKind | None = None,
    as_of: Annotated[Day | None, Query(description="review as of this day (default today)")] = None,
    known_at: KnownAt = None,
    from_: Annotated[Day | None, Query(alias="from", description="findings from this day")] = None,
    to: Annotated[Day | None, Query(description="the same as as_of (older name)")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
    min_position: MinPosition = None,
) -> Response:
    """The legal-certainty review from the findings read model: a page of findings."""
    _ready(services, min_position)
    day = as_of or to or datetime.now(UTC).date()
    scope = _scope(principal, services, known_at)
    if trial is not None:
        scope.require_trial(trial)
    # Paged in the database: the caller's reach and the area asked become a set of trials.
    within = scope.readable_trials()
    if area is not None:
        areas = trial_areas(services.db, _utc(known_at))
        in_area = {t for t, of in areas.items() if area.value in of}
        within = in_area if within is None else within & in_area
    query = ReviewQuery(
        as_of=day,
        known_at=_utc(known_at),
        trial=str(trial) if trial else None,
        institution=str(institution) if institution else None,
        municipality=municipality,
        within=None if within is None else frozenset(within),
        severity=severity,
        kind=kind,
        since=from_,
        late_after_days=services.settings.late_recording_days,
    )
    after = decode(cursor, (int, int, str, str, str))
    items, next_at = review_page(services.db, query, limit, after)
    body = {"as_of": day, "known_at": known_at, **page(items, next_at)}
    return _answer(request, body)


def _aggregates(services: Services, trials: Iterable[UUID | str]) -> list[UUID]:
    """Every aggregate filed under these trials, the trials included."""
    ids: set[UUID] = set()
    for trial in trials:
        ids.update(services.read.aggregates_of_trial(str(trial)))
    return sorted(ids)


def _utc(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def event_topics(event_type: str | None, aggregate_type: str | None) -> list[str]:
    """The stored topics an event or aggregate type filter stands for (422 if unknown)."""
    known = all_event_topics()
    chosen = [
        t
        for t in known
        if (event_type is None or t.endswith(":" + event_type) or t.endswith("." + event_type))
        and (aggregate_type is None or t.split(":")[1].startswith(aggregate_type + "."))
    ]
    if (event_type or aggregate_type) and not chosen:
        raise ApiError(422, "event-type", f"no events of type {event_type or aggregate_type!r}")
    return chosen if (event_type or aggregate_type) else []
