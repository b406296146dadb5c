"""The projection process killed with SIGKILL in mid-batch, again and again, on both stores.

A store of some 3,100 events (the demo plus 50 goals with 60 measurements each, written straight
through the Application) keeps the goals runner busy for several batches of 500. `frispor rebuild
goals` and `frispor project` are killed as soon as a batch has committed, that is while the next
one is in flight; each time the committed position must sit on a batch boundary with no row beyond
it. Restarted, the rebuild resumes into the same new table, the runners catch up, and `frispor
check` (every read model against a fresh replay) exits 0.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from frispor.demo import load_demo
from frispor.domain.application import Frispor
from frispor.ledger.store import TreeStore
from frispor.projections.catalog import VIEWS, ensure
from frispor.projections.runner import CORRECTED_TOPIC
from frispor.store.db import Database
from frispor.store.env import store_env
from frispor.store.open import open_app
from tests.faults.support import (
    fill_with_measurements,
    frispor_env,
    frispor_exe,
    spawn,
    wait_until,
)

KILLS = 3
BATCH = 500  # the runner's batch size (projections.runner.Runner): events of its view
GOALS, MEASUREMENTS = 50, 60


@dataclass
class Store:
    url: str
    head: int
    workdir: Path
    ends: set[int]  # where the goals runner's batches end


def batch_ends(app: Frispor, head: int) -> set[int]:
    """A batch is the next BATCH events the goals runner asks for (its topics), or the rest.

    (Its window of positions is wider than this whole store.)
    """
    wanted = [*VIEWS["goals"].event_topics(), CORRECTED_TOPIC]
    ids = [n.id for n in app.recorder.select_notifications(start=1, limit=head, topics=wanted)]
    return {*ids[BATCH - 1 :: BATCH], head}


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    app = open_app(store_env(database_url))
    db = Database(database_url)
    try:
        ensure(db)
        demo = load_demo(app)
        fill_with_measurements(app, demo.ids["trial:plejehjemstilsyn"], GOALS, MEASUREMENTS)
        head = app.recorder.max_notification_id() or 0
        ends = batch_ends(app, head)
    finally:
        db.close()
        app.close()
    yield Store(database_url, head, tmp_path, ends)


@contextmanager
def peek(url: str) -> Iterator[Any]:
    """A reading connection that takes no write lock (the runner under test holds those)."""
    db = Database(url)
    if db.is_postgres:
        with db.pg_connection() as pg:
            yield pg
    else:
        lite = db.connect_sqlite()
        try:
            yield lite
        finally:
            lite.close()


def tracked(conn: Any, table: str) -> int:
    rows = conn.execute(
        f"SELECT position FROM projection_tracking WHERE table_name = '{table}'"
    ).fetchall()
    return int(rows[0][0]) if rows else 0


def pending_table(conn: Any, name: str) -> str | None:
    rows = conn.execute(f"SELECT pending FROM projection_tables WHERE name = '{name}'").fetchall()
    return str(rows[0][0]) if rows and rows[0][0] else None


def active_table(conn: Any, name: str) -> str:
    rows = conn.execute(f"SELECT active FROM projection_tables WHERE name = '{name}'").fetchall()
    return str(rows[0][0])


def start(store: Store, *args: str) -> subprocess.Popen[bytes]:
    log = (store.workdir / "frispor.log").open("ab")
    try:
        return spawn(
            [frispor_exe(), *args],
            cwd=store.workdir,
            env=frispor_env(store.url),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    finally:
        log.close()  # the child keeps its own descriptor


def stop(process: subprocess.Popen[bytes], how: signal.Signals = signal.SIGKILL) -> None:
    if process.poll() is None:
        process.send_signal(how)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def kill_after_a_batch(
    store: Store, process: subprocess.Popen[bytes], table_of: Any, since: int
) -> int | None:
    """SIGKILL the process as soon as `table`'s position passes `since`; None if it finished."""
    deadline = time.monotonic() + 60
    with peek(store.url) as conn:
        while time.monotonic() < deadline:
            table = table_of(conn)
            position = tracked(conn, table) if table else 0
            if position > since and position < store.head:
                process.send_signal(signal.SIGKILL)  # the next batch is in flight now
                process.wait(30)
                return position
            if process.poll() is not None:
                return None
            time.sleep(0.005)
    pytest.fail("the runner made no progress within 60 s")


def assert_on_a_batch_boundary(store: Store, table: str) -> int:
    """Nothing of a killed batch is committed: the position ends a batch, no row lies beyond."""
    with peek(store.url) as conn:
        position = tracked(conn, table)
        beyond = conn.execute(
            f"SELECT count(*) FROM {table} WHERE position > {position} "
            f"OR closed_position > {position}"
        ).fetchall()[0][0]
    assert position in store.ends, (position, sorted(store.ends))
    assert beyond == 0, f"{beyond} rows of an uncommitted batch in {table}"
    return position


def frispor_check(store: Store) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [frispor_exe(), "check"],
        cwd=store.workdir,
        env=frispor_env(store.url),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_rebuild_killed_in_mid_batch_resumes_and_equals_a_replay(store: Store) -> None:
    kills: list[int] = []
    with peek(store.url) as conn:
        before = active_table(conn, "goals")
    since = 0
    pending: str | None = None
    while len(kills) < KILLS:
        process = start(store, "rebuild", "goals")
        try:

            def table_of(conn: Any) -> str | None:
                return pending_table(conn, "goals")

            killed_at = kill_after_a_batch(store, process, table_of, since)
        finally:
            stop(process)
        if killed_at is None:
            break  # finished before it could be killed again: fewer kills, still valid
        with peek(store.url) as conn:
            now_pending = pending_table(conn, "goals")
        assert now_pending is not None and now_pending == (pending or now_pending)
        pending = now_pending
        since = assert_on_a_batch_boundary(store, pending)
        kills.append(killed_at)
    print(
        f"\nrebuild goals on {store.url.split(':')[0]}: SIGKILL after positions {kills} "
        f"of {store.head}"
    )
    assert len(kills) >= 2, "the rebuild was too quick to be killed in mid-batch"
    finished = subprocess.run(
        [frispor_exe(), "rebuild", "goals"],
        cwd=store.workdir,
        env=frispor_env(store.url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert f"now served from {pending}" in finished.stdout  # resumed, not started over
    with peek(store.url) as conn:
        assert active_table(conn, "goals") == pending != before
        assert pending_table(conn, "goals") is None
        assert tracked(conn, str(pending)) == store.head
    check = frispor_check(store)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "goals: consistent" in check.stdout


def ledger_size(url: str) -> int:
    """Events in the ledger's Merkle tree (0 before its tables exist)."""
    tree = TreeStore.open(url)
    try:
        return tree.size()
    finally:
        tree.close()


def test_project_killed_in_mid_batch_catches_up_and_equals_a_replay(store: Store) -> None:
    kills: list[int] = []
    since = 0
    while len(kills) < KILLS:
        process = start(store, "project")
        try:
            killed_at = kill_after_a_batch(
                store, process, lambda conn: active_table(conn, "goals"), since
            )
        finally:
            stop(process)
        assert killed_at is not None, "frispor project exited by itself"
        with peek(store.url) as conn:
            since = assert_on_a_batch_boundary(store, active_table(conn, "goals"))
        kills.append(killed_at)
    print(
        f"\nproject on {store.url.split(':')[0]}: SIGKILL after goals positions {kills} "
        f"of {store.head}"
    )
    process = start(store, "project")
    try:

        def caught_up() -> bool:
            assert process.poll() is None, (store.workdir / "frispor.log").read_text()
            with peek(store.url) as conn:
                views = all(tracked(conn, active_table(conn, n)) == store.head for n in VIEWS)
            return views and ledger_size(store.url) == store.head

        # `frispor project` with no names follows the ledger too, as `frispor serve` does.
        wait_until("every read model and the ledger to reach the head", caught_up, 120, every=0.1)
    finally:
        stop(process, signal.SIGINT)  # a clean stop this time (Ctrl-C)
    assert process.returncode == 0, (store.workdir / "frispor.log").read_text()
    check = frispor_check(store)
    assert check.returncode == 0, check.stdout + check.stderr
    for name in ["ledger", *VIEWS]:
        assert f"{name}: consistent" in check.stdout


def test_project_stops_on_sigint_when_the_test_runner_ignores_it(
    database_url: str, tmp_path: Path
) -> None:
    """Started from a shell that ignores SIGINT (a background job), a child still stops on it."""
    store = Store(database_url, 0, tmp_path, set())
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as `pytest &` inherits it
    try:
        process = start(store, "project", "goals")
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        log = tmp_path / "frispor.log"
        wait_until(
            "frispor project to follow the log",
            lambda: "Following the event log" in log.read_text(errors="replace"),
            60,
        )
        process.send_signal(signal.SIGINT)
        process.wait(20)
    except subprocess.TimeoutExpired:
        pytest.fail("frispor project ignored SIGINT")
    finally:
        stop(process)
    assert process.returncode == 0, log.read_text(errors="replace")
