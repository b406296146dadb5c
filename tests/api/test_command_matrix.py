"""Every command route × every kind of caller, with a valid body: exactly who may record what.

A body that fails the schema stops before any organisation check, so each request here is one that
would be written if the check were missing (issue 19: Frederiksberg recorded an inspection of
København's nursing home and a complaint on København's trial).
"""

from __future__ import annotations

from typing import Any

from frispor.demo import load_demo
from tests.api.commands import NOT_DECISIONS, STEPS, Ids, Step, walk
from tests.api.conftest import Api
from tests.api.scenario import decision

ROLES = ("auditor", "authority", "admin")  # may read or operate, never record
ORGANISATION_RULES = {"competent-organisation", "rule-3-competent-grantor"}


def test_every_command_route_is_in_the_matrix(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    commands = {path for path, ops in paths.items() if "post" in ops} - NOT_DECISIONS
    assert commands == {step.route for step in STEPS if step.route}


def test_command_matrix_valid_bodies_every_role_own_and_other_organisation(api: Api) -> None:
    wrong: list[str] = []  # every wrong answer, so that one run shows all of them
    seen: list[str] = []

    def expect(step: Step, who: str | None, answer: Any, status: int, rules: set[str]) -> None:
        body = answer.json()
        if answer.status_code != status or body.get("rule") not in rules:
            wrong.append(f"POST {step.path} as {who}: {answer.status_code} {body.get('rule')}")

    def refused_first(step: Step, ids: Ids, url: str, body: dict[str, Any]) -> None:
        head = api.get("/events", limit=1000).json()["next_after"]
        expect(step, None, api.post(url, body, who=None), 401, {"authentication"})
        for role in ROLES:
            expect(step, role, api.post(url, body, who=role), 403, {"authorisation"})
        for other in step.others:
            expect(step, other, api.post(url, body, who=other), 403, ORGANISATION_RULES)
        if api.get("/events", after=head).json()["items"]:
            wrong.append(f"POST {step.path}: refused, yet something was written")
        seen.append(step.route)

    walk(api, refused_first)  # and after the refusals, the caller it is for gets 201
    assert wrong == []
    assert {r for r in seen if r} == {step.route for step in STEPS if step.route}


def test_frederiksberg_records_nothing_for_kobenhavn_in_the_demo(api: Api) -> None:
    demo = load_demo(api.client.app.state.services.app)  # type: ignore[attr-defined]
    home, trial = demo.ids["institution:oesterbro"], demo.ids["trial:plejehjemstilsyn"]
    inspection = decision(
        "2018-01-08",
        institution_id=str(home),
        kind="planned",
        announced=True,
        notice_date="2018-01-08",
        planned_on="2018-01-22",
    )
    complaint = decision("2018-01-10", subject="Klage", received_on="2018-01-10")
    for path, body in (("/inspections", inspection), (f"/trials/{trial}/complaints", complaint)):
        refused = api.post(path, body, who="frb")
        assert refused.status_code == 403, refused.text
        assert refused.json()["rule"] == "competent-organisation"
        assert "kommune:147" in refused.json()["detail"]
        assert api.post(path, body, who="kbh").status_code == 201
