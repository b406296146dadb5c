"""Every trial's parts for the review report: one query per read model, never one per trial."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import orjson

from frispor.projections.catalog import VIEWS, active_tables
from frispor.projections.findings_query import ReviewQuery
from frispor.projections.pages import with_replaced
from frispor.projections.read_sql import BASE, among, bitemporal
from frispor.projections.view import END_TIME, iso_time
from frispor.store.db import Cursor, Database

Row = dict[str, Any]
# Few enough trials to name in the SQL (SQLite allows 32,766 parameters); more are filtered here.
NAMED = 500


@dataclass
class TrialRows:
    """A trial's row and the rows filed under it, as of the day, as known at the moment."""

    trial: Row
    institutions: list[Row] = field(default_factory=list)
    exemptions: list[Row] = field(default_factory=list)
    inspections: list[Row] = field(default_factory=list)
    orders: list[Row] = field(default_factory=list)
    goals: list[Row] = field(default_factory=list)  # each with its `measurements`


def trial_rows(db: Database, q: ReviewQuery) -> list[TrialRows]:
    """The trials the review covers (its trial, institution, municipality, area filters), by start.

    Rows as the read models answer GET /trials/{id}, its inspections and its goals'
    measurements (pages.activity and pages.measurements), for every trial at once.
    """
    day = q.as_of or datetime.now(UTC).date()
    when, params = bitemporal(day, q.known_at)
    with db.read() as cur:
        institutions = _select(cur, "institutions", when, params, None)
        wanted = _wanted(q, institutions)
        where, args = when, params
        if q.municipality is not None:
            where, args = f"{where} AND municipalities LIKE %s", [*args, f"%|{q.municipality}|%"]
        trials = _select(cur, "trials", where, args, wanted, "aggregate_id", "period_start")
        found = {t["aggregate_id"]: TrialRows(t) for t in trials}
        chosen = None if wanted is None and q.municipality is None else set(found)
        for row in institutions:
            if (parts := found.get(row["trial_id"])) is not None:
                parts.institutions.append(row)
        for row in _select(cur, "exemptions", when, params, chosen):
            if (parts := found.get(row["trial_id"])) is not None:
                parts.exemptions.append(row)
        for row in _select(cur, "inspections", when, params, chosen):
            if (parts := found.get(row["trial_id"])) is not None:
                (parts.inspections if row["kind"] == "inspection" else parts.orders).append(row)
        goal_when = f"kind = 'goal' AND {when}"
        goals = _select(cur, "goals", goal_when, params, chosen)
        measured = _measurements(cur, db.is_postgres, day, q.known_at, chosen)
    for goal in goals:
        if (parts := found.get(goal["trial_id"])) is not None:
            goal["measurements"] = measured.get(goal["aggregate_id"], [])
            parts.goals.append(goal)
    return list(found.values())


def _wanted(q: ReviewQuery, institutions: list[Row]) -> set[str] | None:
    """The trials the filters name (None: every one); an institution names its trial."""
    wanted = None if q.within is None else set(q.within)
    named = [] if q.trial is None else [{q.trial}]
    if q.institution is not None:
        of = next((r["trial_id"] for r in institutions if r["aggregate_id"] == q.institution), None)
        named.append(set() if of is None else {str(of)})
    for only in named:
        wanted = only if wanted is None else wanted & only
    return wanted


def _select(
    cur: Cursor,
    name: str,
    where: str,
    params: list[Any],
    within: set[str] | None,
    column: str = "trial_id",
    order: str = "valid_from, position",
) -> list[Row]:
    """A read model's rows (as `read_sql.row_of` shapes them), of these trials only if given."""
    where, params, keep = _among(where, params, within, column)
    typed = VIEWS[name].shown
    table = active_tables(cur)[name]
    names = [*BASE, *typed]
    cols = ", ".join([*names, "data"])
    found = []
    for r in cur.execute(f"SELECT {cols} FROM {table} WHERE {where} ORDER BY {order}", params):
        row = dict(zip(names, r, strict=False))
        row["data"] = orjson.loads(r[-1])  # json.loads took a third of a million-event report
        if keep is None or row[column] in keep:
            found.append(row)
    return found


def _among(
    where: str, params: list[Any], within: set[str] | None, column: str
) -> tuple[str, list[Any], set[str] | None]:
    """A few trials named in the SQL; many left for the caller to keep (the set returned)."""
    if within is None:
        return where, params, None
    if len(within) > NAMED:
        return where, params, within
    return f"{where} AND {among(len(within), column)}", [*params, *sorted(within)], None


# A measurement's value, read by the database: its other fields are not drawn.
VALUE = {True: "((data::json) ->> 'value')", False: "json_extract(data, '$.value')"}
MEASURED = ["aggregate_id", "trial_id", "valid_from", "valid_to", "recorded_from", "recorded_to"]


def _measurements(
    cur: Cursor, postgres: bool, day: date, known_at: datetime | None, within: set[str] | None
) -> dict[str, list[Row]]:
    """Each goal's measurements as known at the moment, each with the values it replaced.

    The rows `pages.measurements` gives for one goal, of every goal at once.
    """
    moment = END_TIME
    if known_at is not None:
        moment = iso_time(known_at if known_at.tzinfo else known_at.replace(tzinfo=UTC))
    where = "kind = 'measurement' AND recorded_from <= %s AND valid_to <= %s"
    where, params, keep = _among(where, [moment, day.isoformat()], within, "trial_id")
    table = active_tables(cur)["goals"]
    sql = f"SELECT {', '.join(MEASURED)}, {VALUE[postgres]} FROM {table} WHERE {where}"
    by_goal: dict[str, list[Row]] = defaultdict(list)
    for r in cur.execute(sql, params):
        if keep is None or r[1] in keep:
            row = dict(zip(MEASURED, r, strict=False))
            row["data"] = {"value": r[-1]}
            by_goal[r[0]].append(row)
    return {goal: with_replaced(found, moment) for goal, found in by_goal.items()}
