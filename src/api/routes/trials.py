"""Trials: approval, enrolment, extension and end, evaluations, and what is filed under them."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from frispor.api.deps import CommandDep, TrialCommand
from frispor.api.schemas.commands import (
    ComplaintCreate,
    EvaluationCreate,
    ExemptionCreate,
    GoalCreate,
    InstitutionCreate,
    TrialCreate,
    TrialEnd,
    TrialExtend,
    TrialPermanent,
)
from frispor.api.schemas.common import CREATED

router = APIRouter(prefix="/trials", tags=["trials"])


@router.post("", status_code=201, responses=CREATED)
def approve_trial(body: TrialCreate, cmd: CommandDep) -> JSONResponse:
    """Approve a trial in a network for some of its municipalities."""
    return cmd.run(
        body,
        lambda env: cmd.app.approve_trial(
            env,
            body.network_id,
            title=body.title,
            purpose=body.purpose,
            period=body.period,
            municipalities=tuple(body.municipalities),
            areas=tuple(body.areas),
        ),
    )


@router.post("/{trial_id}/institutions", status_code=201, responses=CREATED)
def enrol_institution(trial_id: UUID, body: InstitutionCreate, cmd: TrialCommand) -> JSONResponse:
    """Enrol an institution (within the programme's limit per municipality)."""
    return cmd.run(
        body,
        lambda env: cmd.app.enrol_institution(
            env,
            trial_id,
            name=body.name,
            kind=body.kind,
            municipality=body.municipality,
            ownership=body.ownership,
            cvr=body.cvr,
            p_number=body.p_number,
            expected_version=cmd.expected_version,
        ),
    )


@router.post("/{trial_id}/extend", status_code=201, responses=CREATED)
def extend_trial(trial_id: UUID, body: TrialExtend, cmd: TrialCommand) -> JSONResponse:
    """Extend the trial to a later end (what it granted may then be amended to match)."""
    return cmd.run(
        body,
        lambda env: cmd.app.extend_trial(env, trial_id, body.new_end, cmd.expected_version),
    )


@router.post("/{trial_id}/end", status_code=201, responses=CREATED)
def end_trial(trial_id: UUID, body: TrialEnd, cmd: TrialCommand) -> JSONResponse:
    """End the trial; every exemption it granted stops being in force after that day."""
    return cmd.run(
        body, lambda env: cmd.app.end_trial(env, trial_id, body.ended_on, cmd.expected_version)
    )


@router.post("/{trial_id}/permanent", status_code=201, responses=CREATED)
def make_permanent(trial_id: UUID, body: TrialPermanent, cmd: TrialCommand) -> JSONResponse:
    """Record that the trial's way of working was made permanent."""
    return cmd.run(
        body,
        lambda env: cmd.app.make_trial_permanent(
            env, trial_id, body.permanent_from, cmd.expected_version
        ),
    )


@router.post("/{trial_id}/evaluations", status_code=201, responses=CREATED)
def publish_evaluation(trial_id: UUID, body: EvaluationCreate, cmd: TrialCommand) -> JSONResponse:
    """Record a mid-term or final evaluation and where it is published."""
    return cmd.run(
        body,
        lambda env: cmd.app.publish_evaluation(
            env,
            trial_id,
            kind=body.kind,
            evaluator=body.evaluator,
            published_on=body.published_on,
            location=body.location,
            summary=body.summary,
            expected_version=cmd.expected_version,
        ),
    )


@router.post("/{trial_id}/exemptions", status_code=201, responses=CREATED)
def request_exemption(trial_id: UUID, body: ExemptionCreate, cmd: TrialCommand) -> JSONResponse:
    """Request an exemption from one rule, for a municipality or one of its institutions."""
    return cmd.run(
        body,
        lambda env: cmd.app.request_exemption(
            env,
            trial_id,
            municipality=body.municipality,
            rule=body.rule.to_domain(),
            level=body.level,
            category=body.category,
            description=body.description,
            institution_id=body.institution_id,
            expected_version=cmd.expected_version,
        ),
    )


@router.post("/{trial_id}/goals", status_code=201, responses=CREATED)
def set_goal(trial_id: UUID, body: GoalCreate, cmd: TrialCommand) -> JSONResponse:
    """Set a result goal for the trial or one of its institutions."""
    return cmd.run(
        body,
        lambda env: cmd.app.set_goal(
            env, trial_id, body.terms, body.institution_id, cmd.expected_version
        ),
    )


@router.post("/{trial_id}/complaints", status_code=201, responses=CREATED)
def receive_complaint(trial_id: UUID, body: ComplaintCreate, cmd: TrialCommand) -> JSONResponse:
    """Record a complaint received about the trial (the caller is the complaint body)."""
    return cmd.run(
        body,
        lambda env: cmd.app.receive_complaint(
            env,
            trial_id,
            complaint_body=cmd.principal.organisation,
            subject=body.subject,
            received_on=body.received_on,
            institution_id=body.institution_id,
            expected_version=cmd.expected_version,
        ),
    )
