"""(c) One decision at a time through the Application on SQLite (file, WAL), for reference."""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.common import Bench, Row, measure
from benchmarks.single_decision import decisions
from frispor.store.env import store_env
from frispor.store.open import open_app


def run(bench: Bench) -> list[Row]:
    """The same decision as (a), on the embedded store."""
    with tempfile.TemporaryDirectory() as directory:
        app = open_app(store_env(f"sqlite:///{Path(directory) / 'bench.sqlite'}"))
        try:
            decisions(app, 100)
            count = 300 if bench.quick else 1000
            figures = measure({"sqlite": lambda: decisions(app, count)}, runs=bench.runs)
        finally:
            app.close()
    return [
        Row(
            "(c) single decision, Application → SQLite",
            "decisions/s",
            figures["sqlite"],
            notes="reference only: the library's SQLite recorder, unchanged.",
        )
    ]
