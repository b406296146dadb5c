"""The fault suites use the API suite's per-test API (TestClient, both stores) where they can."""

from __future__ import annotations

from tests.api.conftest import api, make_api

__all__ = ["api", "make_api"]
