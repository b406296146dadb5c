"""Programmes and their networks or partnerships."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from frispor.api.decisions import Decision, decision
from frispor.api.schemas import commands as c
from frispor.domain.application import Written

router = APIRouter(prefix="/programmes", tags=["programmes"])


@decision(router, "", "Establish a trial programme")
def establish_programme(do: Decision, body: c.ProgrammeCreate) -> Written:
    """Establish a trial programme with its protected rule categories and limits."""
    return do.app.establish_programme(do.env, body.command())


@decision(router, "/{programme_id}/networks", "Designate a network", "the programme")
def designate_network(do: Decision, programme_id: UUID, body: c.NetworkCreate) -> Written:
    """Designate a network or partnership of municipalities in a programme."""
    return do.app.designate_network(do.env, programme_id, body, do.expected_version)
