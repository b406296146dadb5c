"""Valid time of an aggregate: its state on each day, rebuilt from its (corrected) events."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from domain.aggregate import Aggregate, Corrected, Created, Event


def corrected(events: Sequence[Event]) -> list[Event]:
    """The events as the record now reads them: every correction folded into its target."""
    updates: dict[int, dict[str, Any]] = {}
    for event in events:
        if isinstance(event, Corrected):
            updates.setdefault(event.corrected_version, {})[event.field] = event.new_value
    result = []
    for event in events:
        if isinstance(event, Corrected):
            continue
        if change := updates.get(event.originator_version):
            event = type(event).model_validate({**event.model_dump(), **change})
        result.append(event)
    return result


def segments(events: Sequence[Event]) -> Iterator[tuple[date, Aggregate]]:
    """(effective day, state from that day on) in valid-time order; each state is a fresh copy.

    A decision recorded late still takes effect on its own day, so events are replayed in the
    order of the day they take effect, not the order they were recorded (ties keep that order).
    """
    story = corrected(events)
    if not story:
        return
    first, rest = story[0], story[1:]
    assert isinstance(first, Created)
    ordered = sorted(rest, key=lambda e: e.effective_on)
    days = sorted({first.effective_on, *(e.effective_on for e in ordered)})
    for day in days:
        applied = [first, *(e for e in ordered if e.effective_on <= day)]
        yield day, _replay(applied)


def _replay(events: list[Event]) -> Aggregate:
    agg: Aggregate | None = None
    for version, event in enumerate(events, start=1):
        agg = event.model_copy(update={"originator_version": version}).mutate(agg)
    assert agg is not None
    return agg
