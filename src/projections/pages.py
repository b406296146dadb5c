"""What the web view asks of the read models beyond the API's status answers (never the log)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from frispor.projections.catalog import VIEWS, active_tables, position_of
from frispor.projections.queries import ReadModels
from frispor.projections.read_sql import BASE, among, bitemporal, row_of
from frispor.projections.view import END_TIME, iso_time
from frispor.store.db import Cursor

PARTS = ("trials", "institutions", "exemptions", "goals", "inspections")


def _select(read: ReadModels, name: str, where: str, params: list[Any]) -> list[dict[str, Any]]:
    typed = VIEWS[name].shown
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
    return with_replaced(rows, moment)


def with_replaced(rows: list[dict[str, Any]], moment: str) -> list[dict[str, Any]]:
    """A goal's measurement rows current at the moment, each with the rows it replaced, by day.

    One pass (a goal of a long trial has hundreds of rows): a replaced row is one closed
    before the moment, for the same period, closed by the time the current one was recorded.
    """
    current: list[dict[str, Any]] = []
    closed: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        if r["recorded_to"] > moment or r["recorded_to"] == END_TIME:
            current.append(r)
        else:
            closed.setdefault((r["valid_from"], r["valid_to"]), []).append(r)
    for row in current:
        earlier = closed.get((row["valid_from"], row["valid_to"]), [])
        row["replaced"] = sorted(
            (r for r in earlier if r["recorded_to"] <= row["recorded_from"]),
            key=lambda r: r["recorded_from"],
        )
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


@dataclass(frozen=True)
class TrialFilter:
    """What the trials page asks for: each field empty for any."""

    query: str = ""
    programme_id: str = ""
    network_id: str = ""
    municipality: str = ""
    state: str = ""  # a phase (running, ended, not started, permanent) or a status


def trial_page(
    read: ReadModels,
    as_of: date | None,
    known_at: datetime | None,
    within: set[str] | None,
    chosen: TrialFilter,
    offset: int,
    limit: int,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the trials, by start, filtered in the database; and how many match in all."""
    when, params = bitemporal(as_of, known_at)
    day = params[-1]
    where, args = _trial_filter(chosen, day)
    where, params = f"{when}{where}", [*params, *args]
    if within is not None:
        where, params = f"{where} AND {among(len(within))}", [*params, *sorted(within)]
    typed = VIEWS["trials"].shown
    cols = ", ".join([*BASE, *typed, "data"])
    with read.db.read() as cur:
        table = active_tables(cur)["trials"]
        [(total,)] = cur.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", params)
        rows = cur.execute(
            f"SELECT {PHASE}, {cols} FROM {table} WHERE {where} "
            "ORDER BY period_start, aggregate_id LIMIT %s OFFSET %s",
            [day, day, *params, limit, offset],
        )
        trials = [{**row_of(r[1:], typed), "phase": r[0]} for r in rows]
        _counts(cur, trials, as_of, known_at)
    return trials, int(total)


def _trial_filter(chosen: TrialFilter, day: str) -> tuple[str, list[Any]]:
    """The filter's SQL (each part after an AND) on the trials' table."""
    parts: list[str] = []
    params: list[Any] = []
    for column in ("programme_id", "network_id"):
        if getattr(chosen, column):
            parts.append(f"{column} = %s")
            params.append(getattr(chosen, column))
    if chosen.query:  # the title column is casefolded, so the search is too (also "Æ")
        parts.append("title LIKE %s ESCAPE '!'")
        params.append(f"%{_escaped(chosen.query.casefold())}%")
    if chosen.municipality:
        parts.append("municipalities LIKE %s ESCAPE '!'")
        params.append(f"%|{_escaped(chosen.municipality)}|%")
    if chosen.state:
        parts.append(f"({PHASE} = %s OR status = %s)")
        params += [day, day, chosen.state, chosen.state]
    return "".join(f" AND {p}" for p in parts), params


def _escaped(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


TITLE = {True: "((data::jsonb) ->> 'title')", False: "json_extract(data, '$.title')"}
# A trial's phase on a day (two parameters: the day), as GET /trials tells it.
PHASE = (
    "CASE WHEN status = 'permanent' THEN 'permanent' WHEN %s < period_start THEN 'not started' "
    "WHEN period_end < %s THEN 'ended' ELSE 'running' END"
)


def _counts(
    cur: Cursor, trials: list[dict[str, Any]], as_of: date | None, known_at: datetime | None
) -> None:
    """Exemptions in force and open orders of the page's trials only."""
    when, params = bitemporal(as_of, known_at)
    day = params[-1]
    ids = [t["aggregate_id"] for t in trials]
    tables = active_tables(cur)
    within = among(len(ids), "trial_id")
    in_force = cur.execute(
        f"SELECT trial_id, COUNT(*) FROM {tables['exemptions']} WHERE {when} AND {within} "
        "AND in_force_from <= %s AND %s <= in_force_to GROUP BY trial_id",
        [*params, *ids, day, day],
    )
    orders = cur.execute(
        f"SELECT trial_id, COUNT(*) FROM {tables['inspections']} WHERE kind = 'order' "
        f"AND status = 'open' AND {when} AND {within} GROUP BY trial_id",
        [*params, *ids],
    )
    exemptions = {str(t): int(n) for t, n in in_force}
    open_orders = {str(t): int(n) for t, n in orders}
    for trial in trials:
        key = trial["aggregate_id"]
        trial["counts"] = {
            "exemptions_in_force": exemptions.get(key, 0),
            "open_orders": open_orders.get(key, 0),
        }


def trial_choices(
    read: ReadModels, as_of: date | None, known_at: datetime | None, within: set[str] | None
) -> dict[str, list[str]]:
    """The values each filter of the trials page can take, among the trials the caller sees.

    The same until the trials' read model moves on: kept per position and question.
    """
    when, params = bitemporal(as_of, known_at)
    if within is not None:
        when, params = f"{when} AND {among(len(within))}", [*params, *sorted(within)]
    with read.db.read() as cur:
        table = active_tables(cur)["trials"]
        key = (table, position_of(cur, table), when, tuple(params))
        if (found := _CHOICES.get(key)) is not None:
            return {name: list(values) for name, values in found.items()}
        found = {}
        for column in ("programme_id", "network_id"):
            rows = cur.execute(f"SELECT DISTINCT {column} FROM {table} WHERE {when}", params)
            found[column] = sorted(str(r[0]) for r in rows)
        rows = cur.execute(f"SELECT DISTINCT municipalities FROM {table} WHERE {when}", params)
        found["municipality"] = sorted({m for (ms,) in rows for m in str(ms).split("|") if m})
    if len(_CHOICES) >= 64:
        _CHOICES.clear()
    _CHOICES[key] = found
    return {name: list(values) for name, values in found.items()}


_CHOICES: dict[tuple[Any, ...], dict[str, list[str]]] = {}


def titles(read: ReadModels, trial_ids: set[str]) -> dict[str, str]:
    """The current title of each of these trials."""
    if not trial_ids:
        return {}
    expression = TITLE[read.db.is_postgres]
    with read.db.read() as cur:
        table = active_tables(cur)["trials"]
        rows = cur.execute(
            f"SELECT aggregate_id, {expression} FROM {table} "
            f"WHERE recorded_to = %s AND {among(len(trial_ids))}",
            [END_TIME, *sorted(trial_ids)],
        )
    return {str(r[0]): str(r[1]) for r in rows}
