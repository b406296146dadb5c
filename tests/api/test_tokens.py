"""Credentials in the database: shown once, hash stored, revoked at once in every process."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from frispor.credentials.tokens import TokenStore
from frispor.domain.values import Role
from frispor.store.db import Database
from tests.api.conftest import Api
from tests.integration.test_cli_demo import frispor

BODY = {
    "name": "Frikommuneforsøg II",
    "kind": "frikommune",
    "enabling_act": {"act": "eli/lta/2017/658", "path": "§ 1"},
    "period": {"start": "2016-10-10", "end": "2021-12-31"},
    "ministry": "Økonomi- og Indenrigsministeriet",
    "legal_basis": [{"act": "eli/lta/2017/658", "path": "§ 1"}],
    "justification": "Udpegning",
    "decided_on": "2016-10-10",
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_created_token_works_until_revoked_in_every_process(
    make_api: Callable[..., Api], database_url: str
) -> None:
    one, two = make_api(), make_api()  # two servers on one database
    db = Database(database_url)
    store = TokenStore(db)
    token, issued = store.create(
        Role.RECORDER, "Økonomi- og Indenrigsministeriet", subject="sb-7", created_by="ops"
    )
    for api in (one, two):
        answer = api.client.post("/programmes", json=BODY, headers=bearer(token))
        assert answer.status_code == 201, answer.text
    assert store.revoke(issued.id, revoked_by="ops", reason="stolen laptop")
    for api in (one, two):
        answer = api.client.post("/programmes", json=BODY, headers=bearer(token))
        assert answer.status_code == 401
    assert not store.revoke(issued.id, revoked_by="ops")  # once is enough
    listed = {i.id: i for i in store.listing()}[issued.id]
    assert listed.revoked and listed.last_used and listed.subject == "sb-7"
    db.close()


def test_an_expired_token_is_refused(make_api: Callable[..., Api], database_url: str) -> None:
    api, db = make_api(), Database(database_url)
    store = TokenStore(db)
    # Seconds enough for the first request on a loaded machine; then wait until it has expired.
    soon = datetime.now(UTC) + timedelta(seconds=6)
    token, _ = store.create(Role.AUDITOR, "Rigsrevisionen", expires=soon, created_by="ops")
    assert api.client.get("/trials", headers=bearer(token)).status_code == 200
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.1)
    assert api.client.get("/trials", headers=bearer(token)).status_code == 401
    db.close()


def test_issued_and_revoked_rows_never_change(database_url: str) -> None:
    db = Database(database_url)
    store = TokenStore(db)
    token, issued = store.create(Role.ADMIN, "drift", created_by="ops")
    store.revoke(issued.id, revoked_by="ops")
    for statement in (
        "UPDATE frispor_tokens SET role = 'admin'",
        "DELETE FROM frispor_tokens",
        "DELETE FROM frispor_token_revocations",
    ):
        with pytest.raises(Exception, match="append-only"), db.transaction() as cur:
            cur.execute(statement)
    with db.read() as cur:
        stored = cur.execute("SELECT * FROM frispor_tokens")
    assert token not in json.dumps([list(map(str, row)) for row in stored])
    db.close()


def test_the_commands_as_an_operator_runs_them(database_url: str, tmp_path: Path) -> None:
    made = frispor(
        "tokens",
        "create",
        "--role",
        "authority",
        "--organisation",
        "Ankestyrelsen",
        "--area",
        "aeldre",
        "--expires",
        "31-12-2099",
        cwd=tmp_path,
        database_url=database_url,
    )
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert len(token) > 30 and token not in made.stderr
    listed = frispor("tokens", "list", "--format", "json", cwd=tmp_path, database_url=database_url)
    (entry,) = json.loads(listed.stdout)
    assert set(entry) >= {
        "id",
        "subject",
        "role",
        "organisation",
        "area",
        "created",
        "expires",
        "last_used",
    }
    assert (entry["role"], entry["area"]) == ("authority", "aeldre")
    assert entry["expires"].startswith("2099-12-31")
    table = frispor("tokens", "list", cwd=tmp_path, database_url=database_url)
    assert entry["id"] in table.stdout
    gone = frispor("tokens", "revoke", entry["id"], cwd=tmp_path, database_url=database_url)
    assert gone.returncode == 0
    again = frispor("tokens", "revoke", entry["id"], cwd=tmp_path, database_url=database_url)
    assert again.returncode == 2 and len(again.stderr.strip().splitlines()) == 1
    bad = frispor(
        "tokens",
        "create",
        "--role",
        "recorder",
        "--organisation",
        "x",
        "--expires",
        "31-02-2030",
        cwd=tmp_path,
        database_url=database_url,
    )
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
