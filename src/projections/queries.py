"""Queries on the read models: current status as of a day and as known at a moment."""

from __future__ import annotations

import time
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from frispor.projections.catalog import VIEWS, active_table, active_tables
from frispor.projections.read_sql import BASE, TRIAL_PARTS, among, bitemporal, row_of, trial_sql
from frispor.store.db import MISSING_TABLE, Cursor, Database, missing_table


class ReadModels:
    """Read-only access to the views; every answer says which day and moment it is for."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._tables: tuple[str, ...] | None = None

    def _select(
        self,
        cur: Cursor,
        name: str,
        where: str,
        params: list[Any],
        order: str = "valid_from",
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        table = active_tables(cur)[name]
        typed = VIEWS[name].shown
        cols = ", ".join([*BASE, *typed, "data"])
        sql = f"SELECT {cols} FROM {table} WHERE {where} ORDER BY {order}"
        if limit is not None:
            sql, params = sql + " LIMIT %s", [*params, limit]
        rows = cur.execute(sql, params)
        return [row_of(r, typed) for r in rows]

    def trials(
        self,
        as_of: date | None = None,
        known_at: datetime | None = None,
        within: set[str] | None = None,
        after: tuple[str, str] | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Trials as of the day, as known at the moment, by start (from after `after`).

        `within` keeps only those trials (None: every one).
        """
        when, params = bitemporal(as_of, known_at)
        if within is not None:
            when, params = f"{when} AND {among(len(within))}", [*params, *sorted(within)]
        if after is not None:
            when, params = f"{when} AND (period_start, aggregate_id) > (%s, %s)", [*params, *after]
        with self.db.transaction() as cur:
            trials = self._select(
                cur, "trials", when, params, order="period_start, aggregate_id", limit=limit
            )
            self._trial_counts(cur, trials, as_of, known_at)
        return trials

    def trial(
        self, trial_id: str, as_of: date | None = None, known_at: datetime | None = None
    ) -> dict[str, Any] | None:
        """One trial with its institutions, exemptions, goals and counts."""
        when, params = bitemporal(as_of, known_at)
        day = params[-1]
        args = [trial_id, *params] * len(TRIAL_PARTS)
        with self.db.read() as cur:
            # One statement for all five read models: a round trip each was most of a GET.
            try:
                rows = cur.execute(trial_sql(self._trial_tables(cur), when), args)
            except MISSING_TABLE as error:
                if not missing_table(error):
                    raise
                self._tables = None  # a rebuild switched to a new table and dropped this one
                rows = cur.execute(trial_sql(self._trial_tables(cur), when), args)
        parts: list[list[dict[str, Any]]] = [[] for _ in TRIAL_PARTS]
        for r in rows:
            typed = TRIAL_PARTS[r[0]][1]
            parts[r[0]].append(row_of((*r[1 : 1 + len(BASE) + len(typed)], r[-1]), typed))
        trials, institutions, exemptions, goals, orders = parts
        if not trials:
            return None
        trial = trials[0]
        trial["institutions"], trial["exemptions"], trial["goals"] = institutions, exemptions, goals
        trial["phase"] = _phase(trial, day)
        in_force = [x for x in exemptions if _in_force(x, day)]
        trial["counts"] = {"exemptions_in_force": len(in_force), "open_orders": len(orders)}
        return trial

    def _trial_tables(self, cur: Cursor) -> tuple[str, ...]:
        """The serving tables of the trial's parts, remembered from one request to the next.

        Safe to remember: a rebuild switches tables and drops the old one in one transaction,
        so a remembered name is either still serving or fails as a missing table.
        """
        if self._tables is None:
            cur.tables = None
            tables = active_tables(cur)
            self._tables = tuple(tables[name] for name, _, _ in TRIAL_PARTS)
        return self._tables

    def _trial_counts(
        self,
        cur: Cursor,
        trials: list[dict[str, Any]],
        as_of: date | None,
        known_at: datetime | None,
    ) -> None:
        """Phase and counts of every trial: two grouped queries, not two per trial."""
        when, params = bitemporal(as_of, known_at)
        day = params[-1]
        tables = active_tables(cur)
        in_force = cur.execute(
            f"SELECT trial_id, COUNT(*) FROM {tables['exemptions']} WHERE {when} "
            "AND in_force_from <= %s AND %s <= in_force_to GROUP BY trial_id",
            [*params, day, day],
        )
        orders = cur.execute(
            f"SELECT trial_id, COUNT(*) FROM {tables['inspections']} WHERE kind = 'order' "
            f"AND status = 'open' AND {when} GROUP BY trial_id",
            params,
        )
        exemptions: dict[str, int] = {str(t): int(n) for t, n in in_force}
        open_orders: dict[str, int] = {str(t): int(n) for t, n in orders}
        for trial in trials:
            key = trial["aggregate_id"]
            trial["phase"] = _phase(trial, day)
            trial["counts"] = {
                "exemptions_in_force": exemptions.get(key, 0),
                "open_orders": open_orders.get(key, 0),
            }

    def institution(
        self, institution_id: str, as_of: date | None = None, known_at: datetime | None = None
    ) -> dict[str, Any] | None:
        """One institution: its trial, exemptions in force, latest inspection, open orders."""
        when, params = bitemporal(as_of, known_at)
        day = params[-1]
        with self.db.transaction() as cur:
            found = self._select(
                cur, "institutions", f"aggregate_id = %s AND {when}", [institution_id, *params]
            )
            if not found:
                return None
            inst = found[0]
            inst["exemptions_in_force"] = self._select(
                cur,
                "exemptions",
                f"trial_id = %s AND municipality = %s AND (institution_id = %s OR institution_id "
                f"IS NULL) AND {when} AND in_force_from <= %s AND %s <= in_force_to",
                [inst["trial_id"], inst["municipality"], institution_id, *params, day, day],
            )
            visits = self._select(
                cur,
                "inspections",
                f"kind = 'inspection' AND institution_id = %s AND {when}",
                [institution_id, *params],
                order="day DESC",
            )
            performed = [v for v in visits if v["status"] == "performed"]
            inst["latest_inspection"] = performed[0] if performed else None
            inst["planned_inspections"] = [v for v in visits if v["status"] == "planned"]
            inst["open_orders"] = self._select(
                cur,
                "inspections",
                f"kind = 'order' AND status = 'open' AND institution_id = %s AND {when}",
                [institution_id, *params],
                order="day",
            )
        return inst

    def exemptions(
        self,
        in_force_on: date | None = None,
        municipality: str | None = None,
        trial: str | None = None,
        category: str | None = None,
        known_at: datetime | None = None,
        status: str | None = None,
        within: set[str] | None = None,
        after: tuple[str, str] | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """The register; with `in_force_on`, only what was in force that day.

        In the order of the day they came into force (requests not granted first), then id;
        from after `after` (that pair) when paging; `within` keeps those trials' only.
        """
        when, params = bitemporal(in_force_on, known_at)
        where, args = [when], list(params)
        if in_force_on is not None:
            where.append("in_force_from <= %s AND %s <= in_force_to")
            args += [in_force_on.isoformat()] * 2
        for column, value in (
            ("municipality", municipality),
            ("trial_id", trial),
            ("category", category),
            ("status", status),
        ):
            if value is not None:
                where.append(f"{column} = %s")
                args.append(value)
        with self.db.transaction() as cur:
            if within is not None:
                where.append(among(len(within), "trial_id"))
                args += sorted(within)
            if after is not None:
                where.append("(COALESCE(in_force_from, ''), aggregate_id) > (%s, %s)")
                args += list(after)
            order = "COALESCE(in_force_from, ''), aggregate_id"
            return self._select(cur, "exemptions", " AND ".join(where), args, order, limit)

    def goal(
        self, goal_id: str, as_of: date | None = None, known_at: datetime | None = None
    ) -> dict[str, Any] | None:
        """A goal with its measurements (those whose period ended by the day) against the target."""
        when, params = bitemporal(as_of, known_at)
        day = params[-1]
        with self.db.transaction() as cur:
            found = self._select(
                cur, "goals", f"kind = 'goal' AND aggregate_id = %s AND {when}", [goal_id, *params]
            )
            if not found:
                return None
            goal = found[0]
            recorded = (
                "recorded_to = %s"
                if known_at is None
                else "recorded_from <= %s AND %s < recorded_to"
            )
            measured = self._select(
                cur,
                "goals",
                f"kind = 'measurement' AND aggregate_id = %s AND {recorded} AND valid_to <= %s",
                [goal_id, *params[: 1 if known_at is None else 2], day],
                order="valid_to",
            )
        goal["measurements"] = measured
        goal["progress"] = _progress(goal["data"]["terms"], measured)
        return goal

    def open_orders(
        self, trial_id: str, as_of: date | None = None, known_at: datetime | None = None
    ) -> list[str]:
        """Ids of the trial's orders open on the day."""
        when, params = bitemporal(as_of, known_at)
        with self.db.transaction() as cur:
            where = f"kind = 'order' AND status = 'open' AND trial_id = %s AND {when}"
            rows = self._select(cur, "inspections", where, [trial_id, *params])
        return [r["aggregate_id"] for r in rows]

    def aggregates_of_trial(self, trial_id: str) -> list[UUID]:
        """The trial and every aggregate the read models file under it."""
        ids = {trial_id}
        with self.db.transaction() as cur:
            for name in ("institutions", "exemptions", "goals", "inspections"):
                table = active_table(cur, name)
                rows = cur.execute(
                    f"SELECT DISTINCT aggregate_id FROM {table} WHERE trial_id = %s", (trial_id,)
                )
                ids |= {str(r[0]) for r in rows}
        return [UUID(i) for i in sorted(ids)]

    def positions(self) -> dict[str, int]:
        """How far each read model's serving table has applied the events."""
        with self.db.transaction() as cur:
            rows = cur.execute(
                "SELECT t.name, k.position FROM projection_tables t "
                "JOIN projection_tracking k ON k.table_name = t.active"
            )
        return {str(name): int(pos) for name, pos in rows}

    def wait_for(self, position: int, timeout: float = 5.0) -> bool:
        """Wait until every read model has applied `position`; False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            if min(self.positions().values(), default=0) >= position:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)


def _in_force(exemption: dict[str, Any], day: str) -> bool:
    start, end = exemption["in_force_from"], exemption["in_force_to"]
    return start is not None and end is not None and start <= day <= end


def _phase(trial: dict[str, Any], day: str) -> str:
    if trial["status"] == "permanent":
        return "permanent"
    if day < trial["period_start"]:
        return "not started"
    return "running" if day <= trial["period_end"] else "ended"


def _progress(terms: dict[str, Any], measured: list[dict[str, Any]]) -> dict[str, Any]:
    base, target = Decimal(terms["baseline"]["value"]), Decimal(terms["target"]["value"])
    if not measured:
        return {"latest": None, "share_of_way": None, "on_track": None}
    latest = Decimal(measured[-1]["data"]["value"])
    share = (latest - base) / (target - base)
    return {"latest": str(latest), "share_of_way": float(round(share, 3)), "on_track": share > 0}
