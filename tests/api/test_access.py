"""Deny by default: every route × every kind of caller, no token, expired and forged tokens."""

from __future__ import annotations

from uuid import uuid4

from tests.api.conftest import Api
from tests.api.scenario import build

READ = {"kbh", "oim", "frb", "tilsyn", "auditor", "authority"}
OPEN = {None, *READ, "admin"}


def allowed_for(path: str, method: str) -> set[str | None]:
    """Who may call a route, by the contract of the roles."""
    if path == "/health":
        return OPEN
    if path == "/metrics":
        return {"admin", "auditor"}
    if path.startswith(("/history", "/events")):
        return {"auditor", "authority"}
    if path == "/review":
        return {"auditor", "authority"}
    if path.startswith("/ledger"):
        return READ
    if path == "/exports" and method == "POST":
        return {"authority"}
    if path.startswith("/exports"):
        return {"authority", "auditor"}
    if method == "GET":
        return READ
    return {"kbh", "oim", "frb", "tilsyn"}  # recorders (organisation checks come after)


def test_role_matrix_over_every_route(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    routes = [(path, method.upper()) for path, ops in paths.items() for method in ops]
    assert len(routes) >= 34
    some_id = str(uuid4())
    for path, method in routes:
        url = path
        for name in (
            "programme_id",
            "trial_id",
            "exemption_id",
            "goal_id",
            "inspection_id",
            "order_id",
            "complaint_id",
            "institution_id",
            "aggregate_id",
        ):
            url = url.replace("{" + name + "}", some_id)
        for who in [None, *sorted(OPEN - {None})]:
            headers = api.headers(who)
            if method == "GET":
                response = api.client.get(url, headers=headers)
            else:
                response = api.client.post(url, json={}, headers=headers)
            allowed = who in allowed_for(path, method)
            where = f"{method} {path} as {who}: {response.status_code} {response.text[:120]}"
            if who is None and path != "/health":
                assert response.status_code == 401, where
                assert response.headers["www-authenticate"] == "Bearer"
            elif not allowed:
                assert response.status_code == 403, where
                assert response.json()["rule"] == "authorisation"
            else:
                assert response.status_code not in (401, 403, 500), where


def test_recorder_writes_only_for_its_own_organisation(api: Api) -> None:
    ids = build(api)
    from tests.api.scenario import decision

    other = api.post(
        f"/trials/{ids['trial']}/exemptions",
        decision(
            "2017-09-01",
            municipality="101",
            level="local",
            category="dokumentation",
            rule={"act": "eli/lta/2017/988", "path": "§ 1"},
            description="x",
        ),
        who="frb",
    )
    assert other.status_code == 403 and "kommune:147" in other.json()["detail"]
    revoke = api.post(
        f"/exemptions/{ids['exemption']}/revoke",
        decision("2018-01-01", revoked_on="2018-01-01", reason="x"),
        who="kbh",
    )
    assert (
        revoke.status_code == 403 and "Økonomi- og Indenrigsministeriet" in revoke.json()["detail"]
    )
