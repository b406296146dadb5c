"""The status summary in an export (data/status.json): a small tally, meant to be replaced.

For now it counts the exported events by type and lists the aggregate ids by type; a
later step will put the read models' status at the cut here instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["StatusBuilder", "StatusFactory", "StatusTally"]


class StatusBuilder(Protocol):
    """Sees every exported event once, in order, then gives the status document."""

    def add(self, event_type: str, aggregate_type: str, aggregate_id: str) -> None:
        """Take one exported event into account."""
        ...

    def result(self) -> dict[str, Any]:
        """Return the status document (JSON-serialisable)."""
        ...


StatusFactory = Callable[[], StatusBuilder]


class StatusTally:
    """Counts events by type and collects aggregate ids by aggregate type."""

    def __init__(self) -> None:
        """Start empty."""
        self.events: Counter[str] = Counter()
        self.aggregates: dict[str, set[str]] = {}

    def add(self, event_type: str, aggregate_type: str, aggregate_id: str) -> None:
        """Count one event and remember its aggregate."""
        self.events[event_type] += 1
        self.aggregates.setdefault(aggregate_type, set()).add(aggregate_id)

    def result(self) -> dict[str, Any]:
        """Return {"events", "events_by_type", "aggregates_by_type"}, sorted for stable output."""
        return {
            "events": sum(self.events.values()),
            "events_by_type": dict(sorted(self.events.items())),
            "aggregates_by_type": {k: sorted(v) for k, v in sorted(self.aggregates.items())},
        }
