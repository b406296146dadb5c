"""Stores for the integration suites: a SQLite file per test, a PostgreSQL schema per test.

The PostgreSQL suite gets its own database for the whole run (created here, dropped at the end).
With CI=true an unreachable server fails the run; elsewhere those tests skip with the reason.
With CI=true nothing may skip at all: a skipped test or module (a missing tool such as openssl
or sha256sum, a missing package such as schemathesis) is reported as a failure, with its reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from _pytest.reports import CollectReport, TestReport

CI = os.environ.get("CI") == "true"

PG_ADMIN_URL = os.environ.get("FRISPOR_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database of its own for this test run; yields its URL without a schema."""
    name = f"frispor_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but PostgreSQL at {PG_ADMIN_URL} is unreachable: {error}")
        pytest.skip(f"PostgreSQL at {PG_ADMIN_URL} is unreachable: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        try:
            yield f"{base}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_database: str) -> str:
    """A fresh schema in the run's database, as a DATABASE_URL."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{pg_database}?schema={schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every integration test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'frispor.sqlite'}"
    return str(request.getfixturevalue("pg_url"))


def _fail_if_skipped(report: CollectReport | TestReport) -> None:
    """Under CI=true a skip is a failure: what it lacked is missing from CI, not optional."""
    if not (CI and report.skipped) or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"CI=true, so nothing may skip: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A test that skips fails under CI=true."""
    outcome = yield
    _fail_if_skipped(outcome.get_result())  # type: ignore[attr-defined]


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """A module that skips as a whole (`importorskip`) fails under CI=true."""
    outcome = yield
    _fail_if_skipped(outcome.get_result())  # type: ignore[attr-defined]
