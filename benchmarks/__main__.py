"""`python -m benchmarks [--runs N] [--quick] [--only MODULE ...]`: run, print, write RESULTS.md."""

from __future__ import annotations

import argparse
import importlib
import time
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
        args.out.write_text(report)


if __name__ == "__main__":
    main()
