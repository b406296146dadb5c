"""Read models on SQLite and PostgreSQL: as of a day, as known at a moment, exactly once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from frispor.demo import DemoResult, load_demo
from frispor.domain.application import Frispor
from frispor.domain.commands import PublishReport
from frispor.projections import runner as runner_module
from frispor.projections.catalog import VIEWS, active_table, ensure, position_of
from frispor.projections.findings_runner import runner_for
from frispor.projections.maintenance import check, rebuild
from frispor.projections.queries import ReadModels
from frispor.projections.runner import Runner
from frispor.projections.service import ProjectionService, lag
from frispor.store.db import Database
from frispor.store.env import store_env
from frispor.store.open import open_app


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def stack(database_url: str) -> Iterator[tuple[Frispor, Database, DemoResult]]:
    app = open_app(store_env(database_url))
    db = Database(database_url)
    ensure(db)
    demo = load_demo(app)
    yield app, db, demo
    db.close()
    app.close()


def catch_up(app: Frispor, db: Database, batch_size: int = 500) -> None:
    for view in VIEWS.values():
        runner_for(app, db, view, batch_size=batch_size).catch_up()


def titles(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {r["data"]["title"]: r["phase"] for r in rows}


def test_trials_as_of_several_days(stack: tuple[Frispor, Database, DemoResult]) -> None:
    app, db, _ = stack
    catch_up(app, db)
    rm = ReadModels(db)
    assert titles(rm.trials(as_of=date(2017, 8, 1))) == {
        "Forsøg med anmeldte plejehjemstilsyn": "not started"
    }
    spring = titles(rm.trials(as_of=date(2018, 3, 1)))
    assert spring == {
        "Forsøg med anmeldte plejehjemstilsyn": "running",
        "Deleboliger": "running",
    }
    summer = titles(rm.trials(as_of=date(2018, 6, 1)))
    assert summer["Forsøg med anmeldte plejehjemstilsyn"] == "ended"
    assert summer["Tilkøbsydelser i hjemmeplejen"] == "running"
    assert len(rm.trials(as_of=date(2019, 1, 1))) == 6


def test_exemptions_in_force_by_day(stack: tuple[Frispor, Database, DemoResult]) -> None:
    app, db, _ = stack
    catch_up(app, db)
    rm = ReadModels(db)

    def rules(day: date, **filters: Any) -> set[str]:
        return {e["data"]["rule"]["text"] for e in rm.exemptions(in_force_on=day, **filters)}

    assert rules(date(2018, 3, 1)) == {"serviceloven § 151, stk. 2", "almenboligloven § 5"}
    assert rules(date(2018, 4, 30)) >= {"serviceloven § 151, stk. 2"}
    assert "serviceloven § 151, stk. 2" not in rules(date(2018, 5, 1))
    assert rules(date(2019, 6, 1), municipality="147") == {
        "Frederiksbergs kvalitetsstandard (lokalt krav) § 139",
        "serviceloven § 79 a",
    }
    assert rules(date(2019, 6, 1), category="dokumentation") == {
        "Frederiksbergs kvalitetsstandard (lokalt krav) § 139"
    }


def test_known_at_before_and_after_a_correction(
    stack: tuple[Frispor, Database, DemoResult],
) -> None:
    app, db, demo = stack
    catch_up(app, db)
    rm = ReadModels(db)
    goal = str(demo.ids["goal:laering"])

    def values(known_at: datetime | None) -> list[str]:
        found = rm.goal(goal, as_of=date(2018, 6, 1), known_at=known_at)
        assert found is not None
        return [m["data"]["value"] for m in found["measurements"]]

    assert values(at("2018-06-01")) == ["55", "70"]
    assert values(at("2018-09-14T09:00")) == ["55", "70"]
    assert values(at("2018-09-15")) == ["55", "68"]
    assert values(None) == ["55", "68"]
    assert values(at("2018-02-01")) == ["55"]


def test_late_recording_is_visible_only_after_it_was_recorded(
    stack: tuple[Frispor, Database, DemoResult],
) -> None:
    app, db, demo = stack
    catch_up(app, db)
    rm = ReadModels(db)
    valby = str(demo.ids["institution:valby"])
    before = rm.institution(valby, as_of=date(2018, 3, 1), known_at=at("2018-04-01"))
    after = rm.institution(valby, as_of=date(2018, 3, 1), known_at=at("2018-06-01"))
    assert before is not None and after is not None
    assert before["latest_inspection"] is None
    assert after["latest_inspection"]["data"]["assessment"] == "stoerre"
    assert [o["status"] for o in after["open_orders"]] == ["open"]
    assert [e["category"] for e in after["exemptions_in_force"]] == ["tilsynsform"]


def test_crash_mid_batch_then_resume_gives_identical_rows(
    stack: tuple[Frispor, Database, DemoResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, db, _ = stack
    real_write = runner_module.write_batch
    calls = {"n": 0}

    def write_then_crash(*args: Any) -> None:
        real_write(*args)  # the rows are written inside the transaction …
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")  # … and then the process dies before commit

    monkeypatch.setattr(runner_module, "write_batch", write_then_crash)
    # Batches hold this view's events only (11 in the demo): 3 a batch crashes mid-way.
    runner = Runner(app, db, VIEWS["exemptions"], batch_size=3)
    with pytest.raises(RuntimeError, match="power cut"):
        runner.catch_up()
    monkeypatch.setattr(runner_module, "write_batch", real_write)
    Runner(app, db, VIEWS["exemptions"], batch_size=3).catch_up()
    result = check(app, db, "exemptions")
    assert result.differences == [] and result.rows > 0
    assert result.position == app.recorder.max_notification_id()


def test_two_runners_on_one_table_apply_each_event_once(
    stack: tuple[Frispor, Database, DemoResult],
) -> None:
    app, db, _ = stack
    errors: list[BaseException] = []

    def run() -> None:
        try:
            Runner(app, db, VIEWS["inspections"], batch_size=3).catch_up()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert check(app, db, "inspections").differences == []


def test_rebuild_while_serving(stack: tuple[Frispor, Database, DemoResult]) -> None:
    app, db, _ = stack
    catch_up(app, db)
    rm = ReadModels(db)
    before = rm.exemptions(in_force_on=date(2018, 3, 1))
    served: list[int] = []

    def progress(_: int) -> None:  # queries keep answering from the old table meanwhile
        served.append(len(rm.exemptions(in_force_on=date(2018, 3, 1))))

    with db.transaction() as cur:
        old = active_table(cur, "exemptions")
    new = rebuild(app, db, "exemptions", progress)
    assert new != old and served and set(served) == {len(before)}
    after = rm.exemptions(in_force_on=date(2018, 3, 1))
    assert [e["data"] for e in after] == [e["data"] for e in before]
    assert check(app, db, "exemptions").differences == []


def test_a_read_model_made_by_an_older_release_is_rebuilt_with_its_new_columns(
    stack: tuple[Frispor, Database, DemoResult],
) -> None:
    app, db, _ = stack
    catch_up(app, db)
    expected = titles(ReadModels(db).trials(as_of=date(2018, 3, 1)))
    # The table an older release made: the trials without the search columns added since.
    with db.transaction() as cur:
        old = active_table(cur, "trials")
        cur.execute(f"DROP TABLE {old}")
        older = replace(VIEWS["trials"], columns=VIEWS["trials"].columns[:-2], hidden=())
        for statement in older.ddl(old):
            cur.execute(statement)
    ensure(db)  # as at the next start
    with db.transaction() as cur:
        new = active_table(cur, "trials")
        assert new != old and position_of(cur, new) == 0
        assert not cur.execute(f"SELECT 1 FROM {new}")
    catch_up(app, db)
    assert titles(ReadModels(db).trials(as_of=date(2018, 3, 1))) == expected
    assert check(app, db, "trials").differences == []


def test_check_reports_a_difference_planted_in_a_view(
    stack: tuple[Frispor, Database, DemoResult],
) -> None:
    app, db, _ = stack
    catch_up(app, db)
    assert check(app, db, "trials").differences == []
    with db.transaction() as cur:
        table = active_table(cur, "trials")
        cur.execute(f"UPDATE {table} SET status = 'permanent' WHERE row_key = 'trial'")
    result = check(app, db, "trials")
    assert result.differences and "in the read model but not in a replay" in result.differences[0]
    assert "'permanent'" in result.differences[0]


def test_lag_and_read_your_writes(stack: tuple[Frispor, Database, DemoResult]) -> None:
    app, db, demo = stack
    catch_up(app, db)
    rm = ReadModels(db)
    head = app.recorder.max_notification_id()
    assert all(r["behind"] == 0 for r in lag(app, db).values())
    written = app.publish_report(
        next(iter(app.history(demo.ids["inspection:1"]))).envelope,
        demo.ids["inspection:1"],
        PublishReport(
            published_on=date(2017, 11, 15),
            location="https://www.kk.dk/tilsynsrapporter/oesterbro-2017",
        ),
    )
    assert written.position > head
    assert lag(app, db)["inspections"]["behind"] == written.position - head
    assert rm.wait_for(written.position, timeout=0.1) is False
    service = ProjectionService(app, db)
    service.start()
    try:
        assert rm.wait_for(written.position, timeout=10) is True
    finally:
        service.stop()
    inst = rm.institution(str(demo.ids["institution:oesterbro"]), as_of=date(2017, 12, 1))
    assert inst is not None
    assert inst["latest_inspection"]["data"]["report_published_on"] == "2017-11-15"
