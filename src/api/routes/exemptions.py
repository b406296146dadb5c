"""Decisions on exemptions: grant, reject, amend, revoke."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from frispor.api.decisions import Decision, decision
from frispor.api.schemas import commands as c
from frispor.domain.application import Written

router = APIRouter(prefix="/exemptions", tags=["exemptions"])
EXEMPTION = "the exemption"


@decision(router, "/{exemption_id}/grant", "Grant an exemption", EXEMPTION)
def grant(do: Decision, exemption_id: UUID, body: c.ExemptionGrant) -> Written:
    """Grant a requested exemption; the grantor is the caller's organisation (rule 3)."""
    return do.app.grant_exemption(do.env, exemption_id, body, do.expected_version)


@decision(router, "/{exemption_id}/reject", "Reject an exemption request", EXEMPTION)
def reject(do: Decision, exemption_id: UUID, body: c.ExemptionReject) -> Written:
    """Reject a requested exemption."""
    return do.app.reject_exemption(do.env, exemption_id, body, do.expected_version)


@decision(router, "/{exemption_id}/amend", "Amend a granted exemption", EXEMPTION)
def amend(do: Decision, exemption_id: UUID, body: c.ExemptionAmend) -> Written:
    """Amend a granted exemption's validity or conditions."""
    return do.app.amend_exemption(do.env, exemption_id, body, do.expected_version)


@decision(router, "/{exemption_id}/revoke", "Revoke an exemption", EXEMPTION)
def revoke(do: Decision, exemption_id: UUID, body: c.ExemptionRevoke) -> Written:
    """Revoke a granted exemption from a day."""
    return do.app.revoke_exemption(do.env, exemption_id, body, do.expected_version)
