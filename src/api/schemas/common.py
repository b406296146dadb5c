"""What every command body carries: the decision's legal basis, justification and dates."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from frispor.domain.aggregate import Envelope
from frispor.domain.commands import Command
from frispor.domain.values import Actor, LegalReference

# One example per command body (examples.json, by the body's class name), from the demo.
EXAMPLES: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parent / "examples.json").read_text(encoding="utf-8")
)
EXAMPLE_ENVELOPE = {
    "legal_basis": [
        {
            "act": "https://www.retsinformation.dk/eli/lta/2017/658",
            "path": "§ 1",
            "title": "lov om frikommunenetværk",
        }
    ],
    "justification": "Godkendt efter ansøgning",
    "case_number": "2017-4127",
}


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


def _example(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """A command body's example in the description: a decision of the demo's, envelope and all."""
    fields = EXAMPLES.get(model.__name__)
    if fields is not None:
        schema["examples"] = [{**EXAMPLE_ENVELOPE, **fields}]


class DecisionIn(Strict):
    """The envelope fields a caller gives; the actor comes from the credentials."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_example)

    legal_basis: list[LegalReferenceIn] = Field(default_factory=list, max_length=20)
    justification: str = Field(default="", max_length=10_000)
    case_number: str | None = Field(default=None, max_length=100)
    decided_on: date = Field(description="valid time: the day the decision takes effect")
    causation_id: UUID | None = Field(default=None, description="the event this one follows from")

    def command(self) -> Command:
        """The domain's command this body carries: the body itself, where it is one."""
        if not isinstance(self, Command):
            raise TypeError(f"{type(self).__name__} names no command of its own")
        return self

    def own(self) -> dict[str, Any]:
        """The body's own fields (its command's), without the envelope's."""
        return {name: value for name, value in self if name not in DecisionIn.model_fields}

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
