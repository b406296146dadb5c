"""`python -m benchmarks.profile`: where one decision's time goes, on each recorder.

Times the stages of figure (a)'s decision with wall and thread-CPU clocks around the
Application's save, the mapper and the recorder (a profiler would distort a loop that is
mostly round trips), then profiles the in-process part alone, with the recorder stubbed out.
"""

from __future__ import annotations

import cProfile
import itertools
import pstats
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent

from benchmarks.common import Bench, decide, scratch_database
from frispor.domain.application import Frispor


class Stopwatch:
    """Accumulates wall and thread-CPU seconds spent inside wrapped callables."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)

    def wrap(self, owner: object, attribute: str, stage: str) -> None:
        """Replace owner.attribute (on the instance) by a timed call of it."""
        inner: Callable[..., Any] = getattr(owner, attribute)

        def timed(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return inner(*args, **kwargs)
            finally:
                self.wall[stage] += time.perf_counter() - wall
                self.cpu[stage] += time.thread_time() - cpu

        setattr(owner, attribute, timed)


def stages(bench: Bench, fast: bool, count: int) -> dict[str, tuple[float, float]]:
    """µs per decision (wall, CPU) in each stage, nested stages subtracted."""
    app = bench.app(fast)
    watch = Stopwatch()
    try:
        for _ in range(100):
            decide(app)
        watch.wrap(app, "save", "save")
        watch.wrap(app.mapper, "to_stored_event", "mapper")
        watch.wrap(app.recorder, "insert_events", "recorder")
        watch.wrap(app, "establish_programme", "decision")
        for _ in range(count):
            decide(app)
    finally:
        app.close()

    def us(stage: str) -> tuple[float, float]:
        return watch.wall[stage] / count * 1e6, watch.cpu[stage] / count * 1e6

    def minus(a: tuple[float, float], *others: tuple[float, float]) -> tuple[float, float]:
        return a[0] - sum(o[0] for o in others), a[1] - sum(o[1] for o in others)

    recorder = us("recorder")
    return {
        "decision, in all": us("decision"),
        "command: rules, event, CPR check (before the save)": minus(us("decision"), us("save")),
        "Application.save bookkeeping": minus(us("save"), us("mapper"), recorder),
        "mapper: event → JSON bytes": us("mapper"),
        "recorder, client CPU": (recorder[1], recorder[1]),
        "recorder, waiting for PostgreSQL": (recorder[0] - recorder[1], 0.0),
    }


def in_process_profile(bench: Bench, count: int) -> str:
    """The top functions of the decision's in-process CPU, with the recorder stubbed out."""
    app: Frispor = bench.app(True)
    try:
        positions = itertools.count(1)

        def insert_events(
            stored_events: Sequence[StoredEvent], **kwargs: Any
        ) -> Sequence[int] | None:
            return [next(positions) for _ in stored_events]

        app.recorder.insert_events = insert_events  # type: ignore[method-assign]
        for _ in range(100):
            decide(app)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(count):
            decide(app)
        profiler.disable()
    finally:
        app.close()
    rows: list[tuple[float, str]] = []
    stats: dict[tuple[str, int, str], tuple[int, int, float, float, object]]
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    for (filename, line, function), (_, _, self_time, _, _) in stats.items():
        where = "/".join(filename.split("/")[-2:])
        rows.append((self_time / count * 1e6, f"{where}:{line}({function})"))
    rows.sort(reverse=True)
    return "\n".join(f"| {name} | {us:.1f} |" for us, name in rows[:12])


def main() -> None:
    """Print both tables as Markdown."""
    with scratch_database(runs=1, quick=True) as bench:
        library, fast = stages(bench, False, 1000), stages(bench, True, 2000)
        top = in_process_profile(bench, 2000)
    print("| stage, µs per decision | library wall | library CPU | fast wall | fast CPU |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for stage in library:
        (lw, lc), (fw, fc) = library[stage], fast[stage]
        print(f"| {stage} | {lw:.0f} | {lc:.0f} | {fw:.0f} | {fc:.0f} |")
    print("\n| in-process CPU, recorder stubbed (profiled, self time) | µs/decision |")
    print("| --- | ---: |")
    print(top)


if __name__ == "__main__":
    main()
