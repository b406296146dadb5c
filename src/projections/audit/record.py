"""The record as known at a moment: every event recorded by then, with positions, by aggregate."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import Notification

from frispor.domain.aggregate import Aggregate, Event
from frispor.domain.application import Frispor
from frispor.domain.mapper import decode_event
from frispor.projections.timeline import corrected, state_on

A = TypeVar("A", bound=Aggregate)
TIMESTAMP = b'"timestamp":"'
OF_TYPE = "of_type"  # the cache's key for the lists of every aggregate of a kind
_PLAIN = frozenset({str, int, float, bool, type(None)})


@dataclass
class Record:
    """The events recorded up to `known_at` (all of them if None), grouped by aggregate."""

    known_at: datetime | None
    events: dict[UUID, list[Event]] = field(default_factory=dict)
    positions: dict[UUID, int] = field(default_factory=dict)  # event id → global position
    # Set once the record is complete (read from the log): every aggregate's state on a day
    # is then computed once, however many trials ask for it. Keyed by aggregate (then day), so
    # the findings runner, whose record grows, forgets one aggregate's states at a time.
    cache: dict[object, dict[Any, Any]] | None = field(default=None, repr=False, compare=False)

    def position(self, event: Event) -> int:
        """The global position of an event."""
        return self.positions[event.event_id]

    def state(self, aggregate_id: UUID, as_of: date | None = None) -> Aggregate | None:
        """An aggregate as the record says it stood on `as_of` (its latest state if None)."""
        if self.cache is not None:
            states = self.cache.setdefault(aggregate_id, {})
            if as_of not in states:
                states[as_of] = self._state(aggregate_id, as_of)
            return states[as_of]  # type: ignore[no-any-return]
        return self._state(aggregate_id, as_of)

    def _state(self, aggregate_id: UUID, as_of: date | None) -> Aggregate | None:
        events = self.events.get(aggregate_id)
        if not events:
            return None
        if as_of is None:
            return Aggregate.replay(corrected(events))
        return state_on(events, as_of)

    def of_type(self, kind: type[A], as_of: date | None = None) -> list[A]:
        """Every aggregate of a kind (that existed on `as_of`), as it stood."""
        if self.cache is not None:
            lists = self.cache.setdefault(OF_TYPE, {})
            if (kind, as_of) not in lists:
                lists[kind, as_of] = self._of_type(kind, as_of)
            return list(lists[kind, as_of])
        return self._of_type(kind, as_of)

    def _of_type(self, kind: type[A], as_of: date | None) -> list[A]:
        found = []
        for aggregate_id, events in self.events.items():
            if events and events[0].__class__.__qualname__.startswith(kind.__name__ + "."):
                state = self.state(aggregate_id, as_of)
                if isinstance(state, kind):
                    found.append(state)
        return found

    def all_events(self) -> Iterator[Event]:
        """Every event, in recorded order."""
        return iter(sorted((e for es in self.events.values() for e in es), key=self.position))


def load_record(
    app: Frispor,
    known_at: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    batch: int = 2000,
) -> Record:
    """Read the whole log once, keeping what was recorded by `known_at`."""
    record = Record(known_at)
    start = 1
    while notifications := app.recorder.select_notifications(start=start, limit=batch):
        for n in notifications:
            # Recorded later than asked: skipped unread (most of the work is decoding).
            if known_at is not None and recorded_at(n.state) > known_at:
                continue
            event = decode_event(n.topic, UUID(str(n.originator_id)), n.originator_version, n.state)
            record.events.setdefault(event.originator_id, []).append(event)
            record.positions[event.event_id] = n.id
        start = notifications[-1].id + 1
        if progress:
            progress(len(notifications))
    record.cache = {}
    return record


def load_changed(
    app: Frispor,
    earlier: datetime,
    later: datetime,
    progress: Callable[[int], None] | None = None,
    batch: int = 2000,
) -> Record:
    """The record at `later`, holding only the aggregates with events recorded after `earlier`.

    The log is scanned once reading only each event's recorded time; only the events of the
    aggregates that changed are decoded (decoding is most of the work of `load_record`).
    """
    kept: dict[UUID, list[Notification]] = {}
    changed: set[UUID] = set()
    start = 1
    while notifications := app.recorder.select_notifications(start=start, limit=batch):
        for n in notifications:
            at = recorded_at(n.state)
            if at > later:
                continue
            originator = UUID(str(n.originator_id))
            kept.setdefault(originator, []).append(n)
            if at > earlier:
                changed.add(originator)
        start = notifications[-1].id + 1
        if progress:
            progress(len(notifications))
    record = Record(later)
    for originator in sorted(changed, key=lambda o: kept[o][0].id):  # first recorded first
        for n in kept[originator]:
            event = decode_event(n.topic, originator, n.originator_version, n.state)
            record.events.setdefault(originator, []).append(event)
            record.positions[event.event_id] = n.id
    record.cache = {}
    return record


def recorded_at(state: bytes) -> datetime:
    """When a stored event was recorded, read from its JSON without decoding the rest.

    The recorded time is the first field of every stored event (after its class version), so
    the first `"timestamp":"` is that field: a string value holding the same text is escaped.
    """
    start = state.index(TIMESTAMP) + len(TIMESTAMP)
    return datetime.fromisoformat(state[start : state.index(b'"', start)].decode())


def jsonable(value: Any, memo: dict[int, tuple[Any, Any]] | None = None) -> Any:
    """A state value as JSON-able data; `memo` keeps what frozen models became, to reuse."""
    if type(value) in _PLAIN:  # most values: returned as they are, without the lookups below
        return value
    if hasattr(value, "model_dump"):
        if memo is None or not value.model_config.get("frozen"):
            return value.model_dump(mode="json")
        # The model is kept beside its data: alive, its id cannot name another object.
        if (known := memo.get(id(value))) is None:
            known = memo[id(value)] = value, value.model_dump(mode="json")
        return known[1]
    if isinstance(value, (list, tuple, set, frozenset)):
        return (
            [jsonable(v, memo) for v in sorted(value, key=str)]
            if isinstance(value, (set, frozenset))
            else [jsonable(v, memo) for v in value]
        )
    if isinstance(value, dict):
        return {str(k): jsonable(v, memo) for k, v in value.items()}
    if isinstance(value, (date, datetime, UUID)):
        return str(value)
    return value.value if hasattr(value, "value") else value
