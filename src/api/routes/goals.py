"""Result goals: revisions and measurements."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from frispor.api.deps import GoalCommand
from frispor.api.schemas.commands import GoalRevise, MeasurementCreate
from frispor.api.schemas.common import CREATED

router = APIRouter(prefix="/goals", tags=["goals"])


@router.post("/{goal_id}/revise", status_code=201, responses=CREATED)
def revise(goal_id: UUID, body: GoalRevise, cmd: GoalCommand) -> JSONResponse:
    """Revise a goal; the earlier terms stay in the record."""
    return cmd.run(
        body, lambda env: cmd.app.revise_goal(env, goal_id, body.terms, cmd.expected_version)
    )


@router.post("/{goal_id}/measurements", status_code=201, responses=CREATED)
def record_measurement(goal_id: UUID, body: MeasurementCreate, cmd: GoalCommand) -> JSONResponse:
    """Record a measurement of the goal's indicator over a period."""
    return cmd.run(
        body,
        lambda env: cmd.app.record_measurement(
            env,
            goal_id,
            period=body.period,
            value=body.value,
            source=body.source,
            quality=body.quality,
            expected_version=cmd.expected_version,
        ),
    )
