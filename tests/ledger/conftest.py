"""Fixtures for the ledger's database suites: an app with the demo loaded, a signer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_testkit import ORIGIN
from tsa_testkit import Tsa, running_tsa

from frispor.demo import load_demo
from frispor.domain.application import Frispor
from frispor.ledger.checkpoint import generate_signer
from frispor.ledger.keys import load_private_key
from frispor.ledger.signer import Signer
from frispor.ledger.store import TreeStore
from frispor.store.env import store_env
from frispor.store.open import open_app


@pytest.fixture(scope="session")
def private_pem() -> bytes:
    """One signing key for the whole run."""
    return generate_signer(ORIGIN).private_pem


@pytest.fixture
def signer(private_pem: bytes) -> Signer:
    return Signer(load_private_key(private_pem), ORIGIN)


@pytest.fixture
def app(database_url: str) -> Iterator[Frispor]:
    """The Application on the test's store, with the demo loaded (56 events)."""
    application = open_app(store_env(database_url))
    load_demo(application)
    yield application
    application.close()


@pytest.fixture
def store(database_url: str, app: Frispor) -> Iterator[TreeStore]:
    """The ledger's tables beside the events (after the demo is loaded)."""
    tree_store = TreeStore.open(database_url)
    yield tree_store
    tree_store.close()


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[Tsa]:
    """A real RFC 3161 TSA on loopback (openssl ts -reply), with a test CA of its own."""
    with running_tsa(tmp_path / "tsa") as authority:
        yield authority
