"""Property-based tests over the whole OpenAPI document (schemathesis), on SQLite and PostgreSQL.

Every operation is called with generated valid and invalid input, as a recorder and as an auditor,
on a real server (`frispor serve`, one per store) with a small trial in it (path ids point at its
aggregates). Every answer must be below 500, and its status, media type and body must be the ones
the document gives for it (the response models forbid fields they do not name).
Generated days and moments include the edges (years 1 and 9999, offsets of +14:00 and -14:00, no
zone), integers go past 64 bits, strings carry NUL bytes. Bounded: a few examples per operation,
no shrinking, derandomised (the same examples every run). A deterministic sweep then sends every
query parameter of every operation in the document its edge values.

What schemathesis found beyond that is pinned down by deterministic tests at the end: the
document lists every error answer (401, 403, 404, 503, and 422 as application/problem+json), a
body that is not UTF-8 gets the 422 the README promises for malformed JSON, and a `min_position`
beyond the last event is refused at once (422) instead of waiting for a 503.

With CI=true a missing schemathesis fails the run (tests/conftest.py turns every skip into a
failure there).
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx2
import pytest

schemathesis = pytest.importorskip("schemathesis")  # dev extra: schemathesis>=4.0,<5

import requests  # noqa: E402 - schemathesis's transport
from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from frispor.api.app import create_app  # noqa: E402
from frispor.settings import Settings  # noqa: E402
from tests.api.scenario import build, created, decision  # noqa: E402
from tests.faults.support import Callers, ServerProcess, http_api, scratch_database  # noqa: E402

# Building the document connects to nothing (the lifespan does); the URL is never opened.
SPEC = create_app(Settings.model_validate({"DATABASE_URL": "sqlite:///unused.sqlite"})).openapi()
schema = schemathesis.openapi.from_dict(SPEC)

# Days and moments at the edges of what a date can hold, and of what UTC can hold (an offset
# of +14:00 on the first day of year 1 lies before it), beside ordinary ones.
EDGE_DAYS = ["0001-01-01", "9999-12-31", "2018-02-29", "2017-09-01"]
EDGE_MOMENTS = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59.999999",
    "0001-01-01T00:00:00Z",
    "2018-06-01T12:00:00+02:00",
]
OFFSETS = st.sampled_from(
    [None, UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=14))]
)
schemathesis.openapi.format("date", st.sampled_from(EDGE_DAYS) | st.dates().map(date.isoformat))
schemathesis.openapi.format(
    "date-time",
    st.sampled_from(EDGE_MOMENTS) | st.datetimes(timezones=OFFSETS).map(datetime.isoformat),
)


@schemathesis.serializer("text/csv", "application/x-ndjson")
def _file_body(context: Any, value: Any) -> bytes:
    """An import's body is a file: whatever was generated, as UTF-8 text."""
    return (value if isinstance(value, str) else str(value)).encode("utf-8", "replace")


# No server error; every answer's status, media type and body as the document describes them.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 4  # per operation, caller and mode: ~40 operations x 2 callers x (valid + invalid)
UUID_TEXT = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same examples every run: a failure here is not luck
    database=None,
)


class Served:
    """The server's URL, the callers' tokens, a small trial's ids and one keep-alive session."""

    def __init__(self, url: str, callers: Callers, ids: dict[str, str]) -> None:
        self.url, self.callers, self.ids = url, callers, ids
        self.session = requests.Session()  # schemathesis's transport; one connection, reused
        self.answers: Counter[str] = Counter()  # by class: 2xx, 4xx, 5xx
        self.session.hooks["response"].append(self._count)

    def _count(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.answers[f"{response.status_code // 100}xx"] += 1

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.callers.tokens[who]}"}


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


def small_trial(api: Any) -> dict[str, str]:
    """The scenario's trial, plus a goal, an inspection with an order, and a complaint."""
    ids = build(api)
    trial, institution = ids["trial"], ids["institution"]

    def post(path: str, who: str, day: str, **fields: Any) -> str:
        return str(created(api.post(path, decision(day, **fields), who))["id"])

    ids["goal"] = post(f"/trials/{trial}/goals", "kbh", "2017-08-25", terms=GOAL_TERMS)
    ids["inspection"] = post(
        "/inspections",
        "tilsyn",
        "2017-10-16",
        institution_id=institution,
        kind="planned",
        announced=True,
        notice_date="2017-10-16",
        planned_on="2017-10-30",
    )
    post(
        f"/inspections/{ids['inspection']}/perform",
        "tilsyn",
        "2017-10-30",
        performed_on="2017-10-30",
        assessment="mindre",
        findings=[{"point": "Medicin", "observation": "Mangler", "assessment": "mindre"}],
    )
    ids["order"] = post(
        f"/inspections/{ids['inspection']}/orders",
        "tilsyn",
        "2017-10-30",
        requirement="Krav",
        deadline="2017-12-31",
    )
    ids["complaint"] = post(
        f"/trials/{trial}/complaints",
        "tilsyn",
        "2018-01-10",
        subject="Klage",
        received_on="2018-01-10",
    )
    return ids


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """`frispor serve` in its own process (the server gets a core of its own), on each store."""
    callers = Callers.mint()
    workdir = Path(tmp_path_factory.mktemp(f"schemathesis-{request.param}"))
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{workdir / 'frispor.sqlite'}"
        else:
            url = stack.enter_context(scratch_database("frispor_fuzz"))
        server = stack.enter_context(ServerProcess(url, callers, workdir, FRISPOR_WAIT_TIMEOUT="1"))
        with httpx2.Client(base_url=server.url, timeout=30) as client:
            ids = small_trial(http_api(client, callers))
        served = Served(server.url, callers, ids)
        stack.callback(served.session.close)
        yield served
        print(  # the figures, for `pytest -s` and docs/reliability.md
            f"\nschemathesis on {request.param}: {sum(served.answers.values())} requests, "
            f"answers {dict(sorted(served.answers.items()))}"
        )


def aimed(case: Any, ids: dict[str, str]) -> Any:
    """Point well-formed path ids at the trial's aggregates (malformed ones stay, to be refused);
    keep a `min_position` within the store (one beyond it is the last test's finding)."""
    for name, value in list((case.path_parameters or {}).items()):
        if isinstance(value, str) and UUID_TEXT.match(value):
            case.path_parameters[name] = ids.get(name.removesuffix("_id"), ids["trial"])
    position = (case.query or {}).get("min_position")
    if isinstance(position, int) and position > int(ids["position"]):
        case.query["min_position"] = int(ids["position"])
    return case


@schema.parametrize()  # type: ignore[untyped-decorator]
@BOUNDED
def test_api_as_a_recorder(case: Any, served: Served) -> None:
    aimed(case, served.ids).call_and_validate(
        base_url=served.url,
        session=served.session,
        headers=served.headers("oim"),
        checks=CHECKS,
        timeout=30,
    )


@schema.parametrize()  # type: ignore[untyped-decorator]
@BOUNDED
def test_api_as_an_auditor(case: Any, served: Served) -> None:
    aimed(case, served.ids).call_and_validate(
        base_url=served.url,
        session=served.session,
        headers=served.headers("auditor"),
        checks=CHECKS,
        timeout=30,
    )


# --- every query parameter of the document, sent its edge values ------------------------------

BEYOND = [2**63, -(2**63) - 1, 10**30]
EDGE_INTEGERS = [0, -1, 2**63 - 1, *BEYOND]
EDGE_TEXTS = ["x\x00y", "\x00", "\x1f", "æøå", "a" * 5000, ""]


def edge_values(schema: dict[str, Any]) -> list[Any]:
    """The values at the edges of a parameter's schema (and past them), by type and format."""
    values: list[Any] = []
    for kind in schema.get("anyOf", [schema]):
        if kind.get("format") == "date":
            values += EDGE_DAYS
        elif kind.get("format") == "date-time":
            values += EDGE_MOMENTS
        elif kind.get("type") == "integer":
            values += EDGE_INTEGERS
        elif kind.get("format") == "uuid":
            values += ["00000000-0000-0000-0000-000000000000", "x\x00"]
        elif kind.get("type") == "string":
            values += EDGE_TEXTS
    return values


def edge_requests(ids: dict[str, str]) -> Iterator[tuple[str, str, dict[str, Any], str, Any]]:
    """(method, path, query, parameter, value) for every query parameter and edge value."""
    for path, operations in SPEC["paths"].items():
        concrete = re.sub(
            r"\{(\w+)\}", lambda m: ids.get(m.group(1).removesuffix("_id"), ids["trial"]), path
        )
        for method, operation in operations.items():
            query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
            required = {p["name"]: 1 for p in query if p.get("required")}
            for parameter in query:
                for value in edge_values(parameter["schema"]):
                    params = required | {parameter["name"]: value}
                    yield method.upper(), concrete, params, parameter["name"], value


def test_every_query_parameter_at_its_edges_gets_no_server_error(served: Served) -> None:
    sent, failures = 0, []
    with httpx2.Client(base_url=served.url, timeout=30) as client:
        for method, path, params, name, value in edge_requests(served.ids):
            body = {} if method == "POST" else None
            where = f"{method} {path} {name}={value!r:.40}"
            sent += 1
            try:
                answer = client.request(
                    method, path, params=params, json=body, headers=served.headers("auditor")
                )
            except httpx2.TransportError as error:
                failures.append(f"{where}: no answer ({error})")
                continue
            if answer.status_code >= 500 and answer.status_code != 503:
                failures.append(f"{where}: {answer.status_code} {answer.text[:120]}")
            elif answer.status_code == 422 and answer.json().get("rule") == "request-schema":
                if answer.json().get("field") != f"query.{name}":
                    failures.append(f"{where}: 422 names {answer.json().get('field')!r}")
    print(f"\nedge sweep: {sent} requests, {len(failures)} failures")
    assert sent > 100, "the document has fewer query parameters than expected"
    assert not failures, "\n".join(failures[:20])


# --- what the fuzzing found, made deterministic ------------------------------------------------

PROBLEM = "application/problem+json"


def missing_from_the_document() -> list[str]:
    """Error answers the API gives (README, errors.py, app.py) that the document does not list."""
    missing = []
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            if path == "/health":
                continue
            where = f"{method.upper()} {path}"
            responses = operation.get("responses", {})
            expected = {"401", "403", "422", "503"}  # credentials, role, input, database down
            if "{" in path:
                expected.add("404")
            if method == "post":
                expected |= {"413", "415"}
            for status in sorted(expected - set(responses)):
                missing.append(f"{where}: {status} not listed")
            for status, response in responses.items():
                content = response.get("content", {})
                if status[0] in "45" and content and PROBLEM not in content:
                    missing.append(f"{where}: {status} listed as {sorted(content)}, not {PROBLEM}")
    metrics = SPEC["paths"]["/metrics"]["get"]["responses"]["200"].get("content", {})
    if not any(kind.startswith("text/plain") for kind in metrics):
        missing.append(f"GET /metrics: 200 listed as {sorted(metrics)}, served as text/plain")
    return missing


def test_the_document_lists_every_answer_the_api_gives() -> None:
    missing = missing_from_the_document()
    assert not missing, f"{len(missing)} answers not in the document, e.g. {missing[:8]}"


def test_a_body_that_is_not_utf8_is_refused_as_malformed_json(served: Served) -> None:
    headers = served.headers("oim") | {"Content-Type": "application/json"}
    with httpx2.Client(base_url=served.url, timeout=30) as client:
        answer = client.post("/programmes", content=b"7\xff\xfe", headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)


def test_a_min_position_beyond_the_last_event_is_refused_at_once(served: Served) -> None:
    beyond = int(served.ids["position"]) + 10**9
    with httpx2.Client(base_url=served.url, timeout=30) as client:
        answer = client.get(
            "/trials", params={"min_position": beyond}, headers=served.headers("auditor")
        )
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text)
