"""Valid time of an aggregate: its state on each day, rebuilt from its (corrected) events."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from frispor.domain.aggregate import Aggregate, Corrected, Created, Event


def corrected(events: Sequence[Event]) -> list[Event]:
    """The events as the record now reads them: every correction folded into its target."""
    updates: dict[int, dict[str, Any]] = {}
    for event in events:
        if isinstance(event, Corrected):
            updates.setdefault(event.corrected_version, {})[event.field] = event.new_value
    if not updates:
        return list(events)
    result = []
    for event in events:
        if isinstance(event, Corrected):
            continue
        if change := updates.get(event.originator_version):
            event = type(event).model_validate({**event.model_dump(), **change})
        result.append(event)
    return result


def in_effect_order(events: Sequence[Event]) -> list[Event]:
    """The creation first, then the rest by the day they take effect (ties in recorded order).

    A decision recorded late still takes effect on its own day.
    """
    story = corrected(events)
    if not story:
        return []
    assert isinstance(story[0], Created)
    return [story[0], *sorted(story[1:], key=lambda e: e.effective_on)]


def segments(events: Sequence[Event]) -> Iterator[tuple[date, Aggregate]]:
    """(effective day, the state from that day on), in valid-time order.

    One pass: the state yielded is the live aggregate, changed again by the next step, so a
    caller derives what it needs from it before asking for the next segment.
    """
    ordered = in_effect_order(events)
    if not ordered:
        return
    # Nothing takes effect before the aggregate exists.
    days = [max(e.effective_on, ordered[0].effective_on) for e in ordered]
    state: Aggregate | None = None
    for version, event in enumerate(ordered, start=1):
        state = event.model_copy(update={"originator_version": version}).mutate(state)
        if version == len(ordered) or days[version] > days[version - 1]:
            assert state is not None
            yield days[version - 1], state


def state_on(events: Sequence[Event], day: date | None) -> Aggregate | None:
    """The aggregate as it stood on `day` (its latest state if None); None before it existed."""
    state: Aggregate | None = None
    for version, event in enumerate(in_effect_order(events), start=1):
        if day is not None and version > 1 and event.effective_on > day:
            break
        if day is not None and version == 1 and event.effective_on > day:
            return None
        # Numbered anew only where the order in effect differs from the recorded one: a copy
        # of every event was most of an inspection's check of each exemption on its day.
        if event.originator_version != version:
            event = event.model_copy(update={"originator_version": version})
        state = event.mutate(state)
    return state
