"""An API per test on SQLite and PostgreSQL, with a token per kind of caller."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from frispor.api.app import create_app
from frispor.credentials.tokens import new_token
from frispor.domain.values import Role
from frispor.settings import Settings, TokenEntry

CALLERS = {
    "oim": (Role.RECORDER, "Økonomi- og Indenrigsministeriet", None),
    "kbh": (Role.RECORDER, "kommune:101", None),
    "frb": (Role.RECORDER, "kommune:147", None),
    "tilsyn": (Role.RECORDER, "Styrelsen for Patientsikkerhed", None),
    "auditor": (Role.AUDITOR, "Rigsrevisionen", None),
    "authority": (Role.AUTHORITY, "Ankestyrelsen", "aeldre"),
    "admin": (Role.ADMIN, "drift", None),
}


class Api:
    """A client that knows the callers' tokens."""

    def __init__(self, client: TestClient, tokens: dict[str, str]) -> None:
        self.client, self.tokens = client, tokens

    def headers(self, who: str | None, **extra: str) -> dict[str, str]:
        base = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return base | extra

    def post(self, path: str, body: dict[str, Any], who: str | None = "oim", **headers: str) -> Any:
        return self.client.post(path, json=body, headers=self.headers(who, **headers))

    def get(self, path: str, who: str | None = "auditor", **params: Any) -> Any:
        return self.client.get(path, params=params, headers=self.headers(who))


@pytest.fixture
def make_api(database_url: str) -> Iterator[Callable[..., Api]]:
    tokens: dict[str, str] = {}
    entries: list[TokenEntry] = []
    for who, (role, org, area) in CALLERS.items():
        token, entry = new_token(role, org, who, area)
        tokens[who], entries = token, [*entries, entry]
    opened: list[TestClient] = []

    def make(**settings: Any) -> Api:
        config = Settings.model_validate({"DATABASE_URL": database_url, **settings})
        client = TestClient(create_app(config, entries))
        client.__enter__()
        opened.append(client)
        return Api(client, tokens)

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()
