"""(a) One decision at a time through the Application: this project's recorder vs the library's."""

from __future__ import annotations

from benchmarks.common import Bench, Row, decide, measure
from domain.application import Frispor


def decisions(app: Frispor, count: int) -> int:
    """Decide `count` times, one after the other; each is committed before the next starts."""
    for _ in range(count):
        decide(app)
    return count


def run(bench: Bench) -> list[Row]:
    """Same decision, same run, interleaved: establish a programme per save."""
    library, fast = bench.app(fast=False), bench.app(fast=True)
    try:
        for app in (library, fast):
            decisions(app, 100)  # warm: pool connections, prepared statements, plans
        count = 150 if bench.quick else 500
        figures = measure(
            {
                "library": lambda: decisions(library, count),
                "fast": lambda: decisions(fast, count * 2),
            },
            runs=bench.runs,
        )
    finally:
        library.close()
        fast.close()
    return [
        Row(
            "(a) single decision, Application → PostgreSQL",
            "decisions/s",
            figures["fast"],
            "library recorder",
            figures["library"],
            goal="≥ 3× library",
            notes="Frispor.establish_programme per save; synchronous commit; table-lock order.",
        )
    ]
