"""Read model of the review's findings: each with valid time (the days it holds) and recorded time.

Findings cross aggregates (an inspection and the exemptions of its trial), so rows are kept per
group: a trial with everything enrolled, requested, set, planned or issued in it, and its network
and programme; an aggregate outside any trial is a group of its own. `aggregate_id` holds the
group. Which aggregates belong to which group is kept in `<table>_members`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from frispor.domain.topics import AGGREGATES
from frispor.projections.audit.finding import SEVERITY
from frispor.projections.audit.spans import Span
from frispor.projections.view import END_DAY, StatusRow, Version, View, _json

COLUMNS = (
    ("trial_id", "TEXT"),
    ("institution_id", "TEXT"),
    ("municipality", "TEXT"),
    ("area", "TEXT"),
    ("kind", "TEXT"),
    ("severity", "TEXT"),
    ("severity_rank", "INTEGER"),
    ("first_position", "BIGINT"),
    ("day", "TEXT"),  # the finding's day, or for an open gap the last day it can take
    ("floating", "INTEGER"),  # 1: the day is min(day asked, day)
    ("delay", "INTEGER"),  # days between taking effect and being recorded (late recordings)
)


def _none(_: Any) -> list[StatusRow]:
    return []


@dataclass(frozen=True)
class FindingsView(View):
    """The findings table, and beside it which aggregate belongs to which group."""

    def ddl(self, table: str) -> list[str]:
        """The statements that create its tables and indexes."""
        return [
            *super().ddl(table),
            f"CREATE TABLE IF NOT EXISTS {table}_members (aggregate_id TEXT NOT NULL, "
            "group_id TEXT NOT NULL, PRIMARY KEY (aggregate_id, group_id))",
            f"CREATE INDEX IF NOT EXISTS {table}_members_group ON {table}_members (group_id)",
        ]


VIEW = FindingsView(
    name="findings",
    aggregates=AGGREGATES,  # every aggregate: any may belong to a trial's group
    columns=COLUMNS,
    status_rows=_none,
    indexes=("institution_id", "municipality", "area"),
    orders=("recorded_to, severity_rank, first_position, kind, row_key, valid_from",),
    time_index=True,
)


# A row as the findings runner keeps it: all that its span is made of, and its version.
Keyed = tuple[tuple[Any, ...], Version]
# What one event changes: each row (by identity) with its new version, or None if it ends.
Delta = dict[tuple[str, str], Version | None]


def key_of(span: Span) -> tuple[Any, ...]:
    """All that a span's row is made of."""
    f = span.finding
    return (
        *(f.code, f.severity, f.title, f.explanation, f.trial_id, f.institution_id, f.day),
        tuple(f.positions),
        *(span.valid_from, span.valid_to, span.cap, span.delay, span.municipality, span.area),
    )


def version_of(span: Span) -> Version:
    """The row of a span."""
    f = span.finding
    floating = span.cap is not None
    day = span.cap.isoformat() if span.cap is not None else f.day
    columns = (
        f.trial_id,
        f.institution_id,
        span.municipality,
        span.area,
        f.code,
        f.severity,
        SEVERITY.index(f.severity),
        f.positions[0] if f.positions else 0,
        day,
        int(floating),
        span.delay,
    )
    valid_to = END_DAY if span.valid_to == date.max else span.valid_to.isoformat()
    data = f.as_dict()  # its id hashed once, for the row's key too
    return Version(data["id"], span.valid_from.isoformat(), valid_to, columns, _json(data))
