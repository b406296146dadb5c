"""FRISPOR_CPUS: `frispor serve` keeps all its threads on the CPUs named, or refuses to start."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import httpx2
import pytest

from frispor.settings import parse_cpus
from tests.api.scenario import build
from tests.faults.support import Callers, ServerProcess, frispor_env, frispor_exe, http_api

linux_only = pytest.mark.skipif(
    not Path("/proc/self/task").exists() or not hasattr(os, "sched_getaffinity"),
    reason="placing a process on CPUs is read back through Linux's /proc",
)


@pytest.mark.parametrize(
    ("text", "cpus"), [("0", {0}), ("0,2", {0, 2}), ("1-3", {1, 2, 3}), ("0, 4-5", {0, 4, 5})]
)
def test_cpu_lists_are_read_as_taskset_writes_them(text: str, cpus: set[int]) -> None:
    assert parse_cpus(text) == cpus


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "not a CPU list"),
        ("a", "not a CPU list"),
        ("1,", "not a CPU list"),
        ("-1", "not a CPU list"),
        ("3-1", "runs backwards"),
    ],
)
def test_a_malformed_cpu_list_is_refused(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_cpus(text)


def threads_cpus(pid: int) -> dict[int, str]:
    """Each thread of a process and the CPUs it may run on, as Linux reports them."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # a thread ended
            status = (task / "status").read_text()
            line = next(x for x in status.splitlines() if x.startswith("Cpus_allowed_list:"))
            found[int(task.name)] = line.split(":", 1)[1].strip()
    return found


@linux_only
def test_serve_runs_every_thread_on_the_named_cpu(database_url: str, tmp_path: Path) -> None:
    cpu = max(os.sched_getaffinity(0))  # on a machine of several CPUs, not the default set
    callers = Callers.mint()
    with ServerProcess(database_url, callers, tmp_path, FRISPOR_CPUS=str(cpu)) as server:
        with httpx2.Client(base_url=server.url, timeout=30) as client:
            ids = build(http_api(client, callers))  # decisions in the request threads
            status = http_api(client, callers).get(
                f"/trials/{ids['trial']}", min_position=ids["position"]
            )  # the projection runners have caught up
        assert status.status_code == 200, status.text
        placed = threads_cpus(server.pid)
    # uvicorn's loop, the request threads, the runners and the pools' workers: all on `cpu`.
    assert len(placed) > 3
    assert set(placed.values()) == {str(cpu)}


@linux_only
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("99999", "FRISPOR_CPUS: CPU 99999 is not available here"),
        ("0-", "FRISPOR_CPUS: '0-' is not a CPU list"),
    ],
)
def test_serve_refuses_cpus_it_cannot_use(value: str, message: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'frispor.sqlite'}"
    done = subprocess.run(
        [frispor_exe(), "serve", "--port", "1"],
        env=frispor_env(url, FRISPOR_CPUS=value),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert message in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
