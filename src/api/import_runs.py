"""How an import line runs its use case: the API's body as its command, the line's references."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from uuid import UUID

from frispor.api.schemas import commands as c
from frispor.domain.aggregate import Envelope
from frispor.domain.application import Frispor, Written
from frispor.imports.kinds import Run

Refs = Mapping[str, UUID]
UseCase = Callable[..., Written]


def new(case: UseCase) -> Run:
    """Run a use case that starts an aggregate of its own."""
    return lambda app, env, refs, body: case(app, env, body.command())


def on(target: str, case: UseCase) -> Run:
    """Run a use case on the aggregate the line's `target` column refers to."""
    return lambda app, env, refs, body: case(app, env, refs[target], body.command())


def inspection(app: Frispor, env: Envelope, r: Refs, b: c.InspectionCreate) -> Written:
    # The authority is the importer's organisation, as for the API's caller.
    return app.plan_inspection(env, b, env.actor.organisation)


def complaint(app: Frispor, env: Envelope, r: Refs, b: c.ComplaintCreate) -> Written:
    # The complaint body is the importer's organisation, as for the API's caller.
    return app.receive_complaint(env, r["trial"], b, env.actor.organisation)
