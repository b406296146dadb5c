"""A command route declared once: what differs per decision is its path, body and use case.

Everything else is common and written here: POST, `201` with id, version and position (and the
version as ETag), the If-Match and Idempotency-Key contract, the recorder role, and the run
(replay a key's stored answer, else decide and store the answer).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from inspect import Parameter, Signature, signature
from typing import Annotated, Any, TypeVar, get_type_hints
from uuid import UUID

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from frispor.api.auth import Principal
from frispor.api.deps import Command, command_for
from frispor.api.schemas.common import WrittenPublic
from frispor.domain.aggregate import Envelope
from frispor.domain.application import Frispor, Written

CREATED: dict[int | str, dict[str, Any]] = {
    201: {
        "description": "recorded; `ETag` is the record's new version, for a next If-Match",
        "headers": {"ETag": {"description": 'the version, e.g. "3"', "schema": {"type": "string"}}},
    }
}


@dataclass(frozen=True)
class Decision:
    """What a use case is called with: the application, the envelope, the expected version."""

    app: Frispor
    env: Envelope
    expected_version: int | None
    principal: Principal


Decide = TypeVar("Decide", bound=Callable[..., Written])


def decision(
    router: APIRouter, path: str, summary: str, target: str | None = None
) -> Callable[[Decide], Decide]:
    """Declare `decide(do, <path ids>, body)` as the command route POST `path`.

    `target` names the record an If-Match refers to (None: the route creates one, and an
    If-Match is refused).
    """
    runner = Parameter(
        "cmd",
        Parameter.KEYWORD_ONLY,
        annotation=Annotated[Command, Depends(command_for(target))],
    )

    def register(decide: Decide) -> Decide:
        hints = get_type_hints(decide)
        given = [
            p.replace(annotation=hints[p.name], kind=Parameter.KEYWORD_ONLY)
            for p in signature(decide).parameters.values()
            if p.name != "do"
        ]

        def endpoint(cmd: Command, body: Any, **ids: UUID) -> JSONResponse:
            def act(env: Envelope) -> Written:
                do = Decision(cmd.app, env, cmd.expected_version, cmd.principal)
                return decide(do, body=body, **ids)

            return cmd.run(body, act)

        # FastAPI reads what a route takes from its signature: the path ids and the body as the
        # use case declares them, and the runner (caller, If-Match, Idempotency-Key) for all.
        endpoint.__signature__ = Signature(  # type: ignore[attr-defined]
            [*given, runner], return_annotation=JSONResponse
        )
        router.add_api_route(
            path,
            endpoint,
            methods=["POST"],
            status_code=201,
            response_model=WrittenPublic,
            responses=CREATED,
            summary=summary,
            description=decide.__doc__,
            name=decide.__name__,
        )
        return decide

    return register
