"""OIDC, deny by default: real RS256 and ES256 keys, a JWKS file, every claim a role needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import ValidationError

from frispor.api.auth import Authenticator
from frispor.settings import Settings
from tests.api.conftest import Api
from tests.api.scenario import build

ISSUER, AUDIENCE = "https://idp.example", "frispor"
Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class Idp:
    """An identity provider with an RSA and an EC key, published as a JWKS file."""

    def __init__(self, folder: Path) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        keys = [
            json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa.public_key())) | {"kid": "r1"},
            json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.ec.public_key())) | {"kid": "e1"},
        ]
        self.jwks = folder / "jwks.json"
        self.jwks.write_text(json.dumps({"keys": keys}))

    def token(self, alg: str = "ES256", key: Key | None = None, **claims: Any) -> str:
        """A signed JWT: an auditor of Rigsrevisionen unless the claims say otherwise."""
        body = {
            "sub": "caseworker-9",
            "iss": ISSUER,
            "aud": AUDIENCE,
            "exp": int(time.time()) + 300,
            "frispor_role": "auditor",
            "organisation": "Rigsrevisionen",
            **claims,
        }
        body = {k: v for k, v in body.items() if v is not None}  # None: leave the claim out
        signer = key or (self.rsa if alg == "RS256" else self.ec)
        kid = "r1" if alg == "RS256" else "e1"
        return jwt.encode(body, signer, algorithm=alg, headers={"kid": kid})


@pytest.fixture
def idp(tmp_path: Path) -> Idp:
    return Idp(tmp_path)


@pytest.fixture
def oidc(idp: Idp, make_api: Callable[..., Api]) -> Api:
    return make_api(jwks=str(idp.jwks), jwt_issuer=ISSUER, jwt_audience=AUDIENCE)


def status(api: Api, token: str, path: str = "/trials") -> int:
    response = api.client.get(path, headers={"Authorization": f"Bearer {token}"})
    return int(response.status_code)


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_a_valid_jwt_reads_and_a_forged_or_stale_one_does_not(
    oidc: Api, idp: Idp, alg: str
) -> None:
    assert status(oidc, idp.token(alg)) == 200
    assert status(oidc, idp.token(alg, exp=int(time.time()) - 10)) == 401
    other = (
        rsa.generate_private_key(65537, 2048)
        if alg == "RS256"
        else ec.generate_private_key(ec.SECP256R1())
    )
    assert status(oidc, idp.token(alg, key=other)) == 401
    assert status(oidc, idp.token(alg, iss="https://evil.example")) == 401
    assert status(oidc, idp.token(alg, aud="another-service")) == 401
    assert status(oidc, idp.token(alg, aud=None)) == 401
    assert status(oidc, idp.token(alg, frispor_role="root")) == 401
    assert status(oidc, idp.token(alg, frispor_role="admin")) == 403
    assert status(oidc, "not-a-token") == 401


def test_a_jwt_without_the_claims_its_role_needs_is_401(oidc: Api, idp: Idp) -> None:
    ids = build(oidc)  # the scenario's trial is in area 'aeldre'
    wait = {"min_position": ids["position"]}
    trial = f"/trials/{ids['trial']}"
    authority = {"frispor_role": "authority", "organisation": "Ankestyrelsen"}
    # Today's main read every area with this token.
    assert status(oidc, idp.token(**authority)) == 401
    assert status(oidc, idp.token(**authority, area="")) == 401
    assert status(oidc, idp.token(**authority, area="everything")) == 401
    assert status(oidc, idp.token(**authority, area=["aeldre"])) == 401
    assert status(oidc, idp.token(organisation=None)) == 401
    assert status(oidc, idp.token(organisation=None, org="Rigsrevisionen")) == 401
    aeldre = idp.token(**authority, area="aeldre")
    answer = oidc.client.get(trial, params=wait, headers={"Authorization": f"Bearer {aeldre}"})
    assert answer.status_code == 200
    assert status(oidc, idp.token(**authority, area="botilbud"), trial) == 404


def test_only_the_configured_role_claim_counts(
    oidc: Api, idp: Idp, make_api: Callable[..., Api]
) -> None:
    generic = idp.token(frispor_role=None, role="auditor")
    assert status(oidc, generic) == 401  # main accepted a generic `role`
    mapped = make_api(
        jwks=str(idp.jwks),
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwt_role_claim="https://frispor.dk/role",
    )
    assert status(mapped, idp.token(frispor_role=None, **{"https://frispor.dk/role": "x"})) == 401
    assert status(mapped, idp.token(frispor_role="auditor")) == 401  # not the configured claim
    assert (
        status(mapped, idp.token(frispor_role=None, **{"https://frispor.dk/role": "auditor"}))
        == 200
    )


def test_oidc_without_an_audience_refuses_to_start(idp: Idp, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="jwt_audience"):
        Settings(jwks=str(idp.jwks))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}",
        "FRISPOR_JWKS": str(idp.jwks),
    }
    env.pop("FRISPOR_JWT_AUDIENCE", None)
    cli = [sys.executable, "-c", "from frispor.cli.main import main; main()", "serve"]
    done = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("FRISPOR_JWT_AUDIENCE: required"), lines
    assert not (tmp_path / "x.sqlite").exists()


def test_only_a_jwt_against_a_remote_jwks_is_checked_off_the_event_loop(idp: Idp) -> None:
    remote = Authenticator(Settings(jwks="https://idp.example/jwks.json", jwt_audience=AUDIENCE))
    assert remote.may_block("Bearer aaa.bbb.ccc")
    assert not remote.may_block("Bearer opaque-token") and not remote.may_block(None)
    local = Authenticator(Settings(jwks=str(idp.jwks), jwt_audience=AUDIENCE))
    assert not local.may_block("Bearer aaa.bbb.ccc")
