"""One trial in one statement gives what the per-read-model queries give, any day, any moment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from frispor.domain.application import Frispor
from frispor.projections.catalog import VIEWS, active_table
from frispor.projections.maintenance import rebuild
from frispor.projections.queries import ReadModels, _phase
from frispor.projections.read_sql import bitemporal
from frispor.projections.runner import Runner
from frispor.store.db import Database


@pytest.fixture
def stack(demo_store: tuple[Frispor, Database]) -> tuple[Frispor, ReadModels]:
    app, db = demo_store
    for view in VIEWS.values():
        Runner(app, db, view).catch_up()
    return app, ReadModels(db)


@pytest.fixture
def read(stack: tuple[Frispor, ReadModels]) -> ReadModels:
    return stack[1]


def per_read_model(
    rm: ReadModels, trial_id: str, as_of: date | None, known_at: datetime | None
) -> dict[str, Any] | None:
    """The trial as the query did before: one SELECT per read model and per count."""
    when, params = bitemporal(as_of, known_at)
    day, order = params[-1], "valid_from, position"
    by_trial = [trial_id, *params]
    with rm.db.transaction() as cur:
        found = rm._select(cur, "trials", f"aggregate_id = %s AND {when}", by_trial, order)
        if not found:
            return None
        trial = found[0]
        where = f"trial_id = %s AND {when}"
        trial["institutions"] = rm._select(cur, "institutions", where, by_trial, order)
        trial["exemptions"] = rm._select(cur, "exemptions", where, by_trial, order)
        trial["goals"] = rm._select(cur, "goals", f"kind = 'goal' AND {where}", by_trial, order)
        in_force = rm._select(
            cur,
            "exemptions",
            f"{where} AND in_force_from <= %s AND %s <= in_force_to",
            [*by_trial, day, day],
        )
        orders = rm._select(
            cur, "inspections", f"kind = 'order' AND status = 'open' AND {where}", by_trial
        )
    trial["phase"] = _phase(trial, day)
    trial["counts"] = {"exemptions_in_force": len(in_force), "open_orders": len(orders)}
    return trial


def test_one_statement_equals_the_per_read_model_queries(read: ReadModels) -> None:
    with read.db.transaction() as cur:
        trials = sorted(
            {
                str(r[0])
                for r in cur.execute(f"SELECT aggregate_id FROM {active_table(cur, 'trials')}")
            }
        )
        recorded = sorted(
            {
                str(r[0])
                for r in cur.execute(f"SELECT recorded_from FROM {active_table(cur, 'exemptions')}")
            }
        )
    moments: list[datetime | None] = [None]
    moments += [datetime.fromisoformat(t).astimezone(UTC) for t in recorded[::4]]
    moments += [moments[-1] - timedelta(microseconds=1)] if len(moments) > 1 else []
    days: list[date | None] = [None, *(date(2016 + n // 2, 1 + 6 * (n % 2), 1) for n in range(13))]
    assert len(trials) >= 5 and len(moments) >= 4
    compared = with_counts = 0
    for trial_id in [*trials, "00000000-0000-4000-8000-000000000000"]:
        for as_of in days:
            for known_at in moments:
                expected = per_read_model(read, trial_id, as_of, known_at)
                assert read.trial(trial_id, as_of, known_at) == expected, (as_of, known_at)
                compared += expected is not None
                with_counts += bool(expected and expected["counts"]["exemptions_in_force"])
    assert compared > 100 and with_counts > 10  # the data exercised what is compared


def test_a_rebuild_between_two_reads_is_followed(stack: tuple[Frispor, ReadModels]) -> None:
    app, read = stack
    trial_id = _a_trial_with_institutions(read)
    before = read.trial(trial_id)
    assert before is not None and before["institutions"]
    for name in ("trials", "institutions", "exemptions"):
        old = _serving(read, name)
        assert rebuild(app, read.db, name) != old
    assert read.trial(trial_id) == before  # the remembered tables were dropped: looked up again
    assert read.trial(trial_id, date(2018, 3, 1)) == per_read_model(
        read, trial_id, date(2018, 3, 1), None
    )


def _serving(read: ReadModels, name: str) -> str:
    with read.db.transaction() as cur:
        return active_table(cur, name)


def _a_trial_with_institutions(read: ReadModels) -> str:
    with read.db.transaction() as cur:
        rows = cur.execute(f"SELECT trial_id FROM {active_table(cur, 'institutions')}")
    return str(rows[0][0])
