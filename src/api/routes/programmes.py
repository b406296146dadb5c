"""Programmes and their networks or partnerships."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from frispor.api import access
from frispor.api.deps import CommandDep
from frispor.api.schemas.commands import NetworkCreate, ProgrammeCreate
from frispor.api.schemas.common import CREATED

router = APIRouter(prefix="/programmes", tags=["programmes"])


@router.post("", status_code=201, responses=CREATED)
def establish_programme(body: ProgrammeCreate, cmd: CommandDep) -> JSONResponse:
    """Establish a trial programme with its protected rule categories and limits."""
    access.allow(cmd.principal, {body.ministry}, "establish a programme for another ministry")
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
def designate_network(programme_id: UUID, body: NetworkCreate, cmd: CommandDep) -> JSONResponse:
    """Designate a network or partnership of municipalities in a programme."""
    access.allow(cmd.principal, access.programme_of(cmd.app, programme_id), "designate it")
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
        ),
    )
