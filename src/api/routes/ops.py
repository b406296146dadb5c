"""Operations: liveness and readiness, Prometheus metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from frispor.api.auth import Principal
from frispor.api.deps import ServicesDep, allowed
from frispor.api.schemas.ops import Health, Unhealthy
from frispor.domain.values import Role
from frispor.projections.service import lag

router = APIRouter(tags=["operations"])


@router.get(
    "/health",
    summary="Is the service ready?",
    response_model=Health,
    responses={503: {"model": Unhealthy, "description": "not ready: the database does not answer"}},
)
def health(services: ServicesDep) -> JSONResponse:
    """Liveness and readiness: the database answers, and how far each read model lags."""
    try:
        projections = lag(services.app, services.db)
    except Exception as error:  # noqa: BLE001 - any database failure means not ready
        body = {"status": "unavailable", "database": f"unreachable: {type(error).__name__}"}
        return JSONResponse(body, status_code=503, headers={"Retry-After": "2"})
    for name, report in projections.items():
        services.metrics.lag_events.labels(name).set(report["behind"])
        services.metrics.lag_seconds.labels(name).set(report["seconds_behind"])
    answer: dict[str, object] = {"status": "ok", "database": "ok", "projections": projections}
    if services.ledger_status is not None:
        answer["ledger"] = services.ledger_status()  # timestamping's lag; never blocks "ok"
    return JSONResponse(answer)


@router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
def metrics(
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allowed(Role.ADMIN, Role.AUDITOR))],
) -> Response:
    """Prometheus metrics (admin or auditor token)."""
    for name, report in lag(services.app, services.db).items():
        services.metrics.lag_events.labels(name).set(report["behind"])
        services.metrics.lag_seconds.labels(name).set(report["seconds_behind"])
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)
