"""Every trial's parts for the review report: one query per read model, never one per trial."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from frispor.projections.catalog import VIEWS, active_tables
from frispor.projections.findings_query import ReviewQuery
from frispor.projections.pages import with_replaced
from frispor.projections.read_sql import BASE, among, bitemporal, row_of
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
        measured = _measurements(cur, day, q.known_at, chosen)
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
    """A read model's rows, of these trials only when given (named in SQL when few)."""
    if within is not None and len(within) <= NAMED:
        where, params = f"{where} AND {among(len(within), column)}", [*params, *sorted(within)]
    typed = VIEWS[name].shown
    table = active_tables(cur)[name]
    cols = ", ".join([*BASE, *typed, "data"])
    rows = cur.execute(f"SELECT {cols} FROM {table} WHERE {where} ORDER BY {order}", params)
    found = [row_of(r, typed) for r in rows]
    if within is not None and len(within) > NAMED:
        found = [r for r in found if r[column] in within]
    return found


def _measurements(
    cur: Cursor, day: date, known_at: datetime | None, within: set[str] | None
) -> dict[str, list[Row]]:
    """Each goal's measurements as known at the moment, each with the values it replaced."""
    moment = END_TIME
    if known_at is not None:
        moment = iso_time(known_at if known_at.tzinfo else known_at.replace(tzinfo=UTC))
    where = "kind = 'measurement' AND recorded_from <= %s AND valid_to <= %s"
    rows = _select(cur, "goals", where, [moment, day.isoformat()], within)
    by_goal: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_goal[row["aggregate_id"]].append(row)
    return {goal: with_replaced(found, moment) for goal, found in by_goal.items()}
