"""HTTP: a decision POST and a status GET through `frispor serve` (1 uvicorn worker) against
bare FastAPI routes doing the least that job needs; loaded with wrk on loopback."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.common import Bench, Figure, Row
from frispor.credentials.tokens import token_sha256
from frispor.domain.application import Frispor
from frispor.store.env import store_env
from frispor.store.open import open_app

TOKEN = "bench-token-not-secret"
BODY = {
    "decided_on": "2018-01-02",
    "legal_basis": [{"act": "eli/lta/2017/658", "path": "§ 1"}],
    "justification": "benchmark",
    "name": "Frikommuneforsøg",
    "kind": "frikommune",
    "enabling_act": {"act": "eli/lta/2017/658", "path": "§ 1"},
    "ministry": "Økonomi- og Indenrigsministeriet",
    "period": {"start": "2016-01-01", "end": "2021-12-31"},
    "protected_categories": ["magtanvendelse"],
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _process(argv: list[str], env: dict[str, str]) -> Iterator[Callable[[], None]]:
    """Run a command for the block; yields a check that raises if it has stopped meanwhile."""
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: never fills up and blocks
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=errors)

        def alive() -> None:
            if proc.poll() is not None:
                errors.seek(0)
                raise RuntimeError(f"{argv[-1]} stopped: {errors.read().decode()[-500:]}")

        try:
            yield alive
        finally:
            proc.terminate()
            proc.wait(10)


@contextmanager
def _server(argv: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    with _process(argv, env) as alive:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            alive()
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"{argv[-1]} did not answer on port {port} within 30 s")
        yield f"http://127.0.0.1:{port}"


def _wrk(url: str, seconds: int, script: Path | None = None) -> tuple[float, float]:
    """Requests per second and p99 latency (ms) from one wrk run (2 threads, 32 connections)."""
    argv = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", url]
    if script:
        argv[1:1] = ["-s", str(script)]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    p99, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise RuntimeError(f"{bad[1]} failed requests against {url}")
    return rate, float(p99) * scale


def run(bench: Bench) -> list[Row]:
    """POST and GET through frispor and through the bare app, interleaved runs."""
    if shutil.which("wrk") is None:
        print("  (skipped: wrk is not installed; apt-get install wrk)", flush=True)
        return []
    url = bench.schema_url()
    app = open_app(store_env(url))
    try:
        trial = _trial(app)
    finally:
        app.close()
    work = Path(tempfile.mkdtemp(prefix="frispor-http-"))
    body = json.dumps(json.dumps(BODY, ensure_ascii=False), ensure_ascii=False)  # a Lua string
    post = work / "post.lua"
    headers = f'wrk.headers["Authorization"] = "Bearer {TOKEN}"\n'
    post.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"{headers}wrk.body = {body}\n"
    )
    get = work / "get.lua"
    get.write_text(headers)
    bare_post = work / "bare_post.lua"
    bare_post.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {body}\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BARE_DATABASE_URL": url.split("?")[0],
        "FRISPOR_TOKENS": json.dumps(
            [
                {
                    "sha256": token_sha256(TOKEN),
                    "subject": "bench",
                    "role": "recorder",
                    "organisation": "Økonomi- og Indenrigsministeriet",
                }
            ]
        ),
    }
    seconds = 3 if bench.quick else 5
    try:
        anywhere = _measure(bench, env, trial, seconds, (post, get, bare_post), cpus=None)
        cpus = sorted(os.sched_getaffinity(0))
        cpu, other = str(cpus[0]), str(cpus[-1])
        split = _measure(bench, env, trial, seconds, (post, get, bare_post), cpus=(cpu, other))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = []
    placed = f" on CPU {cpu}, projections in `frispor project` on CPU {other}"
    for results, where in ((anywhere, ""), (split, placed)):

        def fig(key: str, results: Results = results) -> Figure:
            return Figure(tuple(r for r, _ in results[key]))

        def p99(key: str, results: Results = results) -> str:
            return f"{sorted(p for _, p in results[key])[len(results[key]) // 2]:.1f} ms"

        rows += [
            Row(
                f"decision POST through HTTP (1 uvicorn worker{where})",
                "requests/s",
                fig("fp"),
                "bare FastAPI: pydantic body + one INSERT",
                fig("bp"),
                goal="≥ 0.7×",
                notes=f"POST /programmes; wrk 2 threads × 32 connections; p99 {p99('fp')} "
                f"(bare {p99('bp')})",
            ),
            Row(
                f"status GET through HTTP (1 uvicorn worker{where})",
                "requests/s",
                fig("fg"),
                "bare FastAPI: one row by key",
                fig("bg"),
                goal="≥ 0.8×, p99 printed",
                notes=f"GET /trials/{{id}}; p99 {p99('fg')} (bare {p99('bg')})",
            ),
        ]
    return rows


Results = dict[str, list[tuple[float, float]]]


def _measure(
    bench: Bench,
    env: dict[str, str],
    trial: str,
    seconds: int,
    scripts: tuple[Path, Path, Path],
    cpus: tuple[str, str] | None,
) -> Results:
    """wrk against frispor and the bare app, interleaved.

    With `cpus` (server, projections): both servers on the first CPU, and frispor's read models
    and ledger followed by `frispor project` on the second, as FRISPOR_CPUS places them.
    """
    post, get, bare_post = scripts
    results: Results = {k: [] for k in ("fp", "bp", "fg", "bg")}
    p1, p2 = _free_port(), _free_port()
    exe = str(Path(sys.executable).with_name("frispor"))
    frispor = [exe, "serve", "--port", str(p1)]
    bare = [sys.executable, "-m", "benchmarks.bare_app", "--port", str(p2)]
    projector: contextlib.AbstractContextManager[Callable[[], None]]
    projector = contextlib.nullcontext(lambda: None)
    if cpus is not None:
        projector = _process([exe, "project"], env | {"FRISPOR_CPUS": cpus[1]})
        env = env | {"FRISPOR_CPUS": cpus[0], "FRISPOR_RUN_PROJECTIONS": "false"}
        bare += ["--cpus", cpus[0]]
    with projector as projecting, _server(frispor, env, p1) as f, _server(bare, env, p2) as b:
        _wrk(f"{f}/trials/{trial}", 1, get)  # warm
        _wrk(f"{b}/bare", 1, bare_post)
        for _ in range(bench.runs):
            results["fp"].append(_wrk(f"{f}/programmes", seconds, post))
            results["bp"].append(_wrk(f"{b}/bare", seconds, bare_post))
            results["fg"].append(_wrk(f"{f}/trials/{trial}", seconds, get))
            results["bg"].append(_wrk(f"{b}/bare/1", seconds))
        projecting()  # the read models were followed all along, not left behind
    return results


def _trial(app: Frispor) -> str:
    from frispor.demo import load_demo

    return str(load_demo(app).ids["trial:plejehjemstilsyn"])
