"""Deny by default: every route × every kind of caller, no token, expired and forged tokens."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

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
        return {"auditor"}
    if path == "/review":
        return {"auditor", "authority"}
    if path.startswith("/ledger"):
        return READ
    if path == "/exports":
        return {"authority"}
    if path.startswith("/exports/"):
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


def test_authority_reads_only_its_area(api: Api) -> None:
    ids = build(api)  # the scenario's network is in area 'aeldre'
    wait = {"min_position": ids["position"]}
    assert api.get(f"/trials/{ids['trial']}", who="authority", **wait).status_code == 200
    assert len(api.get("/trials", who="authority", as_of="2018-01-01").json()["items"]) == 1
    with_other_area = api.client.app.state.services.auth  # type: ignore[attr-defined]
    from frispor.api.auth import new_token
    from frispor.domain.values import Role

    token, entry = new_token(Role.AUTHORITY, "Socialtilsyn Øst", "st", "botilbud")
    with_other_area.add(entry)
    api.tokens["botilbud"] = token
    assert api.get(f"/trials/{ids['trial']}", who="botilbud").status_code == 404
    assert api.get("/trials", who="botilbud", as_of="2018-01-01").json()["items"] == []
    assert api.get("/exemptions", who="botilbud").json()["items"] == []


@pytest.fixture
def oidc(tmp_path: Path, make_api: Callable[..., Api]) -> tuple[Api, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [public | {"kid": "k1"}]}))
    return make_api(jwks=str(tmp_path / "jwks.json"), jwt_issuer="https://idp.example"), key


def _jwt(key: ec.EllipticCurvePrivateKey, expires_in: int, **claims: object) -> str:
    body = {
        "sub": "caseworker-9",
        "iss": "https://idp.example",
        "exp": int(time.time()) + expires_in,
        "frispor_role": "auditor",
        "organisation": "Rigsrevisionen",
        **claims,
    }
    return jwt.encode(body, key, algorithm="ES256", headers={"kid": "k1"})


def test_oidc_jwt_valid_expired_and_forged(
    oidc: tuple[Api, ec.EllipticCurvePrivateKey],
) -> None:
    api, key = oidc

    def call(token: str) -> int:
        response = api.client.get("/trials", headers={"Authorization": f"Bearer {token}"})
        return int(response.status_code)

    assert call(_jwt(key, 300)) == 200
    assert call(_jwt(key, -10)) == 401
    assert call(_jwt(ec.generate_private_key(ec.SECP256R1()), 300)) == 401
    assert call(_jwt(key, 300, iss="https://evil.example")) == 401
    assert call(_jwt(key, 300, frispor_role="root")) == 401
    assert call(_jwt(key, 300, frispor_role="admin")) == 403
    assert call("not-a-token") == 401


def test_only_a_jwt_against_a_remote_jwks_is_checked_off_the_event_loop(tmp_path: Path) -> None:
    from frispor.api.auth import Authenticator
    from frispor.api.settings import Settings

    remote = Authenticator(Settings(jwks="https://idp.example/jwks.json"))
    assert remote.may_block("Bearer aaa.bbb.ccc")
    assert not remote.may_block("Bearer opaque-token") and not remote.may_block(None)
    key = ec.generate_private_key(ec.SECP256R1())
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [public | {"kid": "k1"}]}))
    local = Authenticator(Settings(jwks=str(tmp_path / "jwks.json")))
    assert not local.may_block("Bearer aaa.bbb.ccc")
