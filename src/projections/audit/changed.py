"""The stored events of the aggregates that changed between two moments, found by recorded time.

The recorded-times read model names the aggregates with events recorded in the span and, for
each, the last version recorded by its end; what it has not applied yet is read from the log.
Only those aggregates' events up to that version are read, by aggregate (the events table's
key). Recorded time need not rise with version (a correction may be recorded with an earlier
time than events before it), so it is the last version recorded by then, not the last one in
the span, and the reader still keeps only the events recorded by then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

from frispor.domain.application import Frispor
from frispor.projections.audit.record import recorded_at
from frispor.projections.catalog import active_table, position_of
from frispor.projections.recorded import VIEW
from frispor.projections.view import iso_time
from frispor.store.db import Database

# Aggregates per query of the read model, and per read of the events table.
CHUNK = 500
BATCH = 5_000


class Stored(NamedTuple):
    """One stored event, undecoded (a named tuple: made for every event read, and cheaply)."""

    position: int
    version: int
    topic: str
    state: bytes


def changed_between(
    app: Frispor,
    db: Database,
    earlier: datetime,
    later: datetime,
    progress: Callable[[int], None] | None = None,
) -> dict[UUID, int]:
    """Aggregates with events recorded after `earlier`, by `later`: each one's last by `later`."""
    since, until = iso_time(earlier), iso_time(later)
    with db.read() as cur:
        table = active_table(cur, VIEW.name)
        # The position first: every row up to it is committed with it; later rows are left
        # out and their events read from the log below (the runner may apply more meanwhile).
        applied = position_of(cur, table)
        rows = cur.execute(
            f"SELECT aggregate_id, MAX(version) FROM {table} WHERE aggregate_id IN ("
            f"SELECT aggregate_id FROM {table} "
            "WHERE recorded_from > %s AND recorded_from <= %s AND position <= %s) "
            "AND recorded_from <= %s AND position <= %s GROUP BY aggregate_id",
            (since, until, applied, until, applied),
        )
    last = {UUID(str(agg)): int(version) for agg, version in rows}
    # The tail the read model has not applied yet (nothing once it is caught up).
    tail: dict[UUID, int] = {}
    start = applied + 1
    while notifications := app.recorder.select_notifications(start=start, limit=2_000):
        for n in notifications:
            at = recorded_at(n.state)
            if at <= later:
                agg = UUID(str(n.originator_id))
                tail[agg] = max(tail.get(agg, 0), n.originator_version)
                if at > earlier:
                    last.setdefault(agg, 0)
        start = notifications[-1].id + 1
        if progress:
            progress(len(notifications))
    # Changed in the tail alone: how far the read model knows them.
    known = _last_versions(db, table, [a for a, v in last.items() if v == 0], until, applied)
    for agg in last:
        last[agg] = max(last[agg], known.get(agg, 0), tail.get(agg, 0))
    return last


def _last_versions(
    db: Database, table: str, aggregates: list[UUID], until: str, applied: int
) -> dict[UUID, int]:
    """The last version of each aggregate recorded by `until`, as far as the read model knows."""
    last: dict[UUID, int] = {}
    for i in range(0, len(aggregates), CHUNK):
        chunk = [str(a) for a in aggregates[i : i + CHUNK]]
        params: list[Any]
        with db.read() as cur:
            if cur.takes_arrays:
                where, params = "aggregate_id = ANY(%s)", [chunk]
            else:
                where, params = f"aggregate_id IN ({', '.join(['%s'] * len(chunk))})", chunk
            rows = cur.execute(
                f"SELECT aggregate_id, MAX(version) FROM {table} WHERE {where} "
                "AND recorded_from <= %s AND position <= %s GROUP BY aggregate_id",
                (*params, until, applied),
            )
        last |= {UUID(str(agg)): int(version) for agg, version in rows}
    return last


def stored_events(db: Database, last: dict[UUID, int]) -> dict[UUID, list[Stored]]:
    """The events of each aggregate up to its given version, in version order."""
    found: dict[UUID, list[Stored]] = {agg: [] for agg in last}
    for agg, position, version, topic, state in _rows(db, last):
        key = agg if isinstance(agg, UUID) else UUID(agg)
        found[key].append(Stored(position, version, topic, state))
    for events in found.values():
        events.sort(key=lambda s: s.version)
    return found


def _rows(db: Database, last: dict[UUID, int]) -> Iterator[tuple[Any, int, int, str, bytes]]:
    """The stored events of these aggregates up to the versions given, in no order."""
    if not db.is_postgres:
        with db.read() as cur:
            for agg, version in last.items():
                yield from cur.execute(
                    "SELECT originator_id, rowid, originator_version, topic, state "
                    f"FROM {db.events_table} "
                    "WHERE originator_id = %s AND originator_version <= %s",
                    (agg.hex, version),
                )
        return
    aggregates = list(last)
    # Binary: in text form the bytes of every event come as hex, and decoding that is most
    # of the read. Not ordered by position, which would walk the whole log's index once the
    # statement is prepared: by aggregate, the key, it reads just these.
    with db.pg_connection() as conn, conn.cursor(binary=True) as cur:
        for i in range(0, len(aggregates), BATCH):
            chunk = aggregates[i : i + BATCH]
            cur.execute(
                "SELECT e.originator_id, e.notification_id, e.originator_version, e.topic, "
                f"e.state FROM {db.events_table} e "
                "JOIN unnest(%s::uuid[], %s::bigint[]) AS b (id, last) ON e.originator_id = b.id "
                "WHERE e.originator_version <= b.last",
                (chunk, [last[a] for a in chunk]),
            )
            yield from cur.fetchall()
