"""Corrections of earlier events, and decisions on complaints."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from frispor.api.deps import ComplaintCommand, CorrectionCommand
from frispor.api.schemas.commands import ComplaintDecide, CorrectionCreate
from frispor.api.schemas.common import CREATED

router = APIRouter(tags=["corrections"])


@router.post("/corrections", status_code=201, responses=CREATED)
def correct(body: CorrectionCreate, cmd: CorrectionCommand) -> JSONResponse:
    """Correct one field of an earlier event by a new event that names it; nothing is rewritten."""
    return cmd.run(
        body,
        lambda env: cmd.app.correct(
            env,
            body.aggregate_id,
            event_id=body.event_id,
            field=body.field,
            new_value=body.new_value,
            reason=body.reason,
            expected_version=cmd.expected_version,
        ),
    )


@router.post("/complaints/{complaint_id}/decide", status_code=201, responses=CREATED)
def decide_complaint(
    complaint_id: UUID, body: ComplaintDecide, cmd: ComplaintCommand
) -> JSONResponse:
    """Record the decision on a complaint (reasons in the justification)."""
    return cmd.run(
        body,
        lambda env: cmd.app.decide_complaint(env, complaint_id, body.outcome, cmd.expected_version),
    )
