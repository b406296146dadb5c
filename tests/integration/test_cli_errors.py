"""A command given a bad date, an unreachable or a missing database: one line, exit 2."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_cli_demo import frispor


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["review", "--as-of", "2018-13-45"], "month must be in 1..12"),
        (["replay", "--known-at", "i går"], "Invalid isoformat string"),
        (["diff", "--known-at", "2018-01-01", "--known-at", "2019-02-30"], "day is out of range"),
    ],
)
def test_a_bad_date_is_one_line(
    database_url: str, tmp_path: Path, args: list[str], said: str
) -> None:
    done = frispor(*args, cwd=tmp_path, database_url=database_url)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and said in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_an_unreachable_or_missing_database_is_one_line(pg_database: str, tmp_path: Path) -> None:
    base = pg_database.rsplit("/", 1)[0]
    for url, said in (
        (f"postgresql://postgres@127.0.0.1:{_closed_port()}/frispor", "Connection refused"),
        (f"{base}/no_such_database_here", 'database "no_such_database_here" does not exist'),
        (f"sqlite:///{tmp_path}/no/such/folder/x.sqlite", "unable to open database file"),
    ):
        for command in (["review"], ["import", "x.jsonl", "--organisation", "kommune:101"]):
            (tmp_path / "x.jsonl").write_text("")
            done = frispor(*command, cwd=tmp_path, database_url=url)
            assert done.returncode == 2, done.stderr
            assert done.stderr.strip().count("\n") == 0 and said in done.stderr, done.stderr


def test_serve_says_when_nobody_can_sign_in(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("frispor")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite", "PATH": "/usr/bin:/bin"}
    server = subprocess.Popen(
        [str(exe), "serve", "--port", str(_closed_port())],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
    finally:
        server.terminate()
        server.wait(timeout=20)
        if server.stdout is not None:
            server.stdout.close()
    assert "Ingen adgang er sat op" in first and "frispor tokens create" in first
