"""Trials: approval, enrolment, extension and end, evaluations, and what is filed under them."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from frispor.api.decisions import Decision, decision
from frispor.api.schemas import commands as c
from frispor.domain.application import Written

router = APIRouter(prefix="/trials", tags=["trials"])
TRIAL = "the trial"


@decision(router, "", "Approve a trial")
def approve_trial(do: Decision, body: c.TrialCreate) -> Written:
    """Approve a trial in a network for some of its municipalities."""
    return do.app.approve_trial(do.env, body)


@decision(router, "/{trial_id}/institutions", "Enrol an institution", TRIAL)
def enrol_institution(do: Decision, trial_id: UUID, body: c.InstitutionCreate) -> Written:
    """Enrol an institution (within the programme's limit per municipality)."""
    return do.app.enrol_institution(do.env, trial_id, body, do.expected_version)


@decision(router, "/{trial_id}/extend", "Extend a trial", TRIAL)
def extend_trial(do: Decision, trial_id: UUID, body: c.TrialExtend) -> Written:
    """Extend the trial to a later end (what it granted may then be amended to match)."""
    return do.app.extend_trial(do.env, trial_id, body, do.expected_version)


@decision(router, "/{trial_id}/end", "End a trial", TRIAL)
def end_trial(do: Decision, trial_id: UUID, body: c.TrialEnd) -> Written:
    """End the trial; every exemption it granted stops being in force after that day."""
    return do.app.end_trial(do.env, trial_id, body, do.expected_version)


@decision(router, "/{trial_id}/permanent", "Make a trial's way of working permanent", TRIAL)
def make_permanent(do: Decision, trial_id: UUID, body: c.TrialPermanent) -> Written:
    """Record that the trial's way of working was made permanent."""
    return do.app.make_trial_permanent(do.env, trial_id, body, do.expected_version)


@decision(router, "/{trial_id}/evaluations", "Publish an evaluation", TRIAL)
def publish_evaluation(do: Decision, trial_id: UUID, body: c.EvaluationCreate) -> Written:
    """Record a mid-term or final evaluation and where it is published."""
    return do.app.publish_evaluation(do.env, trial_id, body, do.expected_version)


@decision(router, "/{trial_id}/exemptions", "Request an exemption", TRIAL)
def request_exemption(do: Decision, trial_id: UUID, body: c.ExemptionCreate) -> Written:
    """Request an exemption from one rule, for a municipality or one of its institutions."""
    return do.app.request_exemption(do.env, trial_id, body.command(), do.expected_version)


@decision(router, "/{trial_id}/goals", "Set a result goal", TRIAL)
def set_goal(do: Decision, trial_id: UUID, body: c.GoalCreate) -> Written:
    """Set a result goal for the trial or one of its institutions."""
    return do.app.set_goal(do.env, trial_id, body, do.expected_version)


@decision(router, "/{trial_id}/complaints", "Receive a complaint", TRIAL)
def receive_complaint(do: Decision, trial_id: UUID, body: c.ComplaintCreate) -> Written:
    """Record a complaint received about the trial (the caller is the complaint body)."""
    return do.app.receive_complaint(
        do.env, trial_id, body, do.principal.organisation, do.expected_version
    )
