"""What every figure module shares: measure(), the scratch database, the decision, the table."""

from __future__ import annotations

import os
import platform
import statistics
import threading
import time
import timeit
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import version

import psycopg

from frispor.domain.aggregate import Envelope
from frispor.domain.application import Frispor, Written
from frispor.domain.commands import EstablishProgramme
from frispor.domain.values import Actor, LegalReference, Period, ProgrammeKind, Role, RuleCategory
from frispor.store.env import store_env
from frispor.store.open import open_app

ADMIN_URL = os.environ.get("FRISPOR_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
FAST = {"APPLICATION_RECORDER_TOPIC": "frispor.store.recorder:FastPostgresRecorder"}


@dataclass(frozen=True)
class Figure:
    """One quantity measured in several runs: the median and the range."""

    runs: tuple[float, ...]
    cpu_us: tuple[float, ...] = ()  # client CPU per operation, each run

    @property
    def median(self) -> float:
        """The median of the runs."""
        return statistics.median(self.runs)

    @property
    def span(self) -> str:
        """min–max of the runs."""
        return f"{min(self.runs):,.0f}–{max(self.runs):,.0f}"

    @property
    def cpu(self) -> str:
        """Median client CPU per operation, where measured."""
        return f"{statistics.median(self.cpu_us):.0f} µs" if self.cpu_us else ""


@dataclass(frozen=True)
class Row:
    """A figure beside the baseline it is judged against."""

    name: str
    unit: str
    figure: Figure
    baseline_name: str = ""
    baseline: Figure | None = None
    goal: str = ""
    notes: str = ""

    @property
    def ratio(self) -> str:
        """The figure's median over the baseline's median."""
        return f"{self.figure.median / self.baseline.median:.2f}×" if self.baseline else ""


@dataclass
class Bench:
    """The run's settings and its scratch PostgreSQL database (one schema per app)."""

    database: str
    runs: int = 3
    quick: bool = False
    facts: dict[str, str] = field(default_factory=dict)

    def schema_url(self) -> str:
        """A fresh schema in the scratch database, as a DATABASE_URL."""
        schema = f"b_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.database, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        return f"{self.database}?schema={schema}"

    def app(self, fast: bool, *, pool_size: int = 5) -> Frispor:
        """A Frispor on a fresh schema, on this project's recorder or the library's."""
        return open_app(app_env(self.schema_url(), fast, pool_size))


def app_env(url: str, fast: bool, pool_size: int) -> dict[str, str]:
    """The environment of a Frispor on this project's recorder or the library's."""
    env = store_env(url, pool_size=pool_size) | FAST
    if not fast:  # the library's own recorder: the baseline
        del env["APPLICATION_RECORDER_TOPIC"]
    return env


@contextmanager
def scratch_database(runs: int, quick: bool) -> Iterator[Bench]:
    """Create frispor_bench_<random> for this run and drop it at the end, whatever happens."""
    name = f"frispor_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield Bench(f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}", runs=runs, quick=quick)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def measure(candidates: Mapping[str, Callable[[], int]], runs: int) -> dict[str, Figure]:
    """Run each candidate `runs` times, interleaved so drift hits all alike; operations per second.

    A candidate does a bounded amount of work and returns how many operations it did.
    """
    rates: dict[str, list[float]] = {name: [] for name in candidates}
    cpu: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(runs):
        for name, candidate in candidates.items():
            wall, process = time.perf_counter(), time.process_time()
            done = candidate()
            wall, process = time.perf_counter() - wall, time.process_time() - process
            rates[name].append(done / wall)
            cpu[name].append(process / done * 1e6)
    return {name: Figure(tuple(rates[name]), tuple(cpu[name])) for name in candidates}


def in_threads(threads: int, seconds: float, work: Callable[[], object]) -> int:
    """Call work() in a loop on `threads` threads for about `seconds`; the calls completed."""
    counts = [0] * threads
    stop, start = threading.Event(), threading.Barrier(threads + 1)

    def loop(i: int) -> None:
        start.wait()
        while not stop.is_set():
            work()
            counts[i] += 1

    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    start.wait()
    time.sleep(seconds)
    stop.set()
    for thread in pool:
        thread.join()
    return sum(counts)


MINISTRY = "Økonomi- og Indenrigsministeriet"
BASIS = LegalReference.parse("eli/lta/2017/658", "§ 1", "lov om frikommunenetværk")
ENVELOPE = Envelope(
    actor=Actor(id="bench", role=Role.RECORDER, organisation=MINISTRY),
    legal_basis=(BASIS,),
    justification="benchmark",
    case_number="2018-1",
    decided_on=date(2018, 1, 2),
)
PERIOD = Period(start=date(2016, 1, 1), end=date(2021, 12, 31))


def decide(app: Frispor) -> Written:
    """The benchmark's decision: establish a programme (a new aggregate, one event, one save)."""
    return app.establish_programme(
        ENVELOPE,
        EstablishProgramme(
            name="Frikommuneforsøg",
            kind=ProgrammeKind.FRIKOMMUNE,
            enabling_act=BASIS,
            period=PERIOD,
            ministry=MINISTRY,
            protected_categories=(RuleCategory.MAGTANVENDELSE,),
        ),
    )


def cpu_reference() -> float:
    """This moment's pure-Python speed: ms for `sum(range(10**6))`, best of 5 (lower is faster).

    Shared virtual machines run at different speeds on different days (seen: 2.5× apart); this
    tells a slow day from a slow change when two RESULTS.md are compared.
    """
    return min(timeit.repeat("sum(range(1_000_000))", number=1, repeat=5)) * 1000


def machine_facts(database: str) -> dict[str, str]:
    """The machine and the versions the figures were measured on."""
    with open("/proc/meminfo") as meminfo:
        kib = int(meminfo.readline().split()[1])
    with psycopg.connect(database) as conn:
        server = conn.execute("SHOW server_version").fetchone()
        sync = conn.execute("SHOW synchronous_commit").fetchone()
        fsync = conn.execute("SHOW fsync").fetchone()
    packages = ("eventsourcing", "psycopg", "psycopg-pool", "pydantic")
    return {
        "CPUs (nproc)": str(os.cpu_count()),
        "memory": f"{kib / 1024 / 1024:.1f} GiB",
        "Python": platform.python_version(),
        "PostgreSQL": f"{server[0] if server else '?'} (loopback TCP)",
        "synchronous_commit / fsync": f"{sync[0] if sync else '?'} / {fsync[0] if fsync else '?'}",
        "libraries": ", ".join(f"{p} {version(p)}" for p in packages),
    }


def render(rows: list[Row], facts: Mapping[str, str], runs: int) -> str:
    """The results as Markdown: the machine, then one line per figure."""
    lines = ["# Benchmark results", "", f"Written by `python -m benchmarks` ({runs} runs each)."]
    lines += ["Absolute figures drift 10–30 % from run to run here; compare within a run."]
    lines += ["", "| machine | |", "| --- | --- |"]
    lines += [f"| {key} | {value} |" for key, value in facts.items()]
    header = "| figure | median | min–max | client CPU/op | baseline (same run) | ratio | goal |"
    lines += ["", header, "| --- | ---: | ---: | ---: | --- | ---: | --- |"]
    for row in rows:
        base = row.baseline
        baseline = f"{row.baseline_name}: {base.median:,.0f} ({base.span})" if base else ""
        figure = f"{row.figure.median:,.0f} {row.unit}"
        lines.append(
            f"| {row.name} | {figure} | {row.figure.span} | {row.figure.cpu} | {baseline} "
            f"| {row.ratio} | {row.goal} |"
        )
    notes = [f"- {row.name}: {row.notes}" for row in rows if row.notes]
    return "\n".join([*lines, "", *notes, ""] if notes else [*lines, ""])
