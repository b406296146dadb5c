"""What long work reports its progress to (a bar on a terminal, or nothing)."""

from __future__ import annotations

from typing import Protocol


class Steps(Protocol):
    """Told when a phase of the work starts and how far it has got."""

    def begin(self, label: str, total: int | None) -> None:
        """A phase of `total` steps starts (None: a number not known beforehand)."""

    def advance(self, done: int) -> None:
        """`done` more steps of the current phase are done."""
