"""(b) in worker processes: the deciding threads split over processes, or kept on one CPU."""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from multiprocessing.connection import Connection

from benchmarks.common import Figure, app_env, in_threads
from frispor.cli.affinity import pin
from frispor.store.open import open_app


def _worker(
    url: str, threads: int, orders: Connection, fast: bool, cpus: frozenset[int] | None
) -> None:
    """Wait for a duration, decide on `threads` threads for it, answer (decisions, CPU seconds)."""
    from benchmarks.common import decide  # the child's own import

    if cpus is not None:
        pin(cpus)  # as `frispor serve` does with FRISPOR_CPUS, before any thread starts
    app = open_app(app_env(url, fast, threads))
    decide(app)
    orders.send("ready")
    while (seconds := orders.recv()) is not None:
        cpu = time.process_time()
        done = in_threads(threads, seconds, lambda: decide(app))
        orders.send((done, time.process_time() - cpu))
    app.close()


class Workers:
    """Worker processes on one schema, started once and told to run together."""

    def __init__(
        self, url: str, processes: int, threads: int, *, fast: bool = True, pinned: bool = False
    ) -> None:
        context = mp.get_context("spawn")  # no inherited connections or locks
        self.pipes: list[Connection] = []
        self.procs = []
        cpus = sorted(os.sched_getaffinity(0)) if pinned else []
        for i in range(processes):
            mine, theirs = context.Pipe()
            # Pinned: one CPU per process, in turn.
            place = frozenset({cpus[i % len(cpus)]}) if cpus else None
            args = (url, threads, theirs, fast, place)
            proc = context.Process(target=_worker, args=args, daemon=True)
            proc.start()
            self.pipes.append(mine)
            self.procs.append(proc)
        for pipe in self.pipes:
            if pipe.recv() != "ready":
                raise RuntimeError("a benchmark worker did not start")

    def run(self, seconds: float, runs: int) -> Figure:
        """Decisions per second of all workers together, `runs` times."""
        rates: list[float] = []
        cpu: list[float] = []
        for _ in range(runs):
            for pipe in self.pipes:
                pipe.send(seconds)
            answers = [pipe.recv() for pipe in self.pipes]
            done = sum(a[0] for a in answers)
            rates.append(done / seconds)
            cpu.append(sum(a[1] for a in answers) / done * 1e6)
        return Figure(tuple(rates), tuple(cpu))

    def close(self) -> None:
        """Stop the workers."""
        for pipe in self.pipes:
            pipe.send(None)
        for proc in self.procs:
            proc.join(timeout=30)
