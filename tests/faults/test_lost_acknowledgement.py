"""A save that committed but whose answer never arrived: acknowledged once, stored once.

The API reaches PostgreSQL through a proxy that, when armed, lets one write of events through,
waits until the server has committed it, and then cuts the connection instead of passing the
answer on. The recorder cannot tell whether its write went in; it must find out (the recorder in
domain/recorder.py resends the batch, and a batch found stored exactly as sent is its own) rather
than report a conflict with "another decision" and free the Idempotency-Key, which would let the
client's retry record the decision a second time. SQLite has no network to lose an answer on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid5

import pytest
from fastapi.testclient import TestClient

from frispor.api.app import create_app
from frispor.api.deps import IDEMPOTENCY_NAMESPACE
from frispor.settings import Settings
from tests.api.conftest import Api
from tests.api.scenario import build, created, decision
from tests.faults.support import AnswerLosingProxy, Callers, wait_until

pytestmark = pytest.mark.postgres

GOAL_TERMS = {
    "indicator": "Handleplaner",
    "definition": "Andel",
    "unit": "%",
    "data_source": "DB",
    "baseline": {"value": "40", "on": "2017-09-01"},
    "target": {"value": "80", "on": "2018-04-30"},
    "direction": "higher",
    "frequency": "quarterly",
}
MEASURED = decision(
    "2017-12-31", period={"start": "2017-10-01", "end": "2017-12-31"}, value="55", source="DB"
)


@pytest.fixture
def behind_proxy(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Api, Any]]:
    """An API whose every connection to PostgreSQL goes through the proxy."""
    monkeypatch.setenv("PGSSLMODE", "disable")  # the proxy reads the protocol
    parts = urlsplit(pg_url)
    with AnswerLosingProxy(parts.hostname or "127.0.0.1", parts.port or 5432) as proxy:
        netloc = f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}"
        url = urlunsplit(parts._replace(netloc=netloc))
        callers = Callers.mint()
        settings = Settings.model_validate({"DATABASE_URL": url, "run_projections": False})
        with TestClient(create_app(settings, callers.entries)) as client:
            yield Api(client, callers.tokens), proxy


def stored_with(api: Api, aggregate: str, key: str) -> list[dict[str, Any]]:
    correlation = str(uuid5(IDEMPOTENCY_NAMESPACE, f"kbh:{key}"))
    items = api.get(f"/history/{aggregate}").json()["items"]
    return [e for e in items if e["envelope"]["correlation_id"] == correlation]


def test_a_decision_whose_answer_was_lost_is_acknowledged_once(
    behind_proxy: tuple[Api, Any],
) -> None:
    api, proxy = behind_proxy
    trial = build(api)["trial"]  # the recorder's connection is set up before the fault
    goal = created(
        api.post(f"/trials/{trial}/goals", decision("2017-08-25", terms=GOAL_TERMS), "kbh")
    )["id"]
    key = {"Idempotency-Key": "m-2017-q4"}
    proxy.armed.set()
    first = api.post(f"/goals/{goal}/measurements", MEASURED, "kbh", **key)
    wait_until("the proxy to cut the connection", proxy.cut.is_set, 10)
    again = api.post(f"/goals/{goal}/measurements", MEASURED, "kbh", **key)
    stored = stored_with(api, goal, key["Idempotency-Key"])
    print(
        f"\nlost acknowledgement: first {first.status_code} {first.json().get('rule', '')}, "
        f"retry {again.status_code}, stored {len(stored)} time(s)"
    )
    assert len(stored) == 1, f"the decision is stored {len(stored)} times"
    assert first.status_code in (201, 503), first.text  # never "another decision won"
    if first.status_code == 201:
        assert again.json() == first.json()
        assert (first.json()["version"], first.json()["position"]) == (
            stored[0]["aggregate_version"],
            stored[0]["position"],
        )
    assert [e["type"] for e in api.get(f"/history/{goal}").json()["items"]] == [
        "Goal.Set",
        "Goal.MeasurementRecorded",
    ]
