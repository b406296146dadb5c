"""POST /imports: a recorder's file, for its own organisation; templates and the lines' schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.api.conftest import Api
from tests.imports.test_import_rules import PROGRAMME, network, trial

CSV = {"Content-Type": "text/csv"}


def post(api: Api, body: bytes | str, who: str = "oim", **params: Any) -> Any:
    headers = (
        api.headers(who, **CSV)
        if params.get("name", "").endswith(".csv")
        else api.headers(who, **{"Content-Type": "application/x-ndjson"})
    )
    return api.client.post("/imports", content=body, params=params, headers=headers)


def events(api: Api) -> int:
    app = api.client.app.state.services.app  # type: ignore[attr-defined]
    return int(app.recorder.max_notification_id() or 0)


def test_a_recorder_imports_for_its_own_organisation(api: Api) -> None:
    answer = post(api, PROGRAMME, name="programme.csv")
    assert answer.status_code == 201, answer.text
    report = answer.json()
    assert report["outcome"] == "imported" and report["decisions"] == 1
    history = api.get(f"/history/{report['import_id']}")
    assert history.status_code == 404  # the import's fact has its own id: the events name it
    again = post(api, PROGRAMME, name="programme.csv")
    assert again.status_code == 200 and again.json()["outcome"] == "already-imported"


def test_every_line_is_recorded_as_the_callers(api: Api) -> None:
    assert post(api, PROGRAMME, name="programme.csv").status_code == 201
    answer = post(api, network() + trial("2017-1"), name="lines.jsonl")
    assert answer.status_code == 201, answer.text
    app = api.client.app.state.services.app  # type: ignore[attr-defined]
    actors = {
        (e.envelope.actor.id, e.envelope.actor.organisation)
        for n in app.recorder.select_notifications(start=1, limit=100)
        for e in [app.mapper.to_domain_event(n)]
    }
    assert actors == {("oim", "Økonomi- og Indenrigsministeriet")}


def test_a_refused_file_answers_422_naming_every_line_and_stores_nothing(api: Api) -> None:
    post(api, PROGRAMME, name="programme.csv")
    before = events(api)
    answer = post(api, network() + trial("2017-1", network_key="nope") + "{", name="x.jsonl")
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert body["rule"] == "import-refused"
    assert [(r["line"], r["rule"]) for r in body["refused"]] == [
        (2, "reference-unknown"),
        (3, "json"),
    ]
    assert events(api) == before


def test_only_recorders_import(api: Api) -> None:
    for who in ("auditor", "authority", "admin", None):
        answer = post(api, PROGRAMME, who=who, name="programme.csv")  # type: ignore[arg-type]
        assert answer.status_code in (401, 403), who
    assert events(api) == 0


def test_other_media_and_bad_files_are_problems(make_api: Callable[..., Api]) -> None:
    api = make_api(max_import_bytes=2000)
    answer = api.client.post(
        "/imports",
        content=PROGRAMME,
        params={"name": "programme.csv"},
        headers=api.headers("oim", **{"Content-Type": "application/pdf"}),
    )
    assert answer.status_code == 415
    big = post(api, PROGRAMME * 20, name="programme.csv")
    assert big.status_code == 413 and big.json()["rule"] == "body-size"
    encoded = post(api, PROGRAMME.encode("cp1252"), name="programme.csv")
    assert encoded.status_code == 422 and encoded.json()["rule"] == "encoding"
    unknown = post(api, PROGRAMME, name="sager.csv")
    assert unknown.status_code == 422 and unknown.json()["rule"] == "unknown-kind"


def test_templates_and_schema_come_from_the_api_models(api: Api) -> None:
    template = api.get("/imports/templates/exemption-grant", who="oim")
    assert template.status_code == 200
    assert template.text.splitlines()[0].split(";")[:4] == [
        "exemption",
        "import_key",
        "legal_basis.act",
        "legal_basis.path",
    ]
    assert "validity.start" in template.text
    schema = api.get("/imports/schema", who="oim").json()
    commands = {
        d["properties"]["command"]["const"]
        for d in schema["$defs"].values()
        if "command" in d.get("properties", {})
    }
    assert {"programme", "exemption-grant", "measurement", "correction"} <= commands
    assert api.get("/imports/templates/nope", who="oim").status_code == 404
