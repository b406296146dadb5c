"""PostgreSQL restarted under load, then stopped for a while: nothing acknowledged is lost.

The API runs as `frispor serve` (its own process, tokens from FRISPOR_TOKENS) on a throwaway
cluster. Eight threads record measurements with Idempotency-Keys while the cluster is restarted
(`pg_ctl restart -m immediate`: the server dies without a checkpoint and recovers from its WAL, as
after a crash); a client retries a 503 or a broken connection with the same key. Then the cluster
is stopped (immediate again) and the API probed, and started again. Afterwards every key is looked
up by its correlation id in the store: each 201 is there once, nothing is there twice, no answer
was a 500, the API answers again without being restarted, and every read model equals a fresh
replay.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

import httpx2
import psycopg
import pytest

from frispor.api.deps import IDEMPOTENCY_NAMESPACE
from frispor.domain.mapper import decode_event
from frispor.projections.catalog import VIEWS
from frispor.projections.maintenance import check
from frispor.store.db import Database
from frispor.store.env import store_env
from frispor.store.open import open_app
from tests.api.scenario import build, created, decision
from tests.faults.support import Callers, ServerProcess, http_api, throwaway_cluster, wait_until

pytestmark = pytest.mark.postgres

THREADS, PER_THREAD = 8, 25
ATTEMPTS = 6  # per key: the first try and up to five retries of a 503 or a broken connection
CLIENT_TIMEOUT = 60.0  # for the load: longer than any wait the API may take
PROBE_TIMEOUT = 20.0  # during the outage: an answer later than a proxy would wait is a hang
LOAD_DEADLINE = 120.0
MEASURED_BY = "kbh"


def measurement(n: int) -> dict[str, Any]:
    day = f"2018-{1 + n % 12:02d}-{1 + n % 28:02d}"
    return decision(
        day, period={"start": day, "end": day}, value=str(40 + n % 50), source="Tilsynsdatabasen"
    )


@dataclass
class Outcome:
    """What one Idempotency-Key got: every status in order, and the final answer's body."""

    key: str
    statuses: list[int | str] = field(default_factory=list)
    body: dict[str, Any] | None = None

    @property
    def final(self) -> int | str:
        return self.statuses[-1] if self.statuses else "not sent"


@dataclass
class Probe:
    """One request sent while the database was down."""

    label: str
    status: int | str = "not sent"
    retry_after: str | None = None
    content_type: str = ""
    body: str = ""
    seconds: float = 0.0


@dataclass
class Run:
    """Everything the module's single run observed, for the tests below to judge."""

    outcomes: list[Outcome]
    restarted_at_response: int
    after_restart: int | str
    probes: dict[str, Probe]
    recovered_in: float
    recovery: list[int | str]  # the answers until the first 201 after the outage
    stored: dict[UUID, list[tuple[int, UUID, int]]]  # correlation → (position, goal, version)
    positions: list[int]
    checks: dict[str, list[str]]
    log: str
    tokens: list[str]


def post_with_retries(
    client: httpx2.Client, token: str, path: str, body: dict[str, Any], outcome: Outcome
) -> None:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": outcome.key}
    for _ in range(ATTEMPTS):
        try:
            response = client.post(path, json=body, headers=headers)
        except httpx2.TimeoutException:
            outcome.statuses.append("timeout")
            return  # a hang: the test fails on it, no point retrying
        except httpx2.TransportError:
            outcome.statuses.append("no answer")
            time.sleep(0.2)
            continue
        outcome.statuses.append(response.status_code)
        if response.status_code != 503:
            if response.headers.get("content-type", "").endswith("json"):
                outcome.body = response.json()
            return
        time.sleep(min(float(response.headers.get("retry-after", "1")), 0.5))


def load(url: str, callers: Callers, goals: list[str], restart: threading.Event) -> list[Outcome]:
    outcomes = [[Outcome(f"load-{t}-{n}") for n in range(PER_THREAD)] for t in range(THREADS)]
    deadline = time.monotonic() + LOAD_DEADLINE
    answered = threading.Semaphore(0)

    def worker(t: int) -> None:
        with httpx2.Client(base_url=url, timeout=CLIENT_TIMEOUT) as client:
            for n, outcome in enumerate(outcomes[t]):
                if time.monotonic() > deadline:
                    return
                path, token = f"/goals/{goals[t]}/measurements", callers.tokens[MEASURED_BY]
                post_with_retries(client, token, path, measurement(n), outcome)
                answered.release()

    threads = [threading.Thread(target=worker, args=(t,), name=f"load-{t}") for t in range(THREADS)]
    for thread in threads:
        thread.start()
    # Restart once a third of the decisions are answered, while the rest are in flight.
    for _ in range(THREADS * PER_THREAD // 3):
        if not answered.acquire(timeout=LOAD_DEADLINE):
            break
    restart.set()
    for thread in threads:
        thread.join(LOAD_DEADLINE + CLIENT_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "load threads still running after the deadline"
    return [o for per_thread in outcomes for o in per_thread]


def probe_outage(url: str, callers: Callers, ids: dict[str, str], goal: str) -> dict[str, Probe]:
    """Send reads and commands at once while the database is down; note each answer."""
    auditor, recorder = callers.tokens["auditor"], callers.tokens[MEASURED_BY]
    requests: list[tuple[str, str, str, str, dict[str, str]]] = [
        ("GET /trials/{id}", "GET", f"/trials/{ids['trial']}", auditor, {}),
        ("GET /goals/{id}", "GET", f"/goals/{goal}", auditor, {}),
        ("GET /health", "GET", "/health", auditor, {}),
        (
            "POST measurement with key",
            "POST",
            f"/goals/{goal}/measurements",
            recorder,
            {"Idempotency-Key": "outage-1"},
        ),
        ("POST measurement", "POST", f"/goals/{goal}/measurements", recorder, {}),
        ("POST /programmes", "POST", "/programmes", callers.tokens["oim"], {}),
    ]
    probes = {label: Probe(label) for label, *_ in requests}

    def send(label: str, method: str, path: str, token: str, extra: dict[str, str]) -> None:
        probe = probes[label]
        body = measurement(999) if "measurement" in label else _programme()
        started = time.monotonic()
        try:
            with httpx2.Client(base_url=url, timeout=PROBE_TIMEOUT) as client:
                response = client.request(
                    method,
                    path,
                    json=body if method == "POST" else None,
                    headers={"Authorization": f"Bearer {token}", **extra},
                )
            probe.status, probe.body = response.status_code, response.text[:300]
            probe.retry_after = response.headers.get("retry-after")
            probe.content_type = response.headers.get("content-type", "")
        except httpx2.TimeoutException:
            probe.status = "timeout"
        except httpx2.TransportError as error:
            probe.status = f"no answer: {type(error).__name__}"
        probe.seconds = round(time.monotonic() - started, 1)

    threads = [threading.Thread(target=send, args=r) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PROBE_TIMEOUT + 10)
    return probes


def _programme() -> dict[str, Any]:
    basis = {"act": "eli/lta/2017/658", "path": "§ 1"}
    return decision(
        "2019-01-01",
        name="Frikommuneforsøg III",
        kind="frikommune",
        enabling_act=basis,
        period={"start": "2019-01-01", "end": "2022-12-31"},
        ministry="Økonomi- og Indenrigsministeriet",
        protected_categories=["magtanvendelse"],
    )


def read_store(database_url: str) -> tuple[dict[UUID, list[tuple[int, UUID, int]]], list[int]]:
    """Every stored event by correlation id, and every position, straight from the events."""
    app = open_app(store_env(database_url))
    try:
        by_correlation: dict[UUID, list[tuple[int, UUID, int]]] = {}
        positions: list[int] = []
        start = 1
        while batch := app.recorder.select_notifications(start=start, limit=1000):
            for n in batch:
                agg = UUID(str(n.originator_id))
                event = decode_event(n.topic, agg, n.originator_version, n.state)
                by_correlation.setdefault(event.envelope.correlation_id, []).append(
                    (n.id, event.originator_id, event.originator_version)
                )
                positions.append(n.id)
            start = batch[-1].id + 1
        return by_correlation, positions
    finally:
        app.close()


def check_all(database_url: str) -> dict[str, list[str]]:
    app, db = open_app(store_env(database_url)), Database(database_url)
    try:
        return {name: check(app, db, name).differences for name in VIEWS}
    finally:
        db.close()
        app.close()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """One run for the module: load with a restart, an outage probe, recovery, the store read."""
    callers = Callers.mint()
    workdir = Path(tmp_path_factory.mktemp("pg-restart"))
    with throwaway_cluster() as cluster:
        with psycopg.connect(cluster.url(), autocommit=True) as admin:
            admin.execute("CREATE DATABASE frispor")
        url = cluster.url("frispor")
        server = ServerProcess(url, callers, workdir, FRISPOR_POOL_SIZE="5")
        with server, httpx2.Client(base_url=server.url, timeout=CLIENT_TIMEOUT) as client:
            api = http_api(client, callers)
            ids = build(api)
            goals = [
                created(
                    api.post(
                        f"/trials/{ids['trial']}/goals",
                        decision(
                            "2017-08-25",
                            terms={
                                "indicator": f"Handleplaner {t}",
                                "definition": "Andel",
                                "unit": "%",
                                "data_source": "DB",
                                "baseline": {"value": "40", "on": "2017-09-01"},
                                "target": {"value": "80", "on": "2018-04-30"},
                                "direction": "higher",
                                "frequency": "quarterly",
                            },
                        ),
                        who=MEASURED_BY,
                    )
                )["id"]
                for t in range(THREADS)
            ]

            restart = threading.Event()
            restarted: list[int] = []

            def restarter() -> None:
                if restart.wait(LOAD_DEADLINE):
                    cluster.restart("immediate")  # a crash: recovery from the WAL
                    restarted.append(1)

            restarting = threading.Thread(target=restarter, name="pg-restart")
            restarting.start()
            outcomes = load(server.url, callers, goals, restart)
            restarting.join(120)
            assert restarted, "the cluster was not restarted"

            after = api.post(
                f"/goals/{goals[0]}/measurements", measurement(500), who=MEASURED_BY
            ).status_code

            cluster.stop("immediate")
            try:
                probes = probe_outage(server.url, callers, ids, goals[0])
            finally:
                cluster.start()
            started = time.monotonic()
            attempts = itertools.count()
            recovery: list[int | str] = []

            def recovered() -> bool:
                # A new key each time: a claim whose write failed stays "in progress" for good.
                key = f"after-outage-{next(attempts)}"
                try:
                    answer = api.post(
                        f"/goals/{goals[1]}/measurements",
                        measurement(501),
                        who=MEASURED_BY,
                        **{"Idempotency-Key": key},
                    )
                except httpx2.TransportError:
                    recovery.append("no answer")
                    return False
                recovery.append(answer.status_code)
                return bool(answer.status_code == 201)

            wait_until("the API to accept a decision after the outage", recovered, 90, every=0.5)
            recovered_in = round(time.monotonic() - started, 1)

            def caught_up() -> bool:
                try:
                    health = client.get("/health")
                except httpx2.TransportError:
                    return False
                report = health.json().get("projections", {}) if health.status_code == 200 else {}
                return bool(report) and all(r["behind"] == 0 for r in report.values())

            wait_until("the read models to catch up", caught_up, 90, every=0.25)
        stored, positions = read_store(url)
        yield Run(
            outcomes=outcomes,
            restarted_at_response=THREADS * PER_THREAD // 3,
            after_restart=after,
            probes=probes,
            recovered_in=recovered_in,
            recovery=recovery,
            stored=stored,
            positions=positions,
            checks=check_all(url),
            log=server.log(),
            tokens=list(callers.tokens.values()),
        )


def correlation(key: str) -> UUID:
    return uuid5(IDEMPOTENCY_NAMESPACE, f"{MEASURED_BY}:{key}")


def test_restart_under_load_loses_nothing_and_writes_nothing_twice(run: Run) -> None:
    sent = sum(len(o.statuses) for o in run.outcomes)
    seen: Counter[int | str] = Counter(s for o in run.outcomes for s in o.statuses)
    finals: Counter[str] = Counter(
        f"{o.final} {o.body['rule']}" if o.body and "rule" in o.body else str(o.final)
        for o in run.outcomes
    )
    found = {o.key: run.stored.get(correlation(o.key), []) for o in run.outcomes}
    twice = {k: v for k, v in found.items() if len(v) > 1}
    refused_but_stored = [o.key for o in run.outcomes if o.final != 201 and found[o.key]]
    acknowledged = [o for o in run.outcomes if o.final == 201]
    present = [o for o in acknowledged if len(found[o.key]) == 1]
    print(  # the figures, for `pytest -s` and the report
        f"\nPostgreSQL restart under load: {len(run.outcomes)} decisions "
        f"({THREADS} threads x {PER_THREAD}), {sent} requests sent; responses {dict(seen)}; "
        f"final answer per decision {dict(finals)}; restarted after "
        f"{run.restarted_at_response} answers; acknowledged {len(acknowledged)}, of them "
        f"present afterwards {len(present)}; found afterwards "
        f"{sum(1 for v in found.values() if v)}; duplicates {len(twice)}; "
        f"not acknowledged but stored {len(refused_but_stored)}"
    )
    assert 500 not in seen, f"{seen[500]} answers were 500: {dict(seen)}"
    assert len(present) == len(acknowledged), "an acknowledged decision is missing"
    assert not twice, f"written more than once: {twice}"
    assert len(run.positions) == len(set(run.positions)), "a position appears twice"
    for outcome in run.outcomes:
        rows = found[outcome.key]
        if outcome.final == 201:
            assert outcome.body is not None and len(rows) == 1, f"{outcome} acknowledged, not found"
            position, goal, version = rows[0]
            assert (position, str(goal), version) == (
                outcome.body["position"],
                outcome.body["id"],
                outcome.body["version"],
            ), outcome
    assert "timeout" not in seen, "a request hung past the client timeout"
    # An answer is an acknowledgement, a retryable outage, "outcome unknown: look it up", or the
    # lost-acknowledgement conflict that test_lost_acknowledgement.py pins down.
    assert set(finals) <= {
        "201",
        "503 database-unavailable",
        "409 idempotency-in-progress",
        "409 optimistic-concurrency",
        "no answer",
    }, dict(finals)
    assert finals["201"] >= len(run.outcomes) // 2, "most decisions should get through a restart"


def test_measurements_per_goal_have_gapless_versions(run: Run) -> None:
    by_goal: dict[UUID, list[int]] = {}
    for rows in run.stored.values():
        for _, goal, version in rows:
            by_goal.setdefault(goal, []).append(version)
    for goal, versions in by_goal.items():
        assert sorted(versions) == list(range(1, len(versions) + 1)), goal


def test_api_recovers_without_restart_and_read_models_equal_a_replay(run: Run) -> None:
    print(
        f"\nright after the restart: {run.after_restart}; after the outage: 201 again "
        f"{run.recovered_in} s after PostgreSQL was back (answers on the way: {run.recovery})"
    )
    assert run.after_restart == 201
    assert run.checks == {name: [] for name in VIEWS}


def _show(probes: dict[str, Probe]) -> str:
    return "; ".join(f"{p.label} → {p.status} in {p.seconds} s" for p in probes.values())


def test_reads_answer_503_with_retry_after_during_an_outage(run: Run) -> None:
    print(f"\nduring the outage (client timeout {PROBE_TIMEOUT:.0f} s): {_show(run.probes)}")
    for label in ("GET /trials/{id}", "GET /goals/{id}"):
        probe = run.probes[label]
        assert probe.status == 503 and probe.retry_after, probe
        assert probe.content_type.startswith("application/problem+json"), probe
        assert "database-unavailable" in probe.body, probe


def test_commands_and_health_answer_503_with_retry_after_during_an_outage(run: Run) -> None:
    for label in ("POST measurement with key", "POST measurement", "POST /programmes"):
        probe = run.probes[label]
        assert probe.status == 503 and probe.retry_after, probe
        assert probe.content_type.startswith("application/problem+json"), probe
    health = run.probes["GET /health"]
    assert health.status == 503 and health.retry_after, health


def test_the_server_log_carries_no_token(run: Run) -> None:
    assert "frispor API on http://" in run.log, "the server's output was not captured"
    for token in run.tokens:
        assert token not in run.log
    assert "Bearer " not in run.log
