"""The diff read from the changed aggregates only equals the diff read from the whole log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from frispor.demo.bulk import generate_bulk
from frispor.domain.application import Frispor
from frispor.projections.audit.diff import Change, diff
from frispor.projections.audit.record import load_changed, load_record
from frispor.store.db import Database
from frispor.store.env import store_env
from frispor.store.open import open_app


def both(app: Frispor, earlier: datetime, later: datetime) -> list[Change]:
    """The fast diff, after checking it against the whole-log diff field by field."""
    whole = diff(load_record(app, later), earlier, later)
    fast = diff(load_changed(app, earlier, later), earlier, later)
    assert [c.as_dict() for c in fast] == [c.as_dict() for c in whole]
    return fast


def moment(year: int, month: int) -> datetime:
    """The first of a month, UTC."""
    return datetime(year, month, 1, tzinfo=UTC)


def test_fast_diff_equals_the_whole_log_diff_on_the_demo(
    demo_store: tuple[Frispor, Database],
) -> None:
    app, _ = demo_store
    changes = both(app, moment(2018, 9), moment(2018, 10))
    corrected = [c for c in changes if c.kind == "Goal" and c.field == "measurements"]
    assert corrected and corrected[0].details == [("measurements[1].value", "70", "68")]
    for earlier, later in ((2016, 1), (2018, 1)), ((2017, 6), (2019, 6)), ((2019, 1), (2030, 1)):
        both(app, moment(*earlier), moment(*later))


@pytest.fixture
def bulk(database_url: str) -> Iterator[Frispor]:
    app = open_app(store_env(database_url))
    generate_bulk(app, 6_000, templates=20)
    yield app
    app.close()


def test_fast_diff_equals_the_whole_log_diff_on_a_synthetic_history(bulk: Frispor) -> None:
    # Twenty template trials start until early 2017; some record corrections then.
    changes = both(bulk, moment(2017, 1), moment(2017, 4))
    assert any(c.field == "(record)" and c.after == "created" for c in changes)
    assert any(e["type"].endswith("Corrected") for c in changes for e in c.events)
    assert len({c.aggregate_id for c in changes}) < len(load_record(bulk).events)
    assert both(bulk, moment(2018, 1), moment(2018, 7))
    assert both(bulk, moment(2030, 1), moment(2031, 1)) == []
