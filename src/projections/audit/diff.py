"""What the record said differently at two moments: per field, with the events responsible."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from frispor.domain.aggregate import Aggregate, Corrected, Event
from frispor.domain.application import Frispor
from frispor.domain.inspection import Inspection
from frispor.domain.mapper import decode_event
from frispor.projections.audit.changed import Stored, changed_between, stored_events
from frispor.projections.audit.record import Record, jsonable, recorded_at
from frispor.projections.findings_groups import moved
from frispor.projections.timeline import corrected
from frispor.store.db import Database

# Events whose `apply` reads the envelope (who planned an inspection): decoded whole always.
READS_ENVELOPE = frozenset({get_topic(Inspection.Planned)})


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


def _fields(state: object | None) -> dict[str, Any]:
    if state is None:
        return {}
    return {k: jsonable(v) for k, v in vars(state).items() if not k.startswith("_")}


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
        old, new = _fields(before.state(aggregate_id)), _fields(record.state(aggregate_id))
        kind = type(events[0]).__qualname__.split(".")[0]
        cited = [_cited(record.position(e), e) for e in responsible]
        changes += _changes(aggregate_id, kind, old, new, cited)
    return changes


def _cited(position: int, event: Event) -> dict[str, Any]:
    return {
        "position": position,
        "type": type(event).__qualname__,
        "recorded_at": event.timestamp.isoformat(),
        "effective_on": event.effective_on.isoformat(),
    }


def _changes(
    aggregate_id: UUID,
    kind: str,
    old: dict[str, Any],
    new: dict[str, Any],
    cited: list[dict[str, Any]],
) -> list[Change]:
    if not old:  # new since the earlier moment: one line, not one per field
        old, new = {"(record)": None}, {"(record)": "created"}
    return [
        Change(str(aggregate_id), kind, name, old.get(name), new.get(name), cited)
        for name in sorted(set(old) | set(new))
        if old.get(name) != new.get(name)
    ]


def diff_stored(logs: dict[UUID, list[Stored]], earlier: datetime, later: datetime) -> list[Change]:
    """`diff` from the stored events of the changed aggregates (`changed.stored_events`).

    Each aggregate is replayed once: to `earlier`, its fields taken, then on to `later`.
    The events before the span are decoded without their envelope (their apply steps do not
    read it); those in the span whole, as they are cited with the day they take effect.
    """
    spans = []
    for aggregate_id, log in logs.items():
        kept = [(recorded_at(s.state), s) for s in log]
        kept = [(at, s) for at, s in kept if at <= later]
        if kept and any(at > earlier for at, _ in kept):
            spans.append((kept[0][1].position, aggregate_id, kept))
    changes: list[Change] = []
    for _, aggregate_id, kept in sorted(spans, key=lambda t: t[0]):  # first recorded first
        events = [
            decode_event(
                s.topic,
                aggregate_id,
                s.version,
                s.state,
                facts_only=at <= earlier and s.topic not in READS_ENVELOPE,
            )
            for at, s in kept
        ]
        within = [i for i, (at, _) in enumerate(kept) if at > earlier]
        before = [e for (at, _), e in zip(kept, events, strict=True) if at <= earlier]
        state = Aggregate.replay(corrected(before)) if before else None
        old = _fields(state)
        after = [events[i] for i in within]
        if state is not None and within[0] == len(before) and not _corrects(after):
            for event in after:  # the span follows what was known: replayed on from there
                state = moved(state, event)
        else:  # a correction folds into an earlier event: the whole story again
            state = Aggregate.replay(corrected(events))
        kind = type(events[0]).__qualname__.split(".")[0]
        cited = [_cited(kept[i][1].position, events[i]) for i in within]
        changes += _changes(aggregate_id, kind, old, _fields(state), cited)
    return changes


def _corrects(events: list[Event]) -> bool:
    return any(isinstance(e, Corrected) for e in events)


def diff_between(app: Frispor, db: Database, earlier: datetime, later: datetime) -> list[Change]:
    """`diff` of the record at two moments, reading only the aggregates that changed."""
    return diff_stored(stored_events(db, changed_between(app, db, earlier, later)), earlier, later)
