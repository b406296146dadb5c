"""A trial's group for the findings runner: its events as a record, states kept, rows by span."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from frispor.domain.aggregate import Aggregate, Corrected, Event
from frispor.projections.audit.record import OF_TYPE, Record
from frispor.projections.findings_tail import Tail
from frispor.projections.view import Version

# The kinds whose states make findings; an event of one changes its own findings only (an
# exemption's, those of its trial's inspections too), any other event those of its whole group.
SUBJECTS = ("Inspection", "Exemption", "Goal", "Order")


@dataclass
class Group:
    """A group's events so far (as a record), its states, and its aggregates' state findings."""

    record: Record = field(default_factory=lambda: Record(None))
    parents: tuple[UUID, ...] = ()  # a trial's network and programme
    # Each inspection's, exemption's, goal's and order's rows, by the span that made each: an
    # event recomputes those of the aggregates it can change, and a span that comes again
    # keeps its row as made.
    rows: dict[UUID, dict[tuple[Any, ...], Version]] = field(default_factory=dict)
    # States computed so far, by aggregate, kept from one event to the next: an event changes
    # only its own aggregate's (and every list of a kind), so the others are not replayed again.
    memo: dict[object, dict[Any, Any]] = field(default_factory=dict)
    # Goals whose rows a later measurement extends (their `rows` then stale), and goals whose
    # rows the tail could not make again: those stay with the generic path.
    tails: dict[UUID, Tail] = field(default_factory=dict)
    untailed: set[UUID] = field(default_factory=set)

    def __post_init__(self) -> None:
        # Its record's states come from the memo: kept current by `changed`, but for the
        # network's and programme's, which `FindingsRunner._state` sets before it asks.
        self.record.cache = self.memo

    def rows_of(self, agg: UUID) -> dict[tuple[Any, ...], Version]:
        """An aggregate's rows by span; a goal's tail, if it has one, gives way."""
        tail = self.tails.pop(agg, None)
        if tail is not None:
            self.rows[agg] = tail.rows()
        return self.rows.get(agg, {})

    def changed(self, agg: UUID, event: Event) -> None:
        """Forget what an event of `agg` may have changed; its latest state takes the event."""
        self.memo.pop(OF_TYPE, None)
        states = self.memo.pop(agg, None)
        latest = states.get(None) if states else None
        if latest is not None and not isinstance(event, Corrected):
            self.memo[agg] = {None: moved(latest, event)}

    def subjects(self, *kinds: str) -> list[UUID]:
        """The group's aggregates with state findings (of the given kinds only)."""
        wanted = kinds or SUBJECTS
        return [
            a for a, events in self.record.events.items() if events and _kind(events[0]) in wanted
        ]


def touched(group: Group, agg: UUID) -> list[UUID]:
    """The aggregates of a group whose state findings an event of `agg` can change."""
    kind = _kind(group.record.events[agg][0])
    if kind == "Exemption":  # an inspection's finding asks for an exemption in force
        return [agg, *group.subjects("Inspection")]
    return [agg] if kind in SUBJECTS else group.subjects()


def _kind(created: Event) -> str:
    """The kind of aggregate an event (its first) belongs to."""
    return type(created).__qualname__.partition(".")[0]


def moved(state: Aggregate, event: Event) -> Aggregate:
    """The state after one more event, as a replay makes it (numbering a corrected log anew)."""
    if event.originator_version != state.version + 1:
        event = event.model_copy(update={"originator_version": state.version + 1})
    moved = event.mutate(state)
    assert moved is not None
    return moved
