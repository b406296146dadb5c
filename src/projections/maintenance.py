"""Rebuild a read model from zero while the old copy serves; check one against a fresh replay."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from frispor.domain.application import Frispor
from frispor.projections.catalog import create_table, drop_table, ensure, position_of, view_named
from frispor.projections.findings_runner import runner_for
from frispor.projections.view import END_TIME, View
from frispor.store.db import Cursor, Database

Progress = Callable[[int], None]


def _lock_row(db: Database) -> str:
    return " FOR UPDATE" if db.is_postgres else ""


def rebuild(app: Frispor, db: Database, name: str, progress: Progress | None = None) -> str:
    """Build `name` into a new table, then switch queries to it; resumes an interrupted one."""
    view = view_named(name)
    ensure(db)
    with db.transaction() as cur:
        active, pending, generation = cur.execute(
            "SELECT active, pending, generation FROM projection_tables WHERE name = %s"
            + _lock_row(db),
            (name,),
        )[0]
        if pending is None:
            generation += 1
            pending = f"view_{name}_{generation}"
            drop_table(cur, pending)
            create_table(cur, view, pending)
            cur.execute(
                "UPDATE projection_tables SET pending = %s, generation = %s WHERE name = %s",
                (pending, generation, name),
            )
    runner = runner_for(app, db, view, table=pending)
    while True:
        runner.catch_up(progress=progress)
        with db.transaction() as cur:
            cur.execute(
                "SELECT active FROM projection_tables WHERE name = %s" + _lock_row(db), (name,)
            )
            # Switch only once the new copy is at least as far as the one serving now.
            if position_of(cur, pending) >= position_of(cur, active):
                cur.execute(
                    "UPDATE projection_tables SET active = %s, pending = NULL WHERE name = %s",
                    (pending, name),
                )
                drop_table(cur, active)
                return str(pending)


@dataclass
class CheckResult:
    """What `check` compared for one read model, and every difference it found."""

    name: str
    position: int = 0
    rows: int = 0
    differences: list[str] = field(default_factory=list)


def _snapshot(cur: Cursor, view: View, table: str, position: int) -> Counter[tuple[object, ...]]:
    """Rows as the table stood once it had applied `position` (later closings undone)."""
    typed = [c for c, _ in view.columns]
    cols = ", ".join(
        ["aggregate_id", "row_key", "valid_from", "valid_to", "recorded_from", "recorded_to"]
        + ["position", "closed_position", *typed, "data"]
    )
    rows = cur.execute(f"SELECT {cols} FROM {table} WHERE position <= %s", (position,))
    result: Counter[tuple[object, ...]] = Counter()
    for row in rows:
        values = list(row)
        if values[7] is not None and values[7] > position:
            values[5], values[7] = END_TIME, None
        result[tuple(values[:6] + values[8:])] += 1
    return result


def check(app: Frispor, db: Database, name: str) -> CheckResult:
    """Replay `name` from zero into a scratch table and compare it row by row with the live one."""
    view = view_named(name)
    ensure(db)
    scratch = f"check_{name}"
    with db.transaction() as cur:
        active = cur.execute("SELECT active FROM projection_tables WHERE name = %s", (name,))[0][0]
        position = position_of(cur, active)
        drop_table(cur, scratch)
        create_table(cur, view, scratch)
    try:
        runner_for(app, db, view, table=scratch).catch_up(until=position)
        with db.transaction() as cur:
            live = _snapshot(cur, view, active, position)
            fresh = _snapshot(cur, view, scratch, position)
    finally:
        with db.transaction() as cur:
            drop_table(cur, scratch)
    result = CheckResult(name=name, position=position, rows=sum(fresh.values()))
    for row in sorted((live - fresh).keys(), key=str):
        result.differences.append(f"{name}: in the read model but not in a replay: {row}")
    for row in sorted((fresh - live).keys(), key=str):
        result.differences.append(f"{name}: in a replay but not in the read model: {row}")
    return result
