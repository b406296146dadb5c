"""The SQL the read-model queries share: the bitemporal condition, row shapes, the trial's union."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from frispor.projections.catalog import VIEWS
from frispor.projections.view import END_TIME, iso_time
from frispor.store.db import Row

BASE = ["aggregate_id", "valid_from", "valid_to", "recorded_from", "recorded_to", "position"]


def typed_columns(name: str) -> list[str]:
    """The typed columns of a read model's table."""
    return VIEWS[name].shown


# What GET /trials/{id} shows, part by part: (read model, its typed columns, which rows).
TRIAL_PARTS = [
    ("trials", typed_columns("trials"), "aggregate_id = %s"),
    ("institutions", typed_columns("institutions"), "trial_id = %s"),
    ("exemptions", typed_columns("exemptions"), "trial_id = %s"),
    ("goals", typed_columns("goals"), "kind = 'goal' AND trial_id = %s"),
    (
        "inspections",
        typed_columns("inspections"),
        "kind = 'order' AND status = 'open' AND trial_id = %s",
    ),
]


def bitemporal(as_of: date | None, known_at: datetime | None) -> tuple[str, list[Any]]:
    """Rows in force on `as_of` (today) as the record stood at `known_at` (now): SQL, params."""
    day = (as_of or datetime.now(UTC).date()).isoformat()
    if known_at is None:
        return "recorded_to = %s AND valid_from <= %s AND %s <= valid_to", [END_TIME, day, day]
    moment = iso_time(known_at if known_at.tzinfo else known_at.replace(tzinfo=UTC))
    sql = "recorded_from <= %s AND %s < recorded_to AND valid_from <= %s AND %s <= valid_to"
    return sql, [moment, moment, day, day]


def among(count: int, column: str = "aggregate_id") -> str:
    """`column` is one of `count` values (none: false)."""
    if not count:
        return "1 = 0"
    return f"{column} IN ({', '.join(['%s'] * count)})"


def row_of(r: Row, typed: list[str]) -> dict[str, Any]:
    """A read-model row as a dict: the shared columns, the typed ones, and its JSON data."""
    row = dict(zip([*BASE, *typed], r[:-1], strict=True))
    row["data"] = json.loads(r[-1])
    return row


@lru_cache(maxsize=32)
def trial_sql(tables: tuple[str, ...], when: str) -> str:
    """Each part's rows, tagged with its index; typed columns padded to one width with NULLs."""
    width = max(len(typed) for _, typed, _ in TRIAL_PARTS)
    selects = []
    for index, ((_, typed, where), table) in enumerate(zip(TRIAL_PARTS, tables, strict=True)):
        cols = [f"{index} AS part", *BASE, *typed, *["NULL"] * (width - len(typed)), "data"]
        selects.append(f"SELECT {', '.join(cols)} FROM {table} WHERE {where} AND {when}")
    return " UNION ALL ".join(selects) + " ORDER BY part, valid_from, position, aggregate_id"
