"""What the projection tests share: the demo's history in a store with empty read models."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.demo import load_demo
from domain.application import Frispor
from domain.store import store_env
from projections.catalog import ensure
from projections.db import Database


@pytest.fixture
def demo_store(database_url: str) -> Iterator[tuple[Frispor, Database]]:
    """The demo recorded, the read-model tables created and not yet projected."""
    app = Frispor(store_env(database_url))
    db = Database(database_url)
    ensure(db)
    load_demo(app)
    yield app, db
    db.close()
    app.close()
