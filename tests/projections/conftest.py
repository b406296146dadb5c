"""What the projection tests share: the demo's history in a store with empty read models."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from frispor.demo import load_demo
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
