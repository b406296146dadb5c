"""N writers on one aggregate at once, through HTTP on a real server, on both stores.

Exactly one decision wins per aggregate version and the others get 409; a loser that retries with
its own Idempotency-Key is written once; N copies of one request under one key write it once.
These run without the projection runners (the answers come from the event store), so that what
they show is the write path alone; the last test adds the runners back on SQLite.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid5

import httpx2
import pytest

from frispor.api.app import create_app
from frispor.api.deps import IDEMPOTENCY_NAMESPACE
from frispor.settings import Settings
from frispor.store import db as store_db
from tests.api.conftest import Api
from tests.api.scenario import build, created, decision
from tests.faults.support import Callers, http_api, serve_in_thread

WRITERS = 8
TIMEOUT = 60.0


Server = tuple[Api, str, Callers]


@contextmanager
def serving(database_url: str, projections: bool = False) -> Iterator[Server]:
    """The API on a real uvicorn server in this process; a client helper, its URL, callers."""
    callers = Callers.mint()
    settings = Settings.model_validate(
        {"DATABASE_URL": database_url, "run_projections": projections}
    )
    with serve_in_thread(create_app(settings, callers.entries)) as url:
        with httpx2.Client(base_url=url, timeout=TIMEOUT) as client:
            yield http_api(client, callers), url, callers


@pytest.fixture
def server(database_url: str) -> Iterator[Server]:
    with serving(database_url) as served:
        yield served


def at_once(url: str, requests: list[Callable[[httpx2.Client], httpx2.Response]]) -> list[Any]:
    """Send the requests from one thread each, released together; the answers in order."""
    gate = threading.Barrier(len(requests))
    answers: list[Any] = [None] * len(requests)

    def send(i: int) -> None:
        with httpx2.Client(base_url=url, timeout=TIMEOUT) as client:
            client.get("/health")  # connect before the gate, so the posts start together
            gate.wait(30)
            try:
                response = requests[i](client)
            except httpx2.HTTPError as error:
                answers[i] = (type(error).__name__, {})
                return
            kind = response.headers.get("content-type", "")
            body = response.json() if "json" in kind else {"text": response.text[:200]}
            answers[i] = (response.status_code, body)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT + 30)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return answers


def poster(
    callers: Callers, who: str, path: str, body: dict[str, Any], **headers: str
) -> Callable[[httpx2.Client], httpx2.Response]:
    auth = {"Authorization": f"Bearer {callers.tokens[who]}", **headers}
    return lambda client: client.post(path, json=body, headers=auth)


def history(api: Api, aggregate: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.get(f"/history/{aggregate}").json()["items"]
    return items


def new_goal(api: Api, trial: str) -> str:
    terms = {
        "indicator": "Handleplaner",
        "definition": "Andel",
        "unit": "%",
        "data_source": "DB",
        "baseline": {"value": "40", "on": "2017-09-01"},
        "target": {"value": "80", "on": "2018-04-30"},
        "direction": "higher",
        "frequency": "quarterly",
    }
    return str(
        created(api.post(f"/trials/{trial}/goals", decision("2017-08-25", terms=terms), "kbh"))[
            "id"
        ]
    )


def measurement(n: int) -> dict[str, Any]:
    return decision(
        "2017-12-31",
        period={"start": "2017-10-01", "end": "2017-12-31"},
        value=str(40 + n),
        source="DB",
    )


def test_one_winner_per_version_with_if_match(server: Server) -> None:
    api, url, callers = server
    trial = build(api)["trial"]
    for round_ in range(3):
        version = len(history(api, trial))
        answers = at_once(
            url,
            [
                poster(
                    callers,
                    "oim",
                    f"/trials/{trial}/extend",
                    decision("2018-03-15", new_end=f"2018-{5 + round_:02d}-{1 + n:02d}"),
                    **{"If-Match": f'"{version}"', "Idempotency-Key": f"r{round_}-w{n}"},
                )
                for n in range(WRITERS)
            ],
        )
        statuses = Counter(status for status, _ in answers)
        assert statuses == {201: 1, 409: WRITERS - 1}, answers
        assert all(b["rule"] == "optimistic-concurrency" for s, b in answers if s == 409)
        [winner] = [body for status, body in answers if status == 201]
        assert winner["version"] == version + 1
    versions = [e["aggregate_version"] for e in history(api, trial)]
    assert versions == list(range(1, len(versions) + 1))
    assert [e["type"] for e in history(api, trial)].count("Trial.Extended") == 3


def test_losers_retry_with_their_key_and_each_is_written_once(
    server: Server,
) -> None:
    api, url, callers = server
    goal = new_goal(api, build(api)["trial"])
    keys = [f"m-{n}" for n in range(WRITERS)]
    requests = [
        poster(
            callers,
            "kbh",
            f"/goals/{goal}/measurements",
            measurement(n),
            **{"Idempotency-Key": keys[n]},
        )
        for n in range(WRITERS)
    ]
    answers = at_once(url, requests)
    first = Counter(status for status, _ in answers)
    assert first[201] >= 1 and set(first) <= {201, 409}, answers
    assert all(b["rule"] == "optimistic-concurrency" for s, b in answers if s == 409)
    rounds = 1
    while pending := [n for n, (status, _) in enumerate(answers) if status != 201]:
        assert rounds <= WRITERS, f"still refused after {rounds} rounds: {answers}"
        retried = at_once(url, [requests[n] for n in pending])
        for n, answer in zip(pending, retried, strict=True):
            answers[n] = answer
        rounds += 1
    replays = at_once(url, requests)  # every key again: the first answers, nothing written
    assert [body for _, body in replays] == [body for _, body in answers]
    events = history(api, goal)
    versions = [e["aggregate_version"] for e in events]
    assert versions == list(range(1, WRITERS + 2)), versions
    correlations = Counter(e["envelope"]["correlation_id"] for e in events[1:])
    expected = {str(uuid5(IDEMPOTENCY_NAMESPACE, f"kbh:{k}")) for k in keys}
    assert set(correlations) == expected and set(correlations.values()) == {1}
    print(f"\n{WRITERS} writers on one goal: first round {dict(first)}, all in after {rounds}")


def one_key_n_times(server: Server) -> None:
    api, url, callers = server
    goal = new_goal(api, build(api)["trial"])
    same = poster(
        callers,
        "kbh",
        f"/goals/{goal}/measurements",
        measurement(1),
        **{"Idempotency-Key": "same-key"},
    )
    answers = at_once(url, [same] * WRITERS)
    print(f"\none key sent {WRITERS} times at once: {[(s, b.get('rule')) for s, b in answers]}")
    assert [e["type"] for e in history(api, goal)] == ["Goal.Set", "Goal.MeasurementRecorded"]
    statuses = Counter(status for status, _ in answers)
    assert set(statuses) <= {201, 409} and statuses[201] >= 1, answers
    assert all(b["rule"] == "idempotency-in-progress" for s, b in answers if s == 409), answers
    assert len({str(body) for status, body in answers if status == 201}) == 1
    again = api.post(
        f"/goals/{goal}/measurements", measurement(1), "kbh", **{"Idempotency-Key": "same-key"}
    )
    assert again.status_code == 201
    assert len(history(api, goal)) == 2


def test_one_key_sent_n_times_at_once_writes_once_on_sqlite(tmp_path: Path) -> None:
    with serving(f"sqlite:///{tmp_path / 'frispor.sqlite'}") as server:
        one_key_n_times(server)  # BEGIN IMMEDIATE serialises the claims


@pytest.mark.postgres
def test_one_key_sent_n_times_at_once_writes_once_on_postgres(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    execute = store_db._PgCursor.execute

    def slow_key_lookup(self: Any, sql: str, params: Any = ()) -> Any:
        rows = execute(self, sql, params)
        if sql.startswith("SELECT") and "FROM idempotency_keys" in sql:
            time.sleep(0.3)  # a slow database: widens the window every run, not now and then
        return rows

    monkeypatch.setattr(store_db._PgCursor, "execute", slow_key_lookup)
    with serving(pg_url) as server:
        one_key_n_times(server)


def test_many_writers_with_the_runners_on_sqlite_get_201_or_409(tmp_path: Path) -> None:
    many = 2 * WRITERS
    with serving(f"sqlite:///{tmp_path / 'frispor.sqlite'}", projections=True) as server:
        api, url, callers = server
        goal = new_goal(api, build(api)["trial"])
        for round_ in range(3):
            answers = at_once(
                url,
                [
                    poster(
                        callers,
                        "kbh",
                        f"/goals/{goal}/measurements",
                        measurement(n),
                        **{"Idempotency-Key": f"r{round_}-{n}"},
                    )
                    for n in range(many)
                ],
            )
            statuses = Counter(status for status, _ in answers)
            print(f"\n{many} writers with the runners on SQLite, round {round_}: {dict(statuses)}")
            # SQLite has one writer: under this much contention a request may wait past the
            # store's pool timeout and be told to try again (503 + Retry-After) — never a 500.
            assert set(statuses) <= {201, 409, 503}, dict(statuses)
            assert statuses[201] >= 1, dict(statuses)
            for status, body in answers:
                if status == 503:
                    assert body["rule"] == "database-unavailable", body
