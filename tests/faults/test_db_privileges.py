"""The application's database role with INSERT and SELECT only on the events table (DESIGN.md).

A database of the test's own on the shared server; its schema is created by a separate migration
step run as `postgres` (the app started once and stopped). A login role of this run's own gets
what the runtime needs: INSERT and SELECT on the events table and nothing more on it, and full
use of the read side's own tables (read models, idempotency keys, ledger). Then the app runs as
that role. The ledger's tables are append-only like the events: INSERT and SELECT only. The role
and the database are dropped at the end, also on failure.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.persistence import InfrastructureFactory, StoredEvent
from eventsourcing.utils import Environment
from fastapi.testclient import TestClient

from frispor.api.app import create_app
from frispor.ledger.schema import GUARDED
from frispor.ledger.store import TreeStore
from frispor.settings import Settings
from frispor.store.env import APP_NAME, EVENTS_TABLE_POSTGRES, store_env
from tests.api.conftest import Api
from tests.api.scenario import build
from tests.faults.support import Callers, scratch_database

pytestmark = pytest.mark.postgres


@dataclass
class Limited:
    owner_url: str  # postgres: the migration's
    app_url: str  # the limited role's
    role: str


def as_user(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    netloc = f"{user}:{password}@{parts.hostname}:{parts.port or 5432}"
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture
def limited() -> Iterator[Limited]:
    """A migrated database and a role of this test's own (what one test writes, the next does
    not read)."""
    role, password = f"frispor_app_{uuid4().hex[:10]}", secrets.token_hex(16)
    with scratch_database("frispor_roles") as owner_url:
        admin = psycopg.connect(owner_url, autocommit=True)
        try:
            admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
            try:
                # The migration: every table, type, function and trigger, created as postgres
                # (the app's start-up creates the store's and the read side's; the ledger's
                # follower would create its own later, in the background).
                with TestClient(
                    create_app(
                        Settings.model_validate(
                            {
                                "DATABASE_URL": owner_url,
                                "run_projections": False,
                            }
                        )
                    )
                ):
                    pass
                TreeStore.open(owner_url).close()
                admin.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
                for table in (EVENTS_TABLE_POSTGRES, *GUARDED):
                    admin.execute(f"GRANT SELECT, INSERT ON {table} TO {role}")
                others = [
                    row[0]
                    for row in admin.execute(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "AND tablename <> ALL(%s)",
                        ([EVENTS_TABLE_POSTGRES, *GUARDED],),
                    )
                ]
                for table in others:  # the read side's own tables may change
                    admin.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON "{table}" TO {role}')
                admin.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
                yield Limited(owner_url, as_user(owner_url, role, password), role)
            finally:
                # The database goes first (scratch_database), so the role owns nothing anywhere;
                # its sessions are ended, then the role is dropped.
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                    (role,),
                )
                admin.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
                admin.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}")
                admin.execute(f"REVOKE ALL ON SCHEMA public FROM {role}")
                admin.execute(f"DROP ROLE IF EXISTS {role}")
        finally:
            admin.close()


def test_the_role_may_insert_and_select_events_and_nothing_else(limited: Limited) -> None:
    """The grants do what DESIGN.md asks; an advisory lock needs no privilege at all."""
    with psycopg.connect(limited.app_url, autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (limited.role,)
        conn.execute(f"SELECT count(*) FROM {EVENTS_TABLE_POSTGRES}")
        for statement in (
            f"UPDATE {EVENTS_TABLE_POSTGRES} SET topic = topic",
            f"DELETE FROM {EVENTS_TABLE_POSTGRES}",
            f"TRUNCATE {EVENTS_TABLE_POSTGRES}",
            f"LOCK TABLE {EVENTS_TABLE_POSTGRES} IN EXCLUSIVE MODE",
            "CREATE TABLE intruder (x int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute(statement)
        with conn.transaction(force_rollback=True):  # what a recorder could queue on instead
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('frispor_events'))")
            conn.execute(
                f"INSERT INTO {EVENTS_TABLE_POSTGRES} "
                "(originator_id, originator_version, topic, state) VALUES (%s, 1, %s, %s)",
                (uuid4(), "tests.faults:Probe", b"{}"),
            )


def test_the_apps_recorder_inserts_as_the_limited_role(limited: Limited) -> None:
    env = store_env(limited.app_url, pool_size=1) | {"CREATE_TABLE": "n"}  # migrated already
    factory = InfrastructureFactory.construct(Environment(APP_NAME, env))
    try:
        recorder = factory.application_recorder()
        ids = recorder.insert_events(
            [
                StoredEvent(
                    originator_id=uuid4(),
                    originator_version=1,
                    topic="tests.faults:Probe",
                    state=b"{}",
                )
            ]
        )
        assert ids and ids[0] > 0
    finally:
        factory.close()


def test_the_app_records_decisions_as_the_limited_role(
    limited: Limited, caplog: pytest.LogCaptureFixture
) -> None:
    callers = Callers.mint()
    settings = Settings.model_validate({"DATABASE_URL": limited.app_url})
    with TestClient(create_app(settings, callers.entries)) as client:
        api = Api(client, callers.tokens)
        ids = build(api)  # six decisions through HTTP, each a 201
        history = api.get(f"/history/{ids['exemption']}").json()["items"]
        assert [e["type"] for e in history] == ["Exemption.Requested", "Exemption.Granted"]
        wait = api.get(f"/trials/{ids['trial']}", min_position=ids["position"])
        assert wait.status_code == 200, "the read models did not follow as the limited role"
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures, failures  # the runners and the ledger follower ran as the role too
    assert not [r for r in caplog.records if "can change or remove" in r.getMessage()]


def test_the_limited_role_may_not_change_ledger_rows(limited: Limited) -> None:
    """INSERT and SELECT only on the ledger's tables; the triggers stay out of its reach."""
    column = {
        "ledger_nodes": "hash",
        "ledger_checkpoints": "note",
        "ledger_timestamps": "tsa",
        "ledger_cosignatures": "line",
    }
    with psycopg.connect(limited.app_url, autocommit=True) as conn:
        for table in GUARDED:
            conn.execute(f"SELECT count(*) FROM {table}")
            name = column.get(table, "kind")
            for statement in (
                f"UPDATE {table} SET {name} = {name}",
                f"DELETE FROM {table}",
                f"TRUNCATE {table} CASCADE",
                f"ALTER TABLE {table} DISABLE TRIGGER USER",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                    conn.execute(statement)


def _serve_warnings(url: str, caplog: pytest.LogCaptureFixture) -> list[str]:
    settings = Settings.model_validate({"DATABASE_URL": url})
    with caplog.at_level(logging.WARNING, "frispor.ledger"), TestClient(create_app(settings)):
        for _ in range(50):  # the follower checks on its first connection, within a second
            found = [
                r.getMessage() for r in caplog.records if "can change or remove" in r.getMessage()
            ]
            if found:
                return found
            time.sleep(0.1)
    return []


def test_serve_warns_when_its_role_could_unguard_the_tables(
    limited: Limited, caplog: pytest.LogCaptureFixture
) -> None:
    [warning] = _serve_warnings(limited.owner_url, caplog)
    assert "the database role postgres can change or remove stored events or ledger rows" in warning
    assert "superuser" in warning and "docs/operations-postgres.md" in warning
    caplog.clear()
    assert _serve_warnings(limited.app_url, caplog) == []
