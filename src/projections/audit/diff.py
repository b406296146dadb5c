"""What the record said differently at two moments: per field, with the events responsible."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from frispor.domain.aggregate import Event
from frispor.projections.audit.record import Record, jsonable


@dataclass(frozen=True)
class Change:
    """One field of one aggregate that reads differently at the later moment."""

    aggregate_id: str
    kind: str
    field: str
    before: Any
    after: Any
    events: list[dict[str, Any]]

    @property
    def details(self) -> list[tuple[str, Any, Any]]:
        """Where inside the field it changed: (path, old, new), whole values at the leaves."""
        return list(_leaves(self.field, self.before, self.after))

    def as_dict(self) -> dict[str, Any]:
        """The change as JSON-able data: whole values, the changed parts, the events."""
        return {
            "aggregate_id": self.aggregate_id,
            "kind": self.kind,
            "field": self.field,
            "before": self.before,
            "after": self.after,
            "changed": [{"path": p, "before": b, "after": a} for p, b, a in self.details],
            "events": self.events,
        }


_ABSENT = object()


def _leaves(path: str, old: Any, new: Any) -> Iterator[tuple[str, Any, Any]]:
    """The innermost places two values differ: into dicts by key, lists by index."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys()):
            a, b = old.get(key, _ABSENT), new.get(key, _ABSENT)
            if a != b:
                yield from _leaves(f"{path}.{key}", a, b)
    elif isinstance(old, list) and isinstance(new, list):
        for i in range(max(len(old), len(new))):
            a = old[i] if i < len(old) else _ABSENT
            b = new[i] if i < len(new) else _ABSENT
            if a != b:
                yield from _leaves(f"{path}[{i}]", a, b)
    else:
        yield path, None if old is _ABSENT else old, None if new is _ABSENT else new


def fields(state: object | None, memo: dict[int, tuple[Any, Any]] | None = None) -> dict[str, Any]:
    """An aggregate's public fields as JSON-able data (a copy: later events leave it as it is).

    With `memo`, a frozen value met again (in a later state of the same aggregate) is not
    serialised again; the data is shared, so it must not be changed.
    """
    if state is None:
        return {}
    return {k: jsonable(v, memo) for k, v in vars(state).items() if not k.startswith("_")}


def diff(record: Record, earlier: datetime, later: datetime) -> list[Change]:
    """Differences between the record as known at `earlier` and at `later` (given in `record`)."""
    before = Record(earlier)
    for aggregate_id, events in record.events.items():
        kept = [e for e in events if e.timestamp <= earlier]
        if kept:
            before.events[aggregate_id] = kept
    before.positions = record.positions
    changes: list[Change] = []
    for aggregate_id, events in record.events.items():
        responsible = [e for e in events if earlier < e.timestamp <= later]
        if not responsible:
            continue
        old, new = fields(before.state(aggregate_id)), fields(record.state(aggregate_id))
        kind = type(events[0]).__qualname__.split(".")[0]
        cited = [citation(record.position(e), e) for e in responsible]
        changes += changes_of(aggregate_id, kind, old, new, cited)
    return changes


def citation(position: int, event: Event) -> dict[str, Any]:
    """How a change cites an event responsible for it."""
    return {
        "position": position,
        "type": type(event).__qualname__,
        "recorded_at": event.timestamp.isoformat(),
        "effective_on": event.effective_on.isoformat(),
    }


def changes_of(
    aggregate_id: UUID,
    kind: str,
    old: dict[str, Any],
    new: dict[str, Any],
    cited: list[dict[str, Any]],
) -> list[Change]:
    """The fields of one aggregate that differ between two of its states (`fields`)."""
    if not old:  # new since the earlier moment: one line, not one per field
        old, new = {"(record)": None}, {"(record)": "created"}
    return [
        Change(str(aggregate_id), kind, name, old.get(name), new.get(name), cited)
        for name in sorted(set(old) | set(new))
        if old.get(name) != new.get(name)
    ]
