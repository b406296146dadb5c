"""What the fault suites share: a throwaway PostgreSQL cluster, API servers, callers, big stores.

Nothing here touches the shared PostgreSQL server's process: a test that stops or restarts
PostgreSQL gets a cluster of its own (initdb in a temporary directory, a free loopback port, trust
auth), stopped and removed at the end, also when the test fails.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn, cast
from uuid import UUID, uuid4

import httpx2
import psycopg
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from frispor.credentials.tokens import new_token
from frispor.domain.aggregate import Context, Envelope
from frispor.domain.application import Frispor
from frispor.domain.commands import RecordMeasurement, SetGoal
from frispor.domain.goal import Goal, GoalTerms, Measure
from frispor.domain.values import Actor, Direction, Frequency, LegalReference, Period, Quality, Role
from frispor.settings import TokenEntry
from tests.api.conftest import CALLERS, Api
from tests.conftest import PG_ADMIN_URL

CI = os.environ.get("CI") == "true"


def unavailable(reason: str) -> NoReturn:
    """Skip with the reason, or fail when CI=true (a missing prerequisite is a broken CI)."""
    if CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    what: str, predicate: Callable[[], bool], timeout: float, every: float = 0.05
) -> None:
    """Poll until `predicate()` holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


# --- callers ----------------------------------------------------------------------------------


@dataclass
class Callers:
    """A fresh token per kind of caller (the API suite's callers) and the entries to configure."""

    tokens: dict[str, str] = field(default_factory=dict)
    entries: list[TokenEntry] = field(default_factory=list)

    @classmethod
    def mint(cls) -> Callers:
        callers = cls()
        for who, (role, organisation, area) in CALLERS.items():
            token, entry = new_token(role, organisation, who, area)
            callers.tokens[who] = token
            callers.entries.append(entry)
        return callers

    def env_json(self) -> str:
        """The entries as `FRISPOR_TOKENS` wants them."""
        return "[" + ",".join(e.model_dump_json() for e in self.entries) + "]"


def http_api(client: httpx2.Client, callers: Callers) -> Api:
    """The API suite's client helper over a real HTTP connection (httpx2, like TestClient)."""
    # TestClient is an httpx2.Client; the helper only uses the methods both have.
    return Api(cast(TestClient, client), callers.tokens)


# --- servers ----------------------------------------------------------------------------------


@contextlib.contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
    """Serve an app with uvicorn on a free loopback port in a thread; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        wait_until("the API to start", lambda: server.started or not thread.is_alive(), 30)
        if not server.started:
            pytest.fail("the API did not start (see the log above)")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        assert not thread.is_alive(), "uvicorn did not stop within 30 s"


def frispor_exe() -> str:
    """The `frispor` console script of the running interpreter's environment."""
    exe = Path(sys.executable).with_name("frispor")
    if not exe.exists():
        unavailable(f"no frispor console script beside {sys.executable}")
    return str(exe)


def frispor_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a `frispor` process: this one's, without settings of the outer shell."""
    env = {
        k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("FRISPOR_")
    }
    return env | {"DATABASE_URL": database_url, "COLUMNS": "200"} | extra


def _default_signals() -> None:
    """In the child, before exec: SIGINT and SIGTERM as a fresh process has them.

    A shell that starts the test runner in the background sets SIGINT to "ignore", and an
    ignored signal stays ignored across exec: Python would then install no KeyboardInterrupt
    handler, and a child asked to stop with SIGINT would run on until killed.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def spawn(args: list[str], **options: Any) -> subprocess.Popen[bytes]:
    """Start a child that stops on SIGINT or SIGTERM however the test runner was started.

    In a session of its own, so a Ctrl-C at the terminal reaches only the runner, which then
    stops its children itself.
    """
    return subprocess.Popen(args, start_new_session=True, preexec_fn=_default_signals, **options)


class ServerProcess:
    """`frispor serve` as its own process; its stdout and stderr are drained into a log file."""

    def __init__(self, database_url: str, callers: Callers, workdir: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"serve-{self.port}.log"
        self.env = frispor_env(database_url, FRISPOR_TOKENS=callers.env_json(), **env)
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None
        self._drain: threading.Thread | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 60) -> None:
        # A pipe, not a file: the server's own file writes may be what a test makes fail.
        self.process = spawn(
            [frispor_exe(), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self.workdir,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self._drain = threading.Thread(target=self._copy_log, daemon=True)
        self._drain.start()

        def up() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                pytest.fail(f"frispor serve exited early:\n{self.log()}")
            try:
                httpx2.get(f"{self.url}/health", timeout=2)
            except httpx2.TransportError:
                return False
            return True

        wait_until("frispor serve to answer /health", up, timeout, every=0.1)

    def _copy_log(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        with self.log_path.open("ab") as log:
            for line in self.process.stdout:
                log.write(line)
                log.flush()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        """SIGTERM (uvicorn shuts down gracefully), then SIGKILL if it lingers."""
        process, self.process = self.process, None
        if process is None:
            return
        try:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)
        finally:
            if self._drain is not None:
                self._drain.join(10)
            if process.stdout is not None:
                process.stdout.close()

    def __enter__(self) -> ServerProcess:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- a throwaway PostgreSQL cluster -----------------------------------------------------------


def pg_bindir() -> Path | None:
    """Where initdb and pg_ctl live: pg_config, the Debian layout, or the PATH."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            )
            candidates.append(Path(out.stdout.strip()))

    def version(path: str) -> int:
        part = Path(path).parent.name
        return int(part) if part.isdigit() else 0

    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    candidates += [Path(p) for p in debian]
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    return None


class PgCluster:
    """A PostgreSQL cluster of this test's own, in a temporary directory on a free port."""

    def __init__(self) -> None:
        bindir = pg_bindir()
        if bindir is None:
            unavailable("no PostgreSQL binaries (initdb, pg_ctl) found via pg_config or PATH")
        self.bindir = bindir
        self.user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:  # initdb refuses root: run the cluster as the postgres OS user
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                unavailable("running as root and there is no 'postgres' OS user for initdb")
        self.root = Path(tempfile.mkdtemp(prefix="frispor-pg-"))
        if self.user is not None:
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        self.data = self.root / "data"
        self.port = free_port()
        self.host = "127.0.0.1"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/{dbname}"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        extra: dict[str, Any] = {}
        if self.user is not None:
            extra = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        return subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.root,
            env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C", "TZ": "UTC"},
            **extra,
        )

    def _check(self, *args: str, timeout: float = 60) -> None:
        done = self._run(*args, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args[:2])} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
                f"\n{self.server_log()}"
            )

    def init(self) -> None:
        self._check(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )

    def _pg_ctl(self, action: str, *args: str) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses={self.host} -c max_connections=60"
        )
        self._check(
            "pg_ctl",
            action,
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            *args,
            timeout=90,
        )

    def start(self) -> None:
        self._pg_ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self._check("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60")

    def restart(self, mode: str = "fast") -> None:
        self._pg_ctl("restart", "-m", mode)

    def server_log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def destroy(self) -> None:
        """Stop the server if it runs (immediate mode) and remove every file of the cluster."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[PgCluster]:
    """A running cluster of our own; stopped and removed at the end, also on failure."""
    cluster = PgCluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


# --- a proxy that loses one answer ------------------------------------------------------------


Flag = threading.Event


class AnswerLosingProxy:
    """A TCP proxy to PostgreSQL; armed, it lets one write of events through, waits until the
    server has finished it (ReadyForQuery: committed, in autocommit) and then cuts the
    connection instead of passing the answer on, as a network that fails at that moment would.

    Use `sslmode=disable` (PGSSLMODE) for connections through it: it reads the protocol.
    """

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = int(self.listener.getsockname()[1])
        self.armed = threading.Event()
        self.cut = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def __enter__(self) -> AnswerLosingProxy:
        self._spawn(self._accept)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        self.listener.close()
        for thread in self._threads:
            thread.join(10)

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            server = socket.create_connection(self.target, timeout=10)
            server.settimeout(None)
            with self._lock:
                self._sockets += [client, server]
            doomed = threading.Event()
            self._spawn(self._upstream, client, server, doomed)
            self._spawn(self._downstream, server, client, doomed)

    @staticmethod
    def writes_events(chunk: bytes) -> bool:
        """A Bind of domain.recorder's prepared insert, or a plain INSERT into the events."""
        at = chunk.find(b"insert_events\x00")
        if at >= 6 and chunk[at - 6 : at - 5] == b"B" and chunk[at - 1] == 0:
            return True  # 'B', length, empty portal name, then the statement's name
        return b"INSERT INTO" in chunk and b"_events" in chunk

    def _upstream(self, client: socket.socket, server: socket.socket, doomed: Flag) -> None:
        with contextlib.suppress(OSError):
            while chunk := client.recv(65536):
                if self.armed.is_set() and self.writes_events(chunk):
                    self.armed.clear()
                    doomed.set()  # before the server can answer
                server.sendall(chunk)

    def _downstream(self, server: socket.socket, client: socket.socket, doomed: Flag) -> None:
        pending = b""
        with contextlib.suppress(OSError):
            while chunk := server.recv(65536):
                if not doomed.is_set():
                    client.sendall(chunk)
                    continue
                pending += chunk  # the answer to the doomed write: parse it, pass nothing on
                while len(pending) >= 5:
                    kind, size = pending[:1], int.from_bytes(pending[1:5], "big")
                    if len(pending) < 1 + size:
                        break
                    pending = pending[1 + size :]
                    if kind == b"Z":  # ReadyForQuery: the server is done, the commit made
                        self.cut.set()
                        for sock in (client, server):
                            with contextlib.suppress(OSError):
                                sock.shutdown(socket.SHUT_RDWR)
                        return


# --- a database of its own on the shared server ---------------------------------------------


@contextlib.contextmanager
def scratch_database(prefix: str = "frispor_fault") -> Iterator[str]:
    """A database of this test's own on the shared server (dropped at the end); its URL."""
    admin_url = PG_ADMIN_URL
    name = f"{prefix}_{uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        unavailable(f"PostgreSQL at {admin_url} is unreachable: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- a store with thousands of events, written quickly ----------------------------------------

BASIS = LegalReference.parse("eli/lta/2017/658", "§ 1", "lov om frikommunenetværk")
INSPECTOR = Actor(id="tilsyn", role=Role.RECORDER, organisation="kommune:101")


def fill_with_measurements(app: Frispor, trial_id: UUID, goals: int, per_goal: int) -> int:
    """Set `goals` goals on a trial with `per_goal` measurements each; one save per goal."""
    envelope = Envelope(
        actor=INSPECTOR,
        legal_basis=(BASIS,),
        justification="Kvartalsopgørelse",
        decided_on=date(2018, 1, 1),
    )
    terms = GoalTerms(
        indicator="Andel med handleplan",
        definition="Handleplaner inden 30 dage",
        unit="%",
        data_source="Tilsynsdatabasen",
        baseline=Measure(value=Decimal("40"), on=date(2017, 9, 1)),
        target=Measure(value=Decimal("80"), on=date(2018, 4, 30)),
        direction=Direction.HIGHER,
        frequency=Frequency.MONTHLY,
    )
    written = 0
    for _ in range(goals):
        goal_id = app.set_goal(envelope, trial_id, SetGoal(terms=terms)).id
        goal = app.get(Goal, goal_id)
        for n in range(per_goal):
            start = date(2017, 9, 1) + timedelta(days=n % 240)
            ctx = Context(envelope=envelope, recorded_at=app.clock())
            goal.record(
                ctx,
                RecordMeasurement(
                    period=Period(start=start, end=start + timedelta(days=6)),
                    value=Decimal(40 + n % 45),
                    source="Tilsynsdatabasen",
                    quality=Quality.FINAL,
                ),
            )
        app.save(goal)
        written += 1 + per_goal
    return written
