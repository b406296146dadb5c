"""Writes a batch's row versions: closes those that changed, inserts the new ones."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from frispor.projections.view import END_TIME, Version, View
from frispor.store.db import Cursor

# One event's effect: recorded time, position, aggregate version, and the rows it changed.
Change = tuple[str, int, int, dict[tuple[str, str], Version | None]]
COLUMNS = [
    "aggregate_id",
    "row_key",
    "valid_from",
    "valid_to",
    "recorded_from",
    "recorded_to",
    "position",
    "closed_position",
]


def write_batch(cur: Cursor, table: str, view: View, changes: dict[UUID, list[Change]]) -> None:
    """Close the row versions that changed and insert the new ones, for a whole batch."""
    if not changes:
        return
    current = _current(cur, table, view, changes)
    closes: list[tuple[str, int, str, str, str]] = []
    inserts: list[list[Any]] = []
    for agg, steps in changes.items():
        key = str(agg)
        live = current.get(key, {})
        pending: dict[tuple[str, str], list[Any]] = {}  # inserted in this batch, still open
        for recorded, position, _, delta in steps:
            for ident, new in delta.items():
                old = live.get(ident)
                if old is not None and new is not None and new.content == old.content:
                    continue
                if old is not None:
                    if ident in pending:  # opened and closed within this batch
                        closing = pending.pop(ident)
                        closing[5], closing[7] = recorded, position
                    else:
                        closes.append((recorded, position, key, ident[0], ident[1]))
                    del live[ident]
                if new is None:
                    continue
                live[ident] = new
                pending[ident] = [
                    key,
                    new.key,
                    new.valid_from,
                    new.valid_to,
                    recorded,
                    END_TIME,
                    position,
                    None,
                    *new.columns,
                    new.data,
                ]
                inserts.append(pending[ident])
    _close(cur, table, closes)
    if inserts:
        cur.insert_rows(table, [*COLUMNS, *(name for name, _ in view.columns), "data"], inserts)


def _current(
    cur: Cursor, table: str, view: View, changes: dict[UUID, list[Change]]
) -> dict[str, dict[tuple[str, str], Version]]:
    """The open row versions of the batch's aggregates, as the table holds them now."""
    # An aggregate whose first event is in this batch has no rows yet: nothing to read.
    ids = [str(agg) for agg, steps in changes.items() if steps[0][2] != 1]
    current: dict[str, dict[tuple[str, str], Version]] = {a: {} for a in ids}
    if not ids:
        return current
    extra = "".join(", " + name for name, _ in view.columns)
    select = f"SELECT aggregate_id, row_key, valid_from, valid_to, data{extra} FROM {table}"
    params: list[Any]
    if cur.takes_arrays:
        where, params = "aggregate_id = ANY(%s)", [ids]
    else:
        where, params = f"aggregate_id IN ({', '.join(['%s'] * len(ids))})", list(ids)
    for row in cur.execute(f"{select} WHERE recorded_to = %s AND {where}", (END_TIME, *params)):
        version = Version(row[1], row[2], row[3], tuple(row[5:]), row[4])
        current[row[0]][version.identity] = version
    return current


def _close(cur: Cursor, table: str, closes: list[tuple[str, int, str, str, str]]) -> None:
    """Set recorded_to and closed_position on the open rows named (aggregate, key, valid_from)."""
    if not closes:
        return
    match = "aggregate_id = %s AND row_key = %s AND valid_from = %s"
    if not cur.takes_arrays:
        cur.executemany(
            f"UPDATE {table} SET recorded_to = %s, closed_position = %s "
            f"WHERE {match} AND recorded_to = '{END_TIME}'",
            closes,
        )
        return
    # One statement for the whole batch: the rows to close arrive as arrays, one per column.
    cur.execute(
        f"UPDATE {table} AS v SET recorded_to = c.r, closed_position = c.p FROM unnest("
        "%s::text[], %s::bigint[], %s::text[], %s::text[], %s::text[]) AS c(r, p, a, k, f) "
        "WHERE v.aggregate_id = c.a AND v.row_key = c.k AND v.valid_from = c.f "
        f"AND v.recorded_to = '{END_TIME}'",
        [list(column) for column in zip(*closes, strict=True)],
    )
