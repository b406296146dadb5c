"""How a view encodes and selects rows: pure functions, no database."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from frispor.domain.topics import all_event_topics
from frispor.domain.values import Assessment
from frispor.projections.catalog import VIEWS
from frispor.projections.view import _json


def stdlib(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def test_row_json_is_what_the_standard_library_writes() -> None:
    data: dict[str, Any] = {
        "zeta": "Ærø – ønske",
        "alpha": {"b": [1, True, None], "a": ("x", 'y\n\t\x01"\\')},
        "day": date(2018, 3, 1),
        "moment": datetime(2018, 3, 1, 12, 30, tzinfo=UTC),
        "assessment": Assessment.MINDRE,
        "value": Decimal("41.50"),
        "id": UUID("12345678-1234-5678-1234-567812345678"),
        "Øst": -3,
        "huge": 2**70,  # beyond orjson: the standard library writes it
    }
    assert _json(data) == stdlib(data)
    del data["huge"]
    assert _json(data) == stdlib(data)


def test_each_view_asks_for_every_topic_it_handles() -> None:
    known = all_event_topics()
    for view in VIEWS.values():
        handled = {t for t in known if t.startswith(view.topics())}
        assert handled and handled == set(view.event_topics()), view.name
