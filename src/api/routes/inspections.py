"""Inspections, their reports and orders, and what became of the orders."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from frispor.api.deps import CommandDep, InspectionCommand, OrderCommand
from frispor.api.schemas.commands import (
    InspectionCreate,
    InspectionPerform,
    OrderComply,
    OrderCreate,
    OrderEscalate,
    ReportCreate,
)
from frispor.api.schemas.common import CREATED

router = APIRouter(tags=["inspections"])


@router.post("/inspections", status_code=201, responses=CREATED)
def plan(body: InspectionCreate, cmd: CommandDep) -> JSONResponse:
    """Plan or announce an inspection; the inspecting authority is the caller's organisation."""
    return cmd.run(
        body,
        lambda env: cmd.app.plan_inspection(
            env,
            body.institution_id,
            authority=cmd.principal.organisation,
            kind=body.kind,
            announced=body.announced,
            planned_on=body.planned_on,
            notice_date=body.notice_date,
        ),
    )


@router.post("/inspections/{inspection_id}/perform", status_code=201, responses=CREATED)
def perform(inspection_id: UUID, body: InspectionPerform, cmd: InspectionCommand) -> JSONResponse:
    """Record the inspection as performed, with findings per point and an assessment."""
    return cmd.run(
        body,
        lambda env: cmd.app.perform_inspection(
            env,
            inspection_id,
            performed_on=body.performed_on,
            findings=tuple(body.findings),
            assessment=body.assessment,
            expected_version=cmd.expected_version,
        ),
    )


@router.post("/inspections/{inspection_id}/report", status_code=201, responses=CREATED)
def report(inspection_id: UUID, body: ReportCreate, cmd: InspectionCommand) -> JSONResponse:
    """Record that the inspection report was published."""
    return cmd.run(
        body,
        lambda env: cmd.app.publish_report(
            env,
            inspection_id,
            published_on=body.published_on,
            location=body.location,
            expected_version=cmd.expected_version,
        ),
    )


@router.post("/inspections/{inspection_id}/orders", status_code=201, responses=CREATED)
def issue_order(inspection_id: UUID, body: OrderCreate, cmd: InspectionCommand) -> JSONResponse:
    """Issue an order (påbud) with a deadline after a performed inspection."""
    return cmd.run(
        body,
        lambda env: cmd.app.issue_order(
            env,
            inspection_id,
            requirement=body.requirement,
            deadline=body.deadline,
            expected_version=cmd.expected_version,
        ),
    )


@router.post("/orders/{order_id}/comply", status_code=201, responses=CREATED)
def comply(order_id: UUID, body: OrderComply, cmd: OrderCommand) -> JSONResponse:
    """Record that the order was complied with."""
    return cmd.run(
        body,
        lambda env: cmd.app.comply_order(env, order_id, body.complied_on, cmd.expected_version),
    )


@router.post("/orders/{order_id}/escalate", status_code=201, responses=CREATED)
def escalate(order_id: UUID, body: OrderEscalate, cmd: OrderCommand) -> JSONResponse:
    """Escalate an order that was not complied with."""
    return cmd.run(
        body,
        lambda env: cmd.app.escalate_order(
            env, order_id, body.escalated_on, body.escalated_to, cmd.expected_version
        ),
    )
