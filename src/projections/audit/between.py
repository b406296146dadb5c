"""`frispor diff` from the changed aggregates alone: read, replayed once each, on two processes.

The recorded-times read model names the aggregates (`changed.changed_between`); their stored
events are read and replayed here. Many aggregates are split between this process and a second
one (decoding and replaying are pure Python: one core each).
"""

from __future__ import annotations

import heapq
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from frispor.domain.aggregate import Aggregate, Corrected, Event
from frispor.domain.application import Frispor
from frispor.domain.inspection import Inspection
from frispor.domain.mapper import decode_event
from frispor.projections.audit.changed import Stored, changed_between, stored_events
from frispor.projections.audit.diff import Change, changes_of, citation, fields
from frispor.projections.audit.record import recorded_at
from frispor.projections.findings_groups import moved
from frispor.projections.timeline import corrected
from frispor.store.db import Database

# Events whose `apply` reads the envelope (who planned an inspection): decoded whole always.
READS_ENVELOPE = frozenset({get_topic(Inspection.Planned)})
# Below this many changed aggregates a second process costs more (its start) than it saves.
SPLIT_AT = 5_000
# One aggregate's changes, after the position of its first event (the order of the output).
Group = tuple[int, list[Change]]


def diff_between(
    app: Frispor, db: Database, earlier: datetime, later: datetime, processes: int | None = None
) -> list[Change]:
    """`diff` of the record at two moments, reading only the aggregates that changed."""
    last = changed_between(app, db, earlier, later)
    if processes is None:
        processes = min(2, _cpus()) if len(last) >= SPLIT_AT else 1
    items = list(last.items())
    parts = [dict(items[i::processes]) for i in range(processes)]
    if processes == 1:
        groups = [_diff_part(db, last, earlier, later)]
    else:
        spawn = multiprocessing.get_context("spawn")  # not fork: this process runs threads
        with ProcessPoolExecutor(processes - 1, mp_context=spawn) as pool:
            others = [pool.submit(_in_process, db.url, p, earlier, later) for p in parts[1:]]
            groups = [_diff_part(db, parts[0], earlier, later), *(f.result() for f in others)]
    return [c for _, changes in heapq.merge(*groups, key=lambda g: g[0]) for c in changes]


def _cpus() -> int:
    """The CPUs this process may run on (FRISPOR_CPUS may have narrowed them)."""
    if hasattr(os, "sched_getaffinity"):  # Linux
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _in_process(url: str, last: dict[UUID, int], earlier: datetime, later: datetime) -> list[Group]:
    db = Database(url)
    try:
        return _diff_part(db, last, earlier, later)
    finally:
        db.close()


def _diff_part(
    db: Database, last: dict[UUID, int], earlier: datetime, later: datetime
) -> list[Group]:
    return diff_stored(stored_events(db, last), earlier, later)


def diff_stored(logs: dict[UUID, list[Stored]], earlier: datetime, later: datetime) -> list[Group]:
    """`diff` from the stored events of changed aggregates, by aggregate, first recorded first.

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
    groups: list[Group] = []
    for first, aggregate_id, kept in sorted(spans, key=lambda t: t[0]):
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
        memo: dict[int, tuple[Any, Any]] = {}  # the values both states share, serialised once
        old = fields(state, memo)
        after = [events[i] for i in within]
        if state is not None and within[0] == len(before) and not _corrects(after):
            for event in after:  # the span follows what was known: replayed on from there
                state = moved(state, event)
        else:  # a correction folds into an earlier event: the whole story again
            state = Aggregate.replay(corrected(events))
        kind = type(events[0]).__qualname__.split(".")[0]
        cited = [citation(kept[i][1].position, events[i]) for i in within]
        new = fields(state, memo)
        groups.append((first, changes_of(aggregate_id, kind, old, new, cited)))
    return groups


def _corrects(events: list[Event]) -> bool:
    return any(isinstance(e, Corrected) for e in events)
