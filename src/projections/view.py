"""A read model's table: rows derived from one aggregate's state, kept bitemporally.

Every row carries valid time (valid_from..valid_to, days, inclusive) and recorded time
(recorded_from..recorded_to, when the record said so). A change never overwrites a row: the old
version is closed at the recorded time of the event that changed it and a new one is inserted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain.aggregate import Aggregate, Event
from projections.timeline import segments

END_DAY = "9999-12-31"
END_TIME = "9999-12-31T23:59:59.999999+00:00"

# A status row of one state: (row key, typed column values, JSON data).
StatusRow = tuple[str, tuple[Any, ...], dict[str, Any]]
# A fact row with its own valid period: (row key, valid from, valid to, columns, data).
FactRow = tuple[str, date, date, tuple[Any, ...], dict[str, Any]]


def iso_time(moment: datetime) -> str:
    """The one text form of a recorded time in the views (UTC, microseconds)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Version:
    """One row version as computed: identity (key, valid_from) and its content."""

    key: str
    valid_from: str
    valid_to: str
    columns: tuple[Any, ...]
    data: str

    @property
    def identity(self) -> tuple[str, str]:
        """Which row this is a version of."""
        return self.key, self.valid_from

    @property
    def content(self) -> tuple[Any, ...]:
        """What a later version must differ in to replace this one."""
        return self.valid_to, self.columns, self.data


@dataclass(frozen=True)
class View:
    """A read model: which aggregates feed it, its typed columns, and how state becomes rows."""

    name: str
    aggregates: tuple[type[Aggregate], ...]
    columns: tuple[tuple[str, str], ...]
    status_rows: Callable[[Any], list[StatusRow]]
    fact_rows: Callable[[Any], list[FactRow]] | None = None
    indexes: tuple[str, ...] = field(default=())

    def topics(self) -> tuple[str, ...]:
        """Topic prefixes of the events of its aggregates."""
        return tuple(f"{a.__module__}:{a.__qualname__}." for a in self.aggregates)

    def ddl(self, table: str) -> list[str]:
        """The statements that create its table and indexes."""
        typed = "".join(f", {name} {sqltype}" for name, sqltype in self.columns)
        statements = [
            f"CREATE TABLE IF NOT EXISTS {table} ("
            "aggregate_id TEXT NOT NULL, row_key TEXT NOT NULL, "
            "valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, "
            "recorded_from TEXT NOT NULL, recorded_to TEXT NOT NULL, "
            "position BIGINT NOT NULL, closed_position BIGINT"
            f"{typed}, data TEXT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {table}_current ON {table} (aggregate_id, recorded_to)",
            f"CREATE INDEX IF NOT EXISTS {table}_time ON {table} (recorded_to, valid_from)",
        ]
        statements += [
            f"CREATE INDEX IF NOT EXISTS {table}_{col} ON {table} ({col}, recorded_to)"
            for col in self.indexes
        ]
        return statements

    def versions(self, events: Sequence[Event]) -> dict[tuple[str, str], Version]:
        """Every row of one aggregate as its events (so far) make it, keyed by identity."""
        result: dict[tuple[str, str], Version] = {}
        open_rows: dict[str, Version] = {}
        final: Aggregate | None = None
        for day, state in segments(events):
            final = state
            seen = set()
            for key, columns, data in self.status_rows(state):
                seen.add(key)
                body = _json(data)
                prev = open_rows.get(key)
                if prev is not None and prev.columns == columns and prev.data == body:
                    continue  # unchanged: the open row carries on
                if prev is not None:
                    result[prev.identity] = _until(prev, day)
                row = Version(key, day.isoformat(), END_DAY, columns, body)
                open_rows[key] = result[row.identity] = row
            for key in [k for k in open_rows if k not in seen]:
                result[open_rows[key].identity] = _until(open_rows.pop(key), day)
        if final is not None and self.fact_rows is not None:
            for key, start, end, columns, data in self.fact_rows(final):
                row = Version(key, start.isoformat(), end.isoformat(), columns, _json(data))
                result[row.identity] = row
        return result


def _until(row: Version, next_day: date) -> Version:
    last = (next_day - timedelta(days=1)).isoformat()
    return Version(row.key, row.valid_from, last, row.columns, row.data)


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
