"""No one where they don't belong: no actor from the body, no secret in a log or an answer.

The role matrix (every route x every role x no token) is tests/api/test_access.py; this adds
what it does not cover: spoofed actors in every shape a body could carry them, tokens that have
expired (configured as an operator would, and expiring while the server runs), and a sweep of
error answers, logs, checkpoints and an export bag for bearer tokens and the signing key.
"""

from __future__ import annotations

import io
import logging
import tarfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from frispor.api.app import create_app
from frispor.credentials.tokens import new_token
from frispor.domain.values import Role
from frispor.ledger.signer import write_key_pair
from frispor.settings import Settings
from tests.api.conftest import Api
from tests.api.scenario import build, created, decision

SPOOFS: list[tuple[str, dict[str, Any], str]] = [
    # (label, change to a valid extension body, the field the refusal names)
    ("actor", {"actor": {"id": "someone", "role": "admin", "organisation": "x"}}, "actor"),
    ("actor as text", {"actor": "kbh"}, "actor"),
    ("envelope", {"envelope": {"actor": {"id": "someone"}}}, "envelope"),
    ("actor_id", {"actor_id": "someone"}, "actor_id"),
    ("organisation", {"organisation": "Økonomi- og Indenrigsministeriet"}, "organisation"),
    ("role", {"role": "admin"}, "role"),
    ("mandate", {"mandate": "fuldmagt"}, "mandate"),
    ("recorded_at", {"recorded_at": "2017-01-01T00:00:00Z"}, "recorded_at"),
    (
        "actor in a legal basis",
        {"legal_basis": [{"act": "eli/lta/2017/658", "path": "§ 1", "actor": "someone"}]},
        "legal_basis.0.actor",
    ),
]


def head(api: Api) -> int:
    return int(api.client.app.state.services.app.recorder.max_notification_id() or 0)  # type: ignore[attr-defined]


def test_an_actor_in_the_body_is_refused_and_never_recorded(api: Api) -> None:
    trial = build(api)["trial"]
    before, events = head(api), api.get(f"/history/{trial}").json()["items"]
    for label, change, field in SPOOFS:
        body = decision("2018-03-15", new_end="2018-10-31") | change
        refused = api.post(f"/trials/{trial}/extend", body, "oim", **{"Idempotency-Key": label})
        assert refused.status_code == 422, (label, refused.text)
        assert (refused.json()["rule"], refused.json()["field"]) == ("request-schema", field)
    assert head(api) == before, "a spoofed decision was stored"
    assert api.get(f"/history/{trial}").json()["items"] == events


def test_actor_headers_and_query_parameters_change_nothing(api: Api) -> None:
    trial = build(api)["trial"]
    before = api.get(f"/history/{trial}").json()["items"]
    spoofed = api.client.post(
        f"/trials/{trial}/extend",
        params={"actor": "someone", "organisation": "kommune:147"},
        json=decision("2018-03-15", new_end="2018-10-31"),
        headers=api.headers("oim"),
    )
    # A query parameter no route declares is refused by name, and nothing is written.
    assert spoofed.status_code == 422 and spoofed.json()["field"] == "actor", spoofed.text
    assert api.get(f"/history/{trial}").json()["items"] == before
    answer = api.client.post(
        f"/trials/{trial}/extend",
        json=decision("2018-03-15", new_end="2018-10-31"),
        headers=api.headers(
            "oim",
            **{
                "X-Actor": "someone",
                "X-Organisation": "kommune:147",
                "X-Forwarded-User": "someone",
            },
        ),
    )
    version = created(answer)["version"]
    [extended] = [
        e for e in api.get(f"/history/{trial}").json()["items"] if e["aggregate_version"] == version
    ]
    assert extended["envelope"]["actor"] == {
        "id": "oim",
        "role": "recorder",
        "organisation": "Økonomi- og Indenrigsministeriet",
        "mandate": None,
    }


# --- expired tokens -----------------------------------------------------------------------------


@pytest.fixture
def expiring(database_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """An app whose tokens come from FRISPOR_TOKENS-style JSON, with expiry dates."""
    now = datetime.now(UTC)
    tokens: dict[str, str] = {}
    entries = []
    for name, expires in (
        ("expired", now - timedelta(days=1)),
        ("just expired", now - timedelta(seconds=1)),
        ("soon", now + timedelta(seconds=3)),
        ("valid", now + timedelta(days=30)),
    ):
        token, entry = new_token(Role.AUDITOR, "Rigsrevisionen", name.replace(" ", "-"))
        tokens[name] = token
        entries.append(entry.model_copy(update={"expires": expires}))
    as_json = "[" + ",".join(e.model_dump_json() for e in entries) + "]"
    settings = Settings.model_validate({"DATABASE_URL": database_url, "tokens": as_json})
    with TestClient(create_app(settings)) as client:
        yield client, tokens


def test_an_expired_token_is_refused_with_401(
    expiring: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = expiring

    def call(name: str) -> Any:
        return client.get("/trials", headers={"Authorization": f"Bearer {tokens[name]}"})

    assert call("soon").status_code == 200  # first: it has seconds left
    assert call("valid").status_code == 200
    for name in ("expired", "just expired"):
        refused = call(name)
        assert refused.status_code == 401, (name, refused.text)
        assert refused.headers["www-authenticate"] == "Bearer"
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["rule"] == "authentication"
        assert tokens[name] not in refused.text
    deadline = time.monotonic() + 10  # it expires while the server runs
    while call("soon").status_code == 200:
        assert time.monotonic() < deadline, "the token did not expire"
        time.sleep(0.1)
    assert call("soon").status_code == 401


# --- secrets never in logs or answers -----------------------------------------------------------


@pytest.fixture
def signed(make_api: Callable[..., Api], tmp_path: Path) -> tuple[Api, bytes]:
    """An API with a signing key; the key's private PEM."""
    key = tmp_path / "keys" / "frispor.key"
    write_key_pair(key, "frispor.test/trail")
    api = make_api(
        signing_key=str(key),
        ledger_origin="frispor.test/trail",
        exports_dir=str(tmp_path / "exports"),
        checkpoint_every=0.05,
    )
    return api, key.read_bytes()


def secrets_of(pem: bytes) -> list[str]:
    """The private key's PEM body lines (any of them in text would leak part of the key)."""
    body = [line for line in pem.decode().splitlines() if line and not line.startswith("-----")]
    return [line for line in body if len(line) >= 16]


def test_no_token_or_signing_key_in_any_log_or_answer(
    signed: tuple[Api, bytes], caplog: pytest.LogCaptureFixture
) -> None:
    api, pem = signed
    caplog.set_level(logging.DEBUG)
    ids = build(api)
    trial = ids["trial"]
    unknown = "not-a-known-token-" + "x" * 24
    seen: list[Any] = []

    def call(method: str, path: str, token: str | None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = api.client.request(
            method, path, headers=headers | kwargs.pop("headers", {}), **kwargs
        )
        seen.append(response)
        return response

    tokens = api.tokens
    assert call("GET", "/trials", unknown).status_code == 401
    assert call("GET", "/trials", f"{tokens['kbh']}x").status_code == 401
    assert call("GET", "/history/" + trial, tokens["kbh"]).status_code == 403
    assert call("GET", "/metrics", tokens["oim"]).status_code == 403
    assert (
        call(
            "POST",
            f"/trials/{trial}/extend",
            tokens["frb"],
            json=decision("2018-03-15", new_end="2018-10-31"),
        ).status_code
        == 403
    )
    assert (
        call(
            "POST",
            f"/trials/{trial}/extend",
            tokens["oim"],
            json=decision("2018-03-15", new_end="2017-01-01"),
        ).status_code
        == 422
    )
    assert (
        call(
            "POST",
            f"/trials/{trial}/extend",
            tokens["oim"],
            json=decision("2018-03-15", new_end="2018-10-31", token=tokens["oim"]),
        ).status_code
        == 422
    )
    assert (
        call(
            "POST",
            f"/trials/{trial}/extend",
            tokens["oim"],
            content="{not json",
            headers={"Content-Type": "application/json"},
        ).status_code
        == 422
    )
    assert (
        call(
            "POST",
            f"/trials/{trial}/extend",
            tokens["oim"],
            content="x",
            headers={"Content-Type": "text/plain"},
        ).status_code
        == 415
    )
    assert (
        call(
            "GET", "/trials/" + "0" * 8 + "-0000-4000-8000-" + "0" * 12, tokens["auditor"]
        ).status_code
        == 404
    )
    assert call("GET", "/metrics", tokens["admin"]).status_code == 200
    checkpoint = time.monotonic() + 15
    while call("GET", "/ledger/checkpoint", tokens["auditor"]).status_code != 200:
        assert time.monotonic() < checkpoint, "no checkpoint was cut"
        time.sleep(0.1)
    made = call("POST", "/exports", tokens["authority"], json={"from": "2016-01-01"})
    assert made.status_code == 201, made.text
    bag = call("GET", f"/exports/{made.json()['id']}", tokens["authority"])
    assert bag.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(bag.content), mode="r:gz") as tar:
        files = b"".join(
            extracted.read()
            for member in tar.getmembers()
            if member.isfile() and (extracted := tar.extractfile(member)) is not None
        )

    answers = "\n".join(
        r.text + "\n" + "\n".join(f"{k}: {v}" for k, v in r.headers.items())
        for r in seen
        if r.headers.get("content-type", "").split(";")[0] != "application/gzip"
    )
    logged = caplog.text + "\n".join(str(record.__dict__) for record in caplog.records)
    for token in [unknown, *tokens.values()]:
        assert token not in answers, "a bearer token in an answer"
        assert token not in logged, "a bearer token in a log record"
    assert "Bearer " not in answers and "Bearer " not in logged
    for line in secrets_of(pem):
        assert line not in answers, "the signing key in an answer"
        assert line not in logged, "the signing key in a log record"
        assert line.encode() not in files, "the signing key in an export bag"
    assert b"PRIVATE KEY" not in files
