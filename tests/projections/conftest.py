"""What the projection tests share: the demo's or a synthetic history, read models not projected."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from frispor.demo import load_demo
from frispor.demo.bulk import generate_bulk
from frispor.domain.application import Frispor
from frispor.projections.catalog import ensure
from frispor.store.db import Database
from frispor.store.env import store_env
from frispor.store.open import open_app


@pytest.fixture
def demo_store(database_url: str) -> Iterator[tuple[Frispor, Database]]:
    """The demo recorded, the read-model tables created and not yet projected."""
    app = open_app(store_env(database_url))
    db = Database(database_url)
    ensure(db)
    load_demo(app)
    yield app, db
    db.close()
    app.close()


@pytest.fixture
def bulk(database_url: str) -> Iterator[tuple[Frispor, Database]]:
    """About 6,000 events of synthetic histories (20 template trials), read models not projected."""
    app = open_app(store_env(database_url))
    db = Database(database_url)
    ensure(db)
    generate_bulk(app, 6_000, templates=20)
    yield app, db
    db.close()
    app.close()
