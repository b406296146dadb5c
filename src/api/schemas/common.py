"""What every command body carries: the decision's legal basis, justification and dates."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from frispor.domain.aggregate import Envelope
from frispor.domain.values import Actor, LegalReference


class Strict(BaseModel):
    """Request bodies refuse unknown fields (an `actor` in a body is refused, never recorded)."""

    model_config = ConfigDict(extra="forbid")


class LegalReferenceIn(Strict):
    """A rule: the act's ELI and a Danish § path such as '§ 151, stk. 2'."""

    act: str = Field(examples=["https://www.retsinformation.dk/eli/lta/2017/988"], max_length=300)
    path: str = Field(default="", examples=["§ 151, stk. 2"], max_length=200)
    title: str | None = Field(default=None, examples=["serviceloven"], max_length=300)

    def to_domain(self) -> LegalReference:
        """The validated value object."""
        return LegalReference.parse(self.act, self.path, self.title)


class DecisionIn(Strict):
    """The envelope fields a caller gives; the actor comes from the credentials."""

    legal_basis: list[LegalReferenceIn] = Field(default_factory=list, max_length=20)
    justification: str = Field(default="", max_length=10_000)
    case_number: str | None = Field(default=None, max_length=100)
    decided_on: date = Field(description="valid time: the day the decision takes effect")
    causation_id: UUID | None = Field(default=None, description="the event this one follows from")

    def envelope(self, actor: Actor, correlation_id: UUID) -> Envelope:
        """The event envelope: the actor from the caller's credentials, the rest from the body."""
        return Envelope(
            actor=actor,
            legal_basis=tuple(ref.to_domain() for ref in self.legal_basis),
            justification=self.justification,
            case_number=self.case_number,
            decided_on=self.decided_on,
            correlation_id=correlation_id,
            causation_id=self.causation_id,
        )


class WrittenPublic(BaseModel):
    """What a command wrote."""

    id: UUID
    version: int = Field(description="the aggregate's version after the command (for If-Match)")
    position: int = Field(description="the event's global position (for read-your-writes)")


PROBLEM_SCHEMA = {
    "content": {"application/problem+json": {"schema": {"type": "object"}}},
    "description": "RFC 9457 problem details; `rule` names the rule that was broken",
}
# Every route may answer these (credentials, role, unknown id, input, database down).
ERRORS: dict[int | str, dict[str, Any]] = {
    status: PROBLEM_SCHEMA for status in (401, 403, 404, 422, 503)
}
# A body may also be too large or not JSON.
BODY_ERRORS: dict[int | str, dict[str, Any]] = {status: PROBLEM_SCHEMA for status in (413, 415)}
CREATED: dict[int | str, dict[str, Any]] = {
    201: {"model": WrittenPublic, "description": "recorded"},
    409: PROBLEM_SCHEMA,
    **BODY_ERRORS,
}
