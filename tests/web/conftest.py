"""A live server with the demo loaded (SQLite and PostgreSQL) and Debian's Chromium to drive it.

With CI=true a missing browser fails the run; elsewhere the browser tests skip and say why.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from frispor.api.app import create_app
from frispor.credentials.tokens import new_token
from frispor.demo import load_demo
from frispor.domain.values import Role
from frispor.ledger.signer import write_key_pair
from frispor.settings import Settings, TokenEntry
from frispor.store.open import open_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
CALLERS = {
    "auditor": (Role.AUDITOR, "Rigsrevisionen", None),
    "authority": (Role.AUTHORITY, "Ankestyrelsen", "sammenhaeng"),
    "recorder": (Role.RECORDER, "kommune:101", None),
    "admin": (Role.ADMIN, "drift", None),
}


def chromium_path() -> str | None:
    """Debian's Chromium, or another on PATH."""
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class Server:
    """A running frispor with the demo, its URL and a token per role."""

    url: str
    tokens: dict[str, str]
    store: str


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The demo served over real HTTP on a free port, with a signing key and checkpoints."""
    tmp = tmp_path_factory.mktemp("web")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'frispor.sqlite'}"
    else:
        url = str(request.getfixturevalue("pg_module_url"))
    key = tmp / "frispor.key"
    write_key_pair(key, "frispor.test/trail")
    settings = Settings.model_validate(
        {
            "DATABASE_URL": url,
            "signing_key": str(key),
            "ledger_origin": "frispor.test/trail",
            "exports_dir": str(tmp / "exports"),
            "checkpoint_every": 0.2,
        }
    )
    app = open_app(settings.eventsourcing_env())
    try:
        load_demo(app)
    finally:
        app.close()
    tokens: dict[str, str] = {}
    entries: list[TokenEntry] = []
    for who, (role, org, area) in CALLERS.items():
        tokens[who], entry = new_token(role, org, who, area)
        entries.append(entry)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    api = create_app(settings, entries)
    config = uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning")
    live = uvicorn.Server(config)
    thread = threading.Thread(target=live.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not live.started and time.monotonic() < deadline:
        time.sleep(0.05)
    services = api.state.services  # every page reads the read models: let them catch up first
    assert services.read.wait_for(services.app.recorder.max_notification_id() or 0, 30)
    yield Server(f"http://localhost:{port}", tokens, request.param)
    live.should_exit = True
    thread.join(15)


@pytest.fixture(scope="module")
def pg_module_url(pg_database: str) -> str:
    """A fresh PostgreSQL schema for one module's server."""
    import uuid

    import psycopg

    schema = f"w_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{pg_database}?schema={schema}"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Chromium from the system, driven by Playwright (its own browser downloads are not used)."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no Chromium found: apt-get install chromium")
        pytest.skip("no Chromium found (apt-get install chromium): browser tests not run")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    """A fresh browser context (no cookies) per test."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page: Any, server: Server, who: str) -> None:
    """Sign in through the form, with the token pasted once."""
    page.goto(f"{server.url}/web/signin")
    page.fill("#token", server.tokens[who])
    page.click("#signin button[type=submit]")
    page.wait_for_url("**/web/trials")


def shot(page: Any, name: str) -> None:
    """A screenshot kept as a test artifact (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
