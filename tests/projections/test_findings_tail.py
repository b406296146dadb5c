"""A goal's tail makes, measurement by measurement, the rows the generic path recomputes."""

from __future__ import annotations

from typing import Any

import pytest

from frispor.domain.application import Frispor
from frispor.projections import findings_runner
from frispor.projections.catalog import VIEWS, create_table
from frispor.projections.findings_runner import FindingsRunner
from frispor.projections.findings_tail import Tail, tail_of
from frispor.store.db import Database

COLUMNS = "aggregate_id, row_key, valid_from, valid_to, recorded_from, recorded_to, data"


def _rows(app: Frispor, db: Database, table: str) -> list[tuple[Any, ...]]:
    with db.transaction() as cur:
        create_table(cur, VIEWS["findings"], table)
    FindingsRunner(app, db, table=table, batch_size=97).catch_up()
    with db.transaction() as cur:
        return sorted(tuple(map(str, r)) for r in cur.execute(f"SELECT {COLUMNS} FROM {table}"))


def test_the_tails_rows_equal_the_generic_paths(
    bulk: tuple[Frispor, Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, db = bulk
    extended: list[Tail] = []
    original = Tail.measured

    def measured(tail: Tail, *args: Any) -> Any:
        delta = original(tail, *args)
        if delta is not None:
            extended.append(tail)
        return delta

    monkeypatch.setattr(Tail, "measured", measured)
    fast = _rows(app, db, "findings_fast")
    assert len(extended) > 1_000  # most measurements took the tail
    monkeypatch.setattr(findings_runner, "tail_of", lambda *_: None)
    assert fast == _rows(app, db, "findings_generic")


def test_a_tail_that_does_not_make_the_rows_again_is_not_kept(
    bulk: tuple[Frispor, Database],
) -> None:
    app, db = bulk
    runner = FindingsRunner(app, db, table="findings_kept")
    with db.transaction() as cur:
        create_table(cur, VIEWS["findings"], "findings_kept")
    runner.catch_up()
    group = next(g for g in runner._groups.values() if g.tails)
    goal = next(iter(group.tails))
    rows = group.rows_of(goal)
    assert tail_of(group.record, goal, rows) is not None
    assert tail_of(group.record, goal, dict(list(rows.items())[1:])) is None
