"""If-Match on every command route: honoured against the record the path names, or refused."""

from __future__ import annotations

from typing import Any

from tests.api.commands import NOT_DECISIONS, Ids, Step, walk
from tests.api.conftest import Api
from tests.api.scenario import created, decision

CREATING = {"/programmes", "/trials", "/inspections"}  # no record yet: If-Match is refused


def test_a_stale_if_match_is_refused_on_every_command_route(api: Api) -> None:
    wrong: list[str] = []

    def stale_first(step: Step, ids: Ids, url: str, body: dict[str, Any]) -> None:
        head = api.get("/events", limit=1000).json()["next_after"]
        answer = api.post(url, body, who=step.own, **{"If-Match": '"999"'})
        status, rule = (
            (422, "if-match") if step.path in CREATING else (409, "optimistic-concurrency")
        )
        if answer.status_code != status or answer.json()["rule"] != rule:
            wrong.append(f"POST {step.path}: {answer.status_code} {answer.text[:160]}")
        if api.get("/events", after=head).json()["items"]:
            wrong.append(f"POST {step.path}: refused, yet something was written")

    walk(api, stale_first)
    assert wrong == []


def test_the_current_version_is_accepted_where_the_route_used_to_ignore_it(api: Api) -> None:
    ids = walk(api, lambda *_: None)
    goal_version = len(api.get(f"/history/{ids['goal']}").json()["items"])
    body = decision(
        "2018-03-31", period={"start": "2018-01-01", "end": "2018-03-31"}, value="60", source="DB"
    )
    path = f"/goals/{ids['goal']}/measurements"
    stale = api.post(path, body, who="kbh", **{"If-Match": f'"{goal_version - 1}"'})
    assert stale.status_code == 409 and f"goal {ids['goal']}" in stale.json()["detail"]
    written = created(api.post(path, body, who="kbh", **{"If-Match": f'W/"{goal_version}"'}))
    assert written["version"] == goal_version + 1


def test_the_openapi_names_what_if_match_means_on_each_command_route(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    for path, ops in paths.items():
        if "post" not in ops or path in NOT_DECISIONS:
            continue
        [header] = [p for p in ops["post"]["parameters"] if p["name"] == "If-Match"]
        assert header["in"] == "header" and not header.get("required", False)
        described = header["description"]
        if path in CREATING:
            assert "refused (422 if-match)" in described, path
        else:
            assert "expected version of the" in described and "409" in described, path
