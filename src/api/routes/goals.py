"""Result goals: revisions and measurements."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from frispor.api.decisions import Decision, decision
from frispor.api.schemas import commands as c
from frispor.domain.application import Written

router = APIRouter(prefix="/goals", tags=["goals"])
GOAL = "the goal"


@decision(router, "/{goal_id}/revise", "Revise a goal", GOAL)
def revise(do: Decision, goal_id: UUID, body: c.GoalRevise) -> Written:
    """Revise a goal; the earlier terms stay in the record."""
    return do.app.revise_goal(do.env, goal_id, body, do.expected_version)


@decision(router, "/{goal_id}/measurements", "Record a measurement", GOAL)
def record_measurement(do: Decision, goal_id: UUID, body: c.MeasurementCreate) -> Written:
    """Record a measurement of the goal's indicator over a period."""
    return do.app.record_measurement(do.env, goal_id, body, do.expected_version)
