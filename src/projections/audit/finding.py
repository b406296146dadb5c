"""A finding of the legal-certainty review, and the kinds and severities there are."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from typing import Any, Literal, get_args

Severity = Literal["high", "medium", "low"]
FindingKind = Literal[
    "announced-without-exemption",
    "exemption-outside-trial",
    "incompetent-grantor",
    "goal-not-measured",
    "measurement-outside-trial",
    "order-overdue",
    "retroactive-correction",
    "late-recording",
]
SEVERITY: tuple[str, ...] = get_args(Severity)


@dataclass(frozen=True)
class Finding:
    """One thing a legal reviewer should look at, with the positions of the events behind it."""

    code: str
    severity: str
    title: str
    explanation: str
    trial_id: str | None
    institution_id: str | None
    day: str
    positions: list[int] = field(default_factory=list)

    @property
    def id(self) -> str:
        """Stable across runs: the same facts give the same id."""
        key = f"{self.code}:{self.trial_id}:{self.institution_id}:{self.positions}"
        return f"{self.code}-{hashlib.sha256(key.encode()).hexdigest()[:10]}"

    def as_dict(self) -> dict[str, Any]:
        """The finding as JSON-able data."""
        # Field by field, not by `fields()`: made for every row the findings runner writes.
        return {
            "id": self.id,
            "code": self.code,
            "severity": self.severity,
            "title": self.title,
            "explanation": self.explanation,
            "trial_id": self.trial_id,
            "institution_id": self.institution_id,
            "day": self.day,
            "positions": list(self.positions),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """A finding from its JSON form (as the read model answers it)."""
        return cls(**{k: v for k, v in data.items() if k != "id"})


FIELDS = tuple(f.name for f in fields(Finding))
