"""Placing the server process on chosen CPUs (`FRISPOR_CPUS`), as `taskset -c` would."""

from __future__ import annotations

import os
from pathlib import Path


def pin(cpus: frozenset[int]) -> None:
    """Run every thread of this process, and each one it starts later, on these CPUs only."""
    if not hasattr(os, "sched_setaffinity"):
        raise ValueError("this platform cannot place a process on CPUs")
    allowed = os.sched_getaffinity(0)
    if not cpus <= allowed:
        missing = ",".join(map(str, sorted(cpus - allowed)))
        usable = ",".join(map(str, sorted(allowed)))
        raise ValueError(f"CPU {missing} is not available here (usable: {usable})")
    # Linux sets affinity per thread: threads already running (a connection pool's workers)
    # are placed one by one; threads started afterwards inherit it from their parent.
    tasks = Path("/proc/self/task")
    for tid in sorted(int(t.name) for t in tasks.iterdir()) if tasks.exists() else [0]:
        try:
            os.sched_setaffinity(tid, cpus)
        except ProcessLookupError:
            pass  # the thread ended meanwhile
