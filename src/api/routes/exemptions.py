"""Decisions on exemptions: grant, reject, amend, revoke."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from frispor.api.deps import ExemptionCommand
from frispor.api.schemas.commands import (
    ExemptionAmend,
    ExemptionGrant,
    ExemptionReject,
    ExemptionRevoke,
)
from frispor.api.schemas.common import CREATED

router = APIRouter(prefix="/exemptions", tags=["exemptions"])


@router.post("/{exemption_id}/grant", status_code=201, responses=CREATED)
def grant(exemption_id: UUID, body: ExemptionGrant, cmd: ExemptionCommand) -> JSONResponse:
    """Grant a requested exemption; the grantor is the caller's organisation (rule 3)."""
    return cmd.run(
        body,
        lambda env: cmd.app.grant_exemption(
            env,
            exemption_id,
            validity=body.validity,
            conditions=tuple(body.conditions),
            expected_version=cmd.expected_version,
        ),
    )


@router.post("/{exemption_id}/reject", status_code=201, responses=CREATED)
def reject(exemption_id: UUID, body: ExemptionReject, cmd: ExemptionCommand) -> JSONResponse:
    """Reject a requested exemption."""
    return cmd.run(
        body,
        lambda env: cmd.app.reject_exemption(env, exemption_id, body.reason, cmd.expected_version),
    )


@router.post("/{exemption_id}/amend", status_code=201, responses=CREATED)
def amend(exemption_id: UUID, body: ExemptionAmend, cmd: ExemptionCommand) -> JSONResponse:
    """Amend a granted exemption's validity or conditions."""
    return cmd.run(
        body,
        lambda env: cmd.app.amend_exemption(
            env,
            exemption_id,
            validity=body.validity,
            conditions=tuple(body.conditions) if body.conditions is not None else None,
            expected_version=cmd.expected_version,
        ),
    )


@router.post("/{exemption_id}/revoke", status_code=201, responses=CREATED)
def revoke(exemption_id: UUID, body: ExemptionRevoke, cmd: ExemptionCommand) -> JSONResponse:
    """Revoke a granted exemption from a day."""
    return cmd.run(
        body,
        lambda env: cmd.app.revoke_exemption(
            env, exemption_id, body.revoked_on, body.reason, cmd.expected_version
        ),
    )
