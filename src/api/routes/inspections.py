"""Inspections, their reports and orders, and what became of the orders."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from frispor.api.decisions import Decision, decision
from frispor.api.schemas import commands as c
from frispor.domain.application import Written

router = APIRouter(tags=["inspections"])
INSPECTION, ORDER = "the inspection", "the order"


@decision(router, "/inspections", "Plan an inspection")
def plan(do: Decision, body: c.InspectionCreate) -> Written:
    """Plan or announce an inspection; the inspecting authority is the caller's organisation."""
    return do.app.plan_inspection(do.env, body, do.principal.organisation)


@decision(router, "/inspections/{inspection_id}/perform", "Perform an inspection", INSPECTION)
def perform(do: Decision, inspection_id: UUID, body: c.InspectionPerform) -> Written:
    """Record the inspection as performed, with findings per point and an assessment."""
    return do.app.perform_inspection(do.env, inspection_id, body, do.expected_version)


@decision(router, "/inspections/{inspection_id}/report", "Publish an inspection report", INSPECTION)
def report(do: Decision, inspection_id: UUID, body: c.ReportCreate) -> Written:
    """Record that the inspection report was published."""
    return do.app.publish_report(do.env, inspection_id, body, do.expected_version)


@decision(router, "/inspections/{inspection_id}/orders", "Issue an order (påbud)", INSPECTION)
def issue_order(do: Decision, inspection_id: UUID, body: c.OrderCreate) -> Written:
    """Issue an order (påbud) with a deadline after a performed inspection."""
    return do.app.issue_order(do.env, inspection_id, body, do.expected_version)


@decision(router, "/orders/{order_id}/comply", "Record that an order was complied with", ORDER)
def comply(do: Decision, order_id: UUID, body: c.OrderComply) -> Written:
    """Record that the order was complied with."""
    return do.app.comply_order(do.env, order_id, body, do.expected_version)


@decision(router, "/orders/{order_id}/escalate", "Escalate an order", ORDER)
def escalate(do: Decision, order_id: UUID, body: c.OrderEscalate) -> Written:
    """Escalate an order that was not complied with."""
    return do.app.escalate_order(do.env, order_id, body, do.expected_version)
