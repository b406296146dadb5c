"""The guard around every request: refusals before the body is read, and the request metrics."""

from __future__ import annotations

import re

from tests.api.conftest import Api
from tests.api.scenario import build


def _count(metrics: str, method: str, route: str, status: int) -> float:
    pattern = (
        r'frispor_http_requests_total\{method="'
        + method
        + r'",route="'
        + re.escape(route)
        + r'",status="'
        + str(status)
        + r'"\} ([0-9.e+]+)'
    )
    found = re.search(pattern, metrics)
    return float(found[1]) if found else 0.0


def test_requests_are_counted_by_route_template_and_status(api: Api) -> None:
    ids = build(api)
    trial = f"/trials/{ids['trial']}"
    head = api.client.app.state.services.app.recorder.max_notification_id()  # type: ignore[attr-defined]
    assert api.get(trial, min_position=head).status_code == 200
    assert api.get(trial).status_code == 200
    assert api.get(trial, who=None).status_code == 401
    assert api.get("/no/such/path").status_code == 404
    refused = api.client.post(
        f"{trial}/extend", content="x", headers=api.headers("oim", **{"Content-Type": "text/xml"})
    )
    assert refused.status_code == 415
    assert refused.json()["instance"] == f"{trial}/extend"
    metrics = api.get("/metrics", who="admin").text
    assert _count(metrics, "GET", "/trials/{trial_id}", 200) == 2
    assert _count(metrics, "GET", "/trials/{trial_id}", 401) == 1
    assert _count(metrics, "GET", "unmatched", 404) == 1
    assert _count(metrics, "POST", "unmatched", 415) == 1
    assert _count(metrics, "POST", "/programmes", 201) == 1
    timed = r'frispor_http_request_seconds_count\{method="GET",route="/trials/\{trial_id\}"\} '
    latency = re.search(timed + "([0-9.]+)", metrics)
    assert latency is not None and float(latency[1]) == 3


def test_an_oversize_body_is_refused_before_it_is_read(api: Api) -> None:
    response = api.client.post(
        "/programmes",
        content=b"{" + b" " * 300_000 + b"}",
        headers=api.headers("oim", **{"Content-Type": "application/json; charset=utf-8"}),
    )
    assert response.status_code == 413 and response.json()["rule"] == "body-size"
    assert response.headers["content-type"].startswith("application/problem+json")
