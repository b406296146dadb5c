"""A full disk, a statement timeout, a constraint of the database: clear answers, nothing lost.

- SQLite on a full disk: `frispor serve` runs as its own process and its file-size limit
  (RLIMIT_FSIZE, which binds root too) is lowered to one byte, so every write it makes fails
  as on a full disk while reads go on; lifted again, the refused decisions go through once.
- PostgreSQL with `statement_timeout` (set on a database of the test's own) while another
  session holds a lock that keeps writers out of the events table.
- A constraint the database adds on its own (a CHECK on PostgreSQL, a trigger on SQLite) that
  refuses an event: the answer is a problem body, nothing is stored, the key is free again.
"""

from __future__ import annotations

import resource
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import psycopg
import pytest
from fastapi.testclient import TestClient

from frispor.api.app import create_app
from frispor.projections.catalog import VIEWS
from frispor.projections.maintenance import check
from frispor.settings import Settings
from frispor.store.db import Database
from frispor.store.env import store_env
from frispor.store.open import open_app
from tests.api.conftest import Api
from tests.api.scenario import build, created, decision
from tests.faults.support import (
    Callers,
    ServerProcess,
    http_api,
    scratch_database,
    unavailable,
)

EXTEND = decision("2018-03-15", new_end="2018-10-31")


@dataclass
class Answer:
    status: int | str
    rule: str | None = None
    retry_after: str | None = None
    content_type: str = ""
    seconds: float = 0.0


def answer(send: Any) -> Answer:
    """Send one request on a fresh connection (a 500 makes the server drop the connection)."""
    started = time.monotonic()
    try:
        response = send()
    except httpx2.TimeoutException:
        return Answer("timeout", seconds=round(time.monotonic() - started, 1))
    kind = response.headers.get("content-type", "")
    return Answer(
        response.status_code,
        response.json().get("rule") if "json" in kind else None,
        response.headers.get("retry-after"),
        kind,
        round(time.monotonic() - started, 1),
    )


def types(api: Api, aggregate: str) -> list[str]:
    return [e["type"] for e in api.get(f"/history/{aggregate}").json()["items"]]


def consistent(database_url: str) -> dict[str, list[str]]:
    app, db = open_app(store_env(database_url)), Database(database_url)
    try:
        return {name: check(app, db, name).differences for name in VIEWS}
    finally:
        db.close()
        app.close()


# --- SQLite on a full disk --------------------------------------------------------------------


@dataclass
class DiskFull:
    with_key: Answer
    without_key: Answer
    read: Answer
    after: dict[str, Any]


@pytest.fixture(scope="module")
def disk_full(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DiskFull]:
    if not hasattr(resource, "prlimit"):
        unavailable("lowering another process's RLIMIT_FSIZE needs Linux (resource.prlimit)")
    callers = Callers.mint()
    workdir = Path(tmp_path_factory.mktemp("disk-full"))
    url = f"sqlite:///{workdir / 'frispor.sqlite'}"
    with ServerProcess(url, callers, workdir) as server:

        def client() -> httpx2.Client:
            return httpx2.Client(base_url=server.url, timeout=60)

        with client() as c:
            api = http_api(c, callers)
            ids = build(api)
            trial = ids["trial"]
            assert api.get(f"/trials/{trial}", min_position=ids["position"]).status_code == 200
        soft, hard = resource.prlimit(server.pid, resource.RLIMIT_FSIZE)
        resource.prlimit(server.pid, resource.RLIMIT_FSIZE, (1, hard))  # the disk is full
        try:
            path, token = f"/trials/{trial}/extend", callers.tokens["oim"]
            headers = {"Authorization": f"Bearer {token}"}
            with client() as c:
                with_key = answer(
                    lambda: c.post(
                        path, json=EXTEND, headers={**headers, "Idempotency-Key": "full-1"}
                    )
                )
            with client() as c:
                without_key = answer(lambda: c.post(path, json=EXTEND, headers=headers))
            with client() as c:
                auditor = {"Authorization": f"Bearer {callers.tokens['auditor']}"}
                read = answer(lambda: c.get(f"/trials/{trial}", headers=auditor))
        finally:
            resource.prlimit(server.pid, resource.RLIMIT_FSIZE, (soft, hard))
        with client() as c:
            api = http_api(c, callers)
            before = types(api, trial)
            again = api.post(path, EXTEND, "oim", **{"Idempotency-Key": "full-1"})
            once_more = api.post(path, EXTEND, "oim", **{"Idempotency-Key": "full-1"})
            after = {
                "before": before,
                "again": again.status_code,
                "same answer": again.json() == once_more.json(),
                "history": types(api, trial),
                "position": again.json().get("position"),
            }
            wait = api.get(f"/trials/{trial}", min_position=after["position"])
            after["read models"] = wait.status_code
    after["check"] = consistent(url)
    yield DiskFull(with_key, without_key, read, after)


def test_sqlite_disk_full_refuses_with_503_and_loses_nothing(disk_full: DiskFull) -> None:
    print(
        f"\nSQLite, disk full: with key {disk_full.with_key}; without key "
        f"{disk_full.without_key}; read {disk_full.read}"
    )
    refused = disk_full.with_key
    assert refused.status == 503 and refused.retry_after, refused
    assert refused.content_type.startswith("application/problem+json")
    assert refused.rule == "database-unavailable"
    assert disk_full.read.status == 200, "reads go on while writes fail"
    after = disk_full.after
    assert "Trial.Extended" not in after["before"], "a refused decision was stored"
    assert after["again"] == 201 and after["same answer"]
    assert after["history"].count("Trial.Extended") == 1
    assert after["read models"] == 200, "the read models did not catch up after the disk"
    assert after["check"] == {name: [] for name in VIEWS}


def test_sqlite_disk_full_without_a_key_answers_503(disk_full: DiskFull) -> None:
    assert disk_full.without_key.status == 503, disk_full.without_key
    assert disk_full.without_key.retry_after


# --- PostgreSQL statement_timeout ---------------------------------------------------------------


@dataclass
class Timeout:
    command: Answer
    read: Answer
    stored_while_locked: list[str]
    after: int
    history: list[str]


@pytest.fixture(scope="module")
def statement_timeout() -> Iterator[Timeout]:
    with scratch_database() as url:
        with psycopg.connect(url, autocommit=True) as admin:
            name = url.rsplit("/", 1)[1]
            admin.execute(f"ALTER DATABASE \"{name}\" SET statement_timeout = '400ms'")
        callers = Callers.mint()
        settings = Settings.model_validate({"DATABASE_URL": url})
        app = create_app(settings, callers.entries)
        with TestClient(app, raise_server_exceptions=False) as client:
            api = Api(client, callers.tokens)
            ids = build(api)
            trial = ids["trial"]
            locker = psycopg.connect(url)
            try:
                # A long job (a backup, a migration) keeps writers out of the events table.
                locker.execute("LOCK TABLE frispor_events IN SHARE MODE")
                results: dict[str, Answer] = {}

                def command() -> None:
                    results["command"] = answer(
                        lambda: api.post(f"/trials/{trial}/extend", EXTEND, "oim")
                    )

                writer = threading.Thread(target=command)
                writer.start()
                results["read"] = answer(lambda: api.get(f"/history/{trial}"))
                writer.join(120)
                assert not writer.is_alive(), "the command hung"
                stored_while_locked = types(api, trial)
            finally:
                locker.rollback()
                locker.close()
            after = api.post(f"/trials/{trial}/extend", EXTEND, "oim").status_code
            yield Timeout(
                results["command"],
                results["read"],
                stored_while_locked,
                after,
                types(api, trial),
            )


@pytest.mark.postgres
def test_statement_timeout_refuses_the_write_and_stores_nothing(statement_timeout: Timeout) -> None:
    print(
        f"\nPostgreSQL statement_timeout behind a lock: command {statement_timeout.command}, "
        f"read {statement_timeout.read}"
    )
    command = statement_timeout.command
    assert command.status != "timeout" and command.status != 201, command
    assert statement_timeout.read.status == 200, "reads are not held up by the lock"
    assert "Trial.Extended" not in statement_timeout.stored_while_locked
    assert statement_timeout.after == 201
    assert statement_timeout.history.count("Trial.Extended") == 1


@pytest.mark.postgres
def test_statement_timeout_answers_503_with_retry_after(statement_timeout: Timeout) -> None:
    command = statement_timeout.command
    assert command.status == 503 and command.retry_after, command
    assert command.content_type.startswith("application/problem+json")


# --- a constraint of the database's own -------------------------------------------------------

BIG = "Begrundelse " * 400  # ~4.8 kB of justification: allowed by the API, refused by the store


def refuse_big_events(database_url: str) -> Any:
    """Add a constraint refusing events over 3,000 bytes; returns a function that drops it."""
    db = Database(database_url)
    with db.transaction() as cur:
        if db.is_postgres:
            cur.execute(
                "ALTER TABLE frispor_events ADD CONSTRAINT frispor_small_events "
                "CHECK (octet_length(state) < 3000)"
            )
        else:
            cur.execute(
                "CREATE TRIGGER frispor_small_events BEFORE INSERT ON stored_events "
                "WHEN length(NEW.state) >= 3000 "
                "BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: frispor_small_events'); END"
            )

    def drop() -> None:
        with db.transaction() as cur:
            if db.is_postgres:
                cur.execute("ALTER TABLE frispor_events DROP CONSTRAINT frispor_small_events")
            else:
                cur.execute("DROP TRIGGER frispor_small_events")
        db.close()

    return drop


def big_extension(api: Api, trial: str) -> Any:
    return api.post(
        f"/trials/{trial}/extend",
        decision("2018-03-15", new_end="2018-10-31", justification=BIG),
        "oim",
        **{"Idempotency-Key": "big-1"},
    )


def test_a_constraint_violation_is_a_problem_body_and_stores_nothing(
    api: Api, database_url: str
) -> None:
    trial = build(api)["trial"]
    before = types(api, trial)
    drop = refuse_big_events(database_url)
    try:
        refused = big_extension(api, trial)
    finally:
        drop()
    print(f"\nconstraint violation: {refused.status_code} {refused.json()}")
    assert 400 <= refused.status_code < 500 or refused.status_code == 503, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert types(api, trial) == before, "a refused decision was stored"
    assert created(big_extension(api, trial))["version"] == len(before) + 1  # the key is free
    assert types(api, trial).count("Trial.Extended") == 1


def test_a_constraint_violation_is_not_blamed_on_a_concurrent_writer(
    api: Api, database_url: str
) -> None:
    trial = build(api)["trial"]
    drop = refuse_big_events(database_url)
    try:
        refused = big_extension(api, trial)
    finally:
        drop()
    assert refused.json()["rule"] != "optimistic-concurrency", refused.json()
    assert "another decision" not in refused.json()["detail"]
