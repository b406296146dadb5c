"""Programmes and their networks or partnerships."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from frispor.api.deps import CommandDep, ProgrammeCommand
from frispor.api.schemas.commands import NetworkCreate, ProgrammeCreate
from frispor.api.schemas.common import CREATED

router = APIRouter(prefix="/programmes", tags=["programmes"])


@router.post("", status_code=201, responses=CREATED)
def establish_programme(body: ProgrammeCreate, cmd: CommandDep) -> JSONResponse:
    """Establish a trial programme with its protected rule categories and limits."""
    return cmd.run(
        body,
        lambda env: cmd.app.establish_programme(
            env,
            name=body.name,
            kind=body.kind,
            enabling_act=body.enabling_act.to_domain(),
            period=body.period,
            ministry=body.ministry,
            protected_categories=tuple(body.protected_categories),
            max_institutions_per_municipality=body.max_institutions_per_municipality,
        ),
    )


@router.post("/{programme_id}/networks", status_code=201, responses=CREATED)
def designate_network(
    programme_id: UUID, body: NetworkCreate, cmd: ProgrammeCommand
) -> JSONResponse:
    """Designate a network or partnership of municipalities in a programme."""
    return cmd.run(
        body,
        lambda env: cmd.app.designate_network(
            env,
            programme_id,
            name=body.name,
            kind=body.kind,
            area=body.area,
            municipalities=tuple(body.municipalities),
            coordinator=body.coordinator,
            ministry=body.ministry,
            expected_version=cmd.expected_version,
        ),
    )
