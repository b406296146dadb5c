"""The API's description: security, one Problem on every error, true media types, examples —
and the demo's whole record answered exactly as the response models describe it."""

from __future__ import annotations

from typing import Any

import jsonschema_rs  # schemathesis's validator (dev extra)

from frispor.api.app import create_app
from frispor.api.schemas import commands
from frispor.api.schemas.common import EXAMPLE_ENVELOPE, EXAMPLES
from frispor.demo import load_demo
from frispor.settings import Settings
from tests.api.conftest import Api

PROBLEM = "application/problem+json"


def document(**settings: Any) -> dict[str, Any]:
    config = Settings.model_validate({"DATABASE_URL": "sqlite:///unused.sqlite", **settings})
    spec: dict[str, Any] = create_app(config).openapi()
    return spec


SPEC = document()


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, ops in SPEC["paths"].items() for m, op in ops.items()]


def test_every_route_but_health_asks_for_a_bearer_token() -> None:
    assert SPEC["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for method, path, operation in operations():
        expected = None if path == "/health" else [{"bearer": []}]
        assert operation.get("security") == expected, f"{method} {path}"


def test_oidc_is_a_scheme_where_an_identity_provider_is_configured() -> None:
    spec = document(
        jwks="jwks.json",
        jwt_issuer="https://idp.example/",
        jwt_audience="frispor",
    )
    oidc = spec["components"]["securitySchemes"]["oidc"]
    assert oidc["openIdConnectUrl"] == "https://idp.example/.well-known/openid-configuration"
    assert spec["paths"]["/trials"]["get"]["security"] == [{"bearer": []}, {"oidc": []}]


def test_every_error_answer_is_a_problem() -> None:
    for method, path, operation in operations():
        for status, answer in operation["responses"].items():
            if status[0] in "45" and (path, status) != ("/health", "503"):
                assert list(answer["content"]) == [PROBLEM], f"{method} {path} {status}"
                assert "Problem" in str(answer["content"][PROBLEM]["schema"])
    problem = SPEC["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "rule"} <= set(problem["required"])


def test_answers_are_described_with_their_true_media_types() -> None:
    def media(path: str, status: str = "200") -> list[str]:
        return list(SPEC["paths"][path]["get"]["responses"][status]["content"])

    assert media("/ledger/checkpoint") == ["text/plain"]
    assert media("/exports/{export_id}") == ["application/gzip"]
    assert media("/metrics") == ["text/plain"]
    assert media("/imports/templates/{kind}") == ["text/csv"]
    assert media("/imports/schema") == ["application/schema+json"]
    assert media("/trials/{trial_id}") == ["application/json"]
    assert not any(path.startswith("/web") for path in SPEC["paths"])


def test_every_request_body_has_an_example_and_every_operation_a_summary() -> None:
    schemas = SPEC["components"]["schemas"]
    for method, path, operation in operations():
        assert operation.get("summary"), f"{method} {path}"
        for media, body in operation.get("requestBody", {}).get("content", {}).items():
            name = body["schema"].get("$ref", "").rsplit("/", 1)[-1]
            examples = body.get("example") or schemas.get(name, {}).get("examples")
            assert examples, f"{method} {path} {media}"


def test_every_example_is_a_body_its_route_takes() -> None:
    for name, fields in EXAMPLES.items():
        getattr(commands, name).model_validate({**EXAMPLE_ENVELOPE, **fields})
    assert len(EXAMPLES) == 25


def conforms(path: str, method: str, status: int, body: Any) -> None:
    """The answer is what the description says (its model names every field, no other)."""
    answer = SPEC["paths"][path][method]["responses"][str(status)]["content"]["application/json"]
    schema = {**answer["schema"], "components": SPEC["components"]}
    jsonschema_rs.Draft202012Validator(schema, validate_formats=True).validate(body)


def test_the_demo_is_answered_as_described(api: Api) -> None:
    services = api.client.app.state.services  # type: ignore[attr-defined]
    load_demo(services.app)
    head = services.app.recorder.max_notification_id()
    trials = api.get("/trials", min_position=head).json()
    conforms("/trials", "get", 200, trials)
    seen: set[str] = set()
    for item in trials["items"]:
        answer = api.get(f"/trials/{item['aggregate_id']}", as_of=item["period_end"])
        assert answer.status_code == 200, answer.text
        trial = answer.json()
        conforms("/trials/{trial_id}", "get", 200, trial)
        for institution in trial["institutions"]:
            found = api.get(f"/institutions/{institution['aggregate_id']}").json()
            conforms("/institutions/{institution_id}", "get", 200, found)
            seen |= {k for k, v in found.items() if v}
        for goal in trial["goals"]:
            found = api.get(f"/goals/{goal['aggregate_id']}").json()
            conforms("/goals/{goal_id}", "get", 200, found)
            seen |= {"measurements"} if found["measurements"] else set()
        history = api.get(f"/history/{item['aggregate_id']}").json()
        conforms("/history/{aggregate_id}", "get", 200, history)
    conforms("/exemptions", "get", 200, api.get("/exemptions").json())
    conforms("/events", "get", 200, api.get("/events", limit=1000).json())
    review = api.get("/review", as_of="2019-01-01").json()
    conforms("/review", "get", 200, review)
    conforms("/health", "get", 200, api.client.get("/health").json())
    # The demo reaches the parts that are null or empty in a small trial.
    assert {"latest_inspection", "open_orders", "measurements"} <= seen
    assert review["items"]
