"""What the web view asks of the read models beyond the API's status answers (never the log)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from frispor.projections.catalog import VIEWS, active_tables
from frispor.projections.queries import ReadModels
from frispor.projections.read_sql import BASE, bitemporal, row_of
from frispor.projections.view import END_TIME, iso_time

PARTS = ("trials", "institutions", "exemptions", "goals", "inspections")


def _select(read: ReadModels, name: str, where: str, params: list[Any]) -> list[dict[str, Any]]:
    typed = [c for c, _ in VIEWS[name].columns]
    with read.db.read() as cur:
        table = active_tables(cur)[name]
        cols = ", ".join([*BASE, *typed, "data"])
        sql = f"SELECT {cols} FROM {table} WHERE {where} ORDER BY valid_from, position"
        return [row_of(r, typed) for r in cur.execute(sql, params)]


def activity(
    read: ReadModels, trial_id: str, as_of: date | None, known_at: datetime | None
) -> dict[str, list[dict[str, Any]]]:
    """A trial's inspections and orders (every status) as of the day, as known at the moment."""
    when, params = bitemporal(as_of, known_at)
    rows = _select(read, "inspections", f"trial_id = %s AND {when}", [trial_id, *params])
    return {
        "inspections": [r for r in rows if r["kind"] == "inspection"],
        "orders": [r for r in rows if r["kind"] == "order"],
    }


def measurements(
    read: ReadModels, goal_id: str, as_of: date | None, known_at: datetime | None
) -> list[dict[str, Any]]:
    """A goal's measurements as known at the moment, each with the values it replaced."""
    moment = iso_time(_utc(known_at)) if known_at else END_TIME
    day = (as_of or datetime.now(UTC).date()).isoformat()
    rows = _select(
        read,
        "goals",
        "kind = 'measurement' AND aggregate_id = %s AND recorded_from <= %s AND valid_to <= %s",
        [goal_id, moment, day],
    )
    current = [r for r in rows if r["recorded_to"] > moment or r["recorded_to"] == END_TIME]
    for row in current:
        row["replaced"] = [
            r
            for r in rows
            if r["recorded_to"] <= row["recorded_from"]
            and r["recorded_to"] != END_TIME
            and (r["valid_from"], r["valid_to"]) == (row["valid_from"], row["valid_to"])
        ]
    return sorted(current, key=lambda r: r["valid_to"])


def moments(read: ReadModels, trial_id: str) -> list[str]:
    """Every recorded moment at which something filed under the trial changed, oldest first."""
    found: set[str] = set()
    with read.db.read() as cur:
        tables = active_tables(cur)
        for name in PARTS:
            column = "aggregate_id" if name == "trials" else "trial_id"
            sql = f"SELECT DISTINCT recorded_from FROM {tables[name]} WHERE {column} = %s"
            found |= {str(r[0]) for r in cur.execute(sql, (trial_id,))}
    return sorted(found)


def positions_between(read: ReadModels, trial_id: str, earlier: str, later: str) -> list[int]:
    """Positions of the events that changed the trial's rows between two recorded moments."""
    found: set[int] = set()
    with read.db.read() as cur:
        tables = active_tables(cur)
        for name in PARTS:
            column = "aggregate_id" if name == "trials" else "trial_id"
            sql = (
                f"SELECT DISTINCT position FROM {tables[name]} WHERE {column} = %s "
                "AND recorded_from > %s AND recorded_from <= %s"
            )
            found |= {int(r[0]) for r in cur.execute(sql, (trial_id, earlier, later))}
    return sorted(found)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
