"""The runner's shortcuts give what a runner without them gives: batches, cache, facts read."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic

from frispor.domain.application import Frispor
from frispor.domain.mapper import decode_event
from frispor.projections import findings_runner
from frispor.projections.catalog import VIEWS, create_table
from frispor.projections.findings_runner import runner_for
from frispor.projections.rows import Change
from frispor.projections.runner import Runner
from frispor.store.db import Cursor, Database

COLUMNS = "aggregate_id, row_key, valid_from, valid_to, recorded_from, recorded_to, data"


def rows(db: Database, table: str) -> list[tuple[object, ...]]:
    with db.transaction() as cur:
        return sorted(cur.execute(f"SELECT {COLUMNS}, position, closed_position FROM {table}"))


@pytest.mark.parametrize("name", list(VIEWS))
def test_one_event_a_batch_and_no_cache_give_the_same_rows(
    demo_store: tuple[Frispor, Database], name: str
) -> None:
    app, db = demo_store
    head = app.recorder.max_notification_id()
    tables = {"bulk": f"t_{name}_bulk", "slow": f"t_{name}_slow"}
    with db.transaction() as cur:
        for table in tables.values():
            create_table(cur, VIEWS[name], table)
    runner_for(app, db, VIEWS[name], table=tables["bulk"]).catch_up()
    # Every event its own batch, every aggregate read back from the store each time.
    slow = runner_for(app, db, VIEWS[name], table=tables["slow"], batch_size=1, cache_size=0)
    slow.catch_up()
    assert rows(db, tables["bulk"]) == rows(db, tables["slow"]) != []
    with db.transaction() as cur:
        positions = cur.execute(
            "SELECT position FROM projection_tracking WHERE table_name IN (%s, %s)",
            tuple(tables.values()),
        )
    assert [p for (p,) in positions] == [head, head]


def test_fact_events_read_without_their_envelope_give_the_full_events_facts(
    demo_store: tuple[Frispor, Database],
) -> None:
    app, _ = demo_store
    checked = 0
    for view in VIEWS.values():
        topics = [get_topic(cls) for cls in view.fact_events]
        if not topics:
            continue
        head = app.recorder.max_notification_id() or 0
        for n in app.recorder.select_notifications(1, head, topics=topics):
            args = (n.topic, n.originator_id, n.originator_version, n.state)
            full, facts = decode_event(*args), decode_event(*args, facts_only=True)
            assert isinstance(facts, view.fact_events) and facts.envelope is None
            assert facts.model_dump(exclude={"envelope"}) == full.model_dump(exclude={"envelope"})
            assert (facts.effective_on, facts.valid_from, facts.valid_to) == (
                full.effective_on,
                full.valid_from,
                full.valid_to,
            )
            checked += 1
    assert checked >= 4  # the demo's measurements


def test_a_write_failing_behind_the_next_batch_is_applied_again(
    demo_store: tuple[Frispor, Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, db = demo_store
    tables = {"whole": "t_findings_whole", "failed": "t_findings_failed"}
    with db.transaction() as cur:
        for table in tables.values():
            create_table(cur, VIEWS["findings"], table)
    runner_for(app, db, VIEWS["findings"], table=tables["whole"], batch_size=7).catch_up()
    real_write, threads, calls = findings_runner.write_batch, set(), [0]

    def write_then_fail(*args: Any) -> None:
        threads.add(threading.current_thread().name)
        real_write(*args)
        calls[0] += 1
        if calls[0] == 5:
            raise RuntimeError("connection lost")  # before the commit: the batch rolls back

    monkeypatch.setattr(findings_runner, "write_batch", write_then_fail)
    runner = runner_for(app, db, VIEWS["findings"], table=tables["failed"], batch_size=7)
    with pytest.raises(RuntimeError, match="connection lost"):
        runner.catch_up()
    monkeypatch.setattr(findings_runner, "write_batch", real_write)
    runner.catch_up()  # the same runner: what its cache had run ahead is dropped
    assert rows(db, tables["whole"]) == rows(db, tables["failed"]) != []
    members = [f"SELECT aggregate_id, group_id FROM {t}_members" for t in tables.values()]
    with db.transaction() as cur:
        assert sorted(cur.execute(members[0])) == sorted(cur.execute(members[1]))
    # On PostgreSQL a catch-up's batches are written by a thread while the next is computed.
    assert (threading.current_thread().name not in threads) == db.is_postgres


def test_a_runner_whose_write_reads_its_own_state_writes_each_batch_at_once(
    demo_store: tuple[Frispor, Database],
) -> None:
    app, db = demo_store
    threads = set()

    class Keeping(Runner):
        def _write(self, cur: Cursor, table: str, changes: dict[UUID, list[Change]]) -> None:
            threads.add(threading.current_thread().name)
            super()._write(cur, table, changes)

    with db.transaction() as cur:
        create_table(cur, VIEWS["goals"], "t_goals_kept")
    Keeping(app, db, VIEWS["goals"], table="t_goals_kept", batch_size=3).catch_up()
    assert threads == {threading.current_thread().name}
