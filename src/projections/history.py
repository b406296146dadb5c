"""The event log itself, with positions: one aggregate's history, or the global feed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from frispor.domain.aggregate import Corrected, Event
from frispor.domain.mapper import decode_event
from frispor.store.db import Database


@dataclass(frozen=True)
class Logged:
    """An event and its global position."""

    position: int
    event: Event


def _select(
    db: Database, where: str, params: Sequence[Any], limit: int, one_aggregate: bool = False
) -> list[Logged]:
    position = "notification_id" if db.is_postgres else "rowid"
    # One aggregate's events come in version order, which is their position order too; asked
    # so, its key serves the order as well as the filter. Ordered by position instead, the plan
    # PostgreSQL keeps for a prepared statement walks the whole log's position index (~0.6 s
    # at 1M events) looking for one aggregate's few events.
    order = "originator_version" if one_aggregate else position
    sql = (
        f"SELECT {position}, originator_id, originator_version, topic, state "
        f"FROM {db.events_table} WHERE {where} ORDER BY {order} LIMIT %s"
    )
    with db.transaction() as cur:
        rows = cur.execute(sql, (*params, limit))
    return [
        Logged(int(pos), decode_event(topic, UUID(str(agg)), int(ver), bytes(state)))
        for pos, agg, ver, topic, state in rows
    ]


def history(db: Database, aggregate_id: UUID, limit: int = 10_000, after: int = 0) -> list[Logged]:
    """The events of one aggregate after a position, oldest first."""
    position = "notification_id" if db.is_postgres else "rowid"
    where = f"originator_id = %s AND {position} > %s"
    return _select(db, where, (_originator(db, aggregate_id), after), limit, one_aggregate=True)


def logged_before(db: Database, aggregates: set[UUID], before: int | None) -> list[Logged]:
    """The events of some aggregates before a position (all if None), in the log's order."""
    pos = "notification_id" if db.is_postgres else "rowid"
    keys = [a if db.is_postgres else a.hex for a in aggregates]
    # Not ordered by the server: by position it would walk the whole log's index, while by
    # aggregate (the key) it reads just these.
    sql = (
        f"SELECT {pos}, originator_id, originator_version, topic, state "
        f"FROM {db.events_table} WHERE {pos} < %s AND originator_id IN "
        f"({', '.join(['%s'] * len(keys))})"
    )
    with db.transaction() as cur:
        rows = cur.execute(sql, (1 << 62 if before is None else before, *keys))
    return [
        Logged(int(p), decode_event(topic, UUID(str(a)), int(v), bytes(state)))
        for p, a, v, topic, state in sorted(rows, key=lambda row: int(row[0]))
    ]


def _originator(db: Database, aggregate_id: UUID) -> Any:
    return aggregate_id if db.is_postgres else aggregate_id.hex  # SQLite stores hex


def corrections(db: Database, aggregate_id: UUID) -> list[Logged]:
    """Every correction filed on one aggregate, found by topic (its other events stay unread)."""
    topic = f"{Corrected.__module__}:{Corrected.__qualname__}"
    where = "originator_id = %s AND topic = %s"
    return _select(db, where, (_originator(db, aggregate_id), topic), 10_000, one_aggregate=True)


def event_at(db: Database, aggregate_id: UUID, version: int) -> Logged | None:
    """One aggregate's event at a version, if it has one."""
    where = "originator_id = %s AND originator_version = %s"
    found = _select(db, where, (_originator(db, aggregate_id), version), 1, one_aggregate=True)
    return found[0] if found else None


def feed(
    db: Database,
    after: int,
    limit: int,
    topics: Sequence[str] = (),
    aggregate_ids: Sequence[UUID] | None = None,
    recorded: tuple[datetime | None, datetime | None] = (None, None),
) -> tuple[list[Logged], int]:
    """Events after a position that match the filters, and the last position looked at.

    Resume with `after=` that last position: it is past everything examined, matched or not.
    """
    position = "notification_id" if db.is_postgres else "rowid"
    where = f"{position} > %s"
    params: list[Any] = [after]
    if topics:
        where += " AND topic IN (" + ", ".join(["%s"] * len(topics)) + ")"
        params += list(topics)
    if aggregate_ids is not None:
        if not aggregate_ids:
            return [], after
        keys = [a if db.is_postgres else a.hex for a in aggregate_ids]
        where += " AND originator_id IN (" + ", ".join(["%s"] * len(keys)) + ")"
        params += keys
    since, until = recorded
    if since is None and until is None:
        rows = _select(db, where, params, limit)
        return rows, rows[-1].position if rows else after
    # Recorded time lives inside the event: scan a bounded window and filter here.
    window = _select(db, where, params, limit * 10)
    kept = [
        r
        for r in window
        if (since is None or r.event.timestamp >= since)
        and (until is None or r.event.timestamp <= until)
    ][:limit]
    last = kept[-1].position if len(kept) == limit else (window[-1].position if window else after)
    return kept, last


def describe(logged: Logged) -> dict[str, Any]:
    """An event as JSON for people and integrations: envelope, times, facts."""
    e = logged.event
    facts = e.model_dump(
        mode="json",
        exclude={"originator_id", "originator_version", "timestamp", "event_id", "envelope"},
    )
    return {
        "position": logged.position,
        "event_id": str(e.event_id),
        "type": type(e).__qualname__,
        "schema_version": type(e).class_version,
        "aggregate_id": str(e.originator_id),
        "aggregate_version": e.originator_version,
        "recorded_at": e.timestamp.isoformat(),
        "effective_on": e.effective_on.isoformat(),
        "valid_from": e.valid_from.isoformat(),
        "valid_to": e.valid_to.isoformat() if e.valid_to else None,
        "envelope": e.envelope.model_dump(mode="json"),
        "facts": facts,
    }
