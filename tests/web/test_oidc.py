"""OpenID Connect sign-in with PKCE against a small identity provider served by the test."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from frispor.api.app import create_app
from frispor.settings import Settings

ISSUER, AUDIENCE = "https://idp.test", "frispor-web"


class Provider:
    """Issues one code per authorization and a signed ID token for it, if PKCE holds."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.codes: dict[str, str] = {}  # code -> the challenge it was issued for
        self.exchanges: list[dict[str, str]] = []

    def authorize(self, challenge: str) -> str:
        code = f"code-{len(self.codes)}"
        self.codes[code] = challenge
        return code

    def token(self, form: dict[str, str]) -> dict[str, Any] | None:
        self.exchanges.append(form)
        challenge = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "").encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if challenge is None or digest.decode() != challenge:
            return None
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "revisor@rigsrevisionen.dk",
            "exp": int(time.time()) + 300,
            "frispor_role": "auditor",
            "organisation": "Rigsrevisionen",
        }
        return {"id_token": jwt.encode(claims, self.key, "ES256", headers={"kid": "k1"})}


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[tuple[Provider, str, Path]]:
    idp = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            answer = idp.token(form)
            self.send_response(200 if answer else 400)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(answer or {"error": "invalid_grant"}).encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(idp.key.public_key()))
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**jwk, "kid": "k1", "alg": "ES256", "use": "sig"}]}))
    yield idp, f"http://127.0.0.1:{server.server_address[1]}/token", jwks
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(database_url: str, provider: tuple[Provider, str, Path]) -> Iterator[TestClient]:
    _, token_url, jwks = provider
    settings = Settings.model_validate(
        {
            "DATABASE_URL": database_url,
            "jwks": str(jwks),
            "jwt_issuer": ISSUER,
            "jwt_audience": AUDIENCE,
            "oidc_authorize_url": f"{ISSUER}/authorize",
            "oidc_token_url": token_url,
            "oidc_client_id": AUDIENCE,
        }
    )
    with TestClient(create_app(settings), base_url="https://testserver") as test_client:
        yield test_client


def begin(client: TestClient) -> dict[str, str]:
    """Start the flow; the provider's authorization request as the browser would carry it."""
    assert "/web/signin/oidc" in client.get("/web/signin").text
    answer = client.get("/web/signin/oidc?next=/web/findings", follow_redirects=False)
    assert answer.status_code == 303
    location = urlparse(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/authorize"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["code_challenge_method"] == "S256" and query["response_type"] == "code"
    return query


def test_sign_in_with_the_providers_code_and_the_pkce_verifier(
    client: TestClient, provider: tuple[Provider, str, Path]
) -> None:
    idp = provider[0]
    query = begin(client)
    code = idp.authorize(query["code_challenge"])
    answer = client.get(f"/web/signin/oidc/callback?code={code}&state={query['state']}")
    assert answer.status_code == 200 and "url=/web/findings" in answer.text
    assert (
        "HttpOnly" in answer.headers["set-cookie"]
        and "SameSite=strict" in answer.headers["set-cookie"]
    )
    assert idp.exchanges[-1]["redirect_uri"] == query["redirect_uri"]
    findings = client.get("/web/findings")
    assert findings.status_code == 200 and "revisor@rigsrevisionen.dk" in findings.text


def test_a_callback_with_another_state_is_refused_and_signs_nobody_in(
    client: TestClient, provider: tuple[Provider, str, Path]
) -> None:
    idp = provider[0]
    query = begin(client)
    code = idp.authorize(query["code_challenge"])
    answer = client.get(f"/web/signin/oidc/callback?code={code}&state=forged")
    assert answer.status_code == 403
    assert idp.exchanges == []  # the code was never traded
    assert client.get("/web/findings", follow_redirects=False).status_code == 303


def test_a_code_issued_for_another_flows_challenge_gets_no_session(
    client: TestClient, provider: tuple[Provider, str, Path]
) -> None:
    idp = provider[0]
    query = begin(client)
    stolen = idp.authorize("a-challenge-of-another-browser")
    answer = client.get(f"/web/signin/oidc/callback?code={stolen}&state={query['state']}")
    assert answer.status_code == 401
    assert client.get("/web/findings", follow_redirects=False).status_code == 303
