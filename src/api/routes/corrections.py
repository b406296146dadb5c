"""Corrections of earlier events, and decisions on complaints."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from frispor.api.decisions import Decision, decision
from frispor.api.schemas import commands as c
from frispor.domain.application import Written

router = APIRouter(tags=["corrections"])


@decision(router, "/corrections", "Correct an earlier event", "the record named by aggregate_id")
def correct(do: Decision, body: c.CorrectionCreate) -> Written:
    """Correct one field of an earlier event by a new event that names it; nothing is rewritten."""
    return do.app.correct(do.env, body, do.expected_version)


@decision(router, "/complaints/{complaint_id}/decide", "Decide a complaint", "the complaint")
def decide_complaint(do: Decision, complaint_id: UUID, body: c.ComplaintDecide) -> Written:
    """Record the decision on a complaint (reasons in the justification)."""
    return do.app.decide_complaint(do.env, complaint_id, body, do.expected_version)
