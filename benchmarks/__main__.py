"""`python -m benchmarks [--runs N] [--quick] [--only MODULE ...]`: run, print, write RESULTS.md.

A whole run replaces the generated part at the top of RESULTS.md; a run of some modules adds a
dated section at its end. The dated sections (hand-written notes among them) are always kept.
"""

from __future__ import annotations

import argparse
import importlib
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import Row, cpu_reference, machine_facts, render, scratch_database

# One module per figure; each has run(bench) -> list[Row]. Add yours here.
MODULES = [
    "single_decision",
    "concurrent",
    "sqlite_single",
    "projections",
    "lag",
    "ledger",
    "http",
    "million",
    "review",
    "diff",
    "imports",
    "web",
]


def main() -> None:
    """Run the figure modules on a scratch database and report them."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median, min–max)")
    parser.add_argument("--quick", action="store_true", help="less work per run (smoke test)")
    parser.add_argument("--only", nargs="*", choices=MODULES, help="run only these modules")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "RESULTS.md")
    args = parser.parse_args()
    started = time.monotonic()
    rows: list[Row] = []
    with scratch_database(args.runs, args.quick) as bench:
        facts = machine_facts(bench.database)
        speed = cpu_reference()
        for name in args.only or MODULES:
            module = importlib.import_module(f"benchmarks.{name}")
            print(f"… {name}", flush=True)
            rows += module.run(bench)
    facts["CPU speed: sum(range(10⁶)), best of 5, start / end"] = (
        f"{speed:.1f} ms / {cpu_reference():.1f} ms"
    )
    report = render(rows, facts, args.runs)
    print(report)
    print(f"({time.monotonic() - started:.0f} s)")
    if not args.quick:
        previous = args.out.read_text() if args.out.exists() else ""
        args.out.write_text(written(previous, report, args.only, args.runs))


def written(previous: str, report: str, only: list[str] | None, runs: int) -> str:
    """The results file after a run: its generated part replaced, or a dated section added."""
    at = previous.find("\n## ")
    generated, sections = (previous, "") if at < 0 else (previous[: at + 1], previous[at + 1 :])
    if not only:
        return report + ("\n" + sections if sections else "")
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = f"python -m benchmarks --only {' '.join(only)} --runs {runs}"
    body = report.partition("\n")[2]  # without the file's title
    section = f"## {', '.join(only)} ({when}, `{command}`)\n{body}"
    return generated + sections + ("\n" if sections else "") + section


if __name__ == "__main__":
    main()
