"""How an import line runs its use case: the API's body as arguments, the line's references."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from frispor.api.schemas import commands as c
from frispor.api.schemas.common import DecisionIn, LegalReferenceIn
from frispor.domain.aggregate import Envelope
from frispor.domain.application import Frispor, Written
from frispor.imports.kinds import Run

Refs = Mapping[str, UUID]
UseCase = Callable[..., Written]


def arguments(body: DecisionIn, *leave_out: str) -> dict[str, Any]:
    """A body's own fields as its use case's keyword arguments, in the domain's types."""
    args: dict[str, Any] = {}
    for name in type(body).model_fields.keys() - DecisionIn.model_fields.keys() - {*leave_out}:
        value = getattr(body, name)
        if isinstance(value, list):
            value = tuple(value)
        elif isinstance(value, LegalReferenceIn):
            value = value.to_domain()
        args[name] = value
    return args


def new(case: UseCase) -> Run:
    """Run a use case that starts an aggregate of its own."""
    return lambda app, env, refs, body: case(app, env, **arguments(body))


def on(target: str, case: UseCase, id_field: str | None = None) -> Run:
    """Run a use case on the aggregate the line's `target` column refers to.

    `id_field` is the body's own field for that id (TrialCreate.network_id), if it has one.
    """
    leave_out = (id_field,) if id_field else ()
    return lambda app, env, refs, body: case(app, env, refs[target], **arguments(body, *leave_out))


def inspection(app: Frispor, env: Envelope, r: Refs, b: c.InspectionCreate) -> Written:
    # The authority is the importer's organisation, as for the API's caller.
    authority = env.actor.organisation
    args = arguments(b, "institution_id")
    return app.plan_inspection(env, b.institution_id, authority=authority, **args)


def complaint(app: Frispor, env: Envelope, r: Refs, b: c.ComplaintCreate) -> Written:
    # The complaint body is the importer's organisation, as for the API's caller.
    return app.receive_complaint(
        env, r["trial"], complaint_body=env.actor.organisation, **arguments(b)
    )


def correction(app: Frispor, env: Envelope, r: Refs, b: c.CorrectionCreate) -> Written:
    # Not `arguments`: the new value is passed exactly as the line holds it.
    return app.correct(
        env,
        b.aggregate_id,
        event_id=b.event_id,
        field=b.field,
        new_value=b.new_value,
        reason=b.reason,
    )
