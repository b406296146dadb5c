"""`make run`'s server: a signing key made once in keys/, and the demo's shell variables."""

from __future__ import annotations

import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx

from tests.integration.test_cli_errors import _closed_port


def _serve(tmp_path: Path, port: int) -> tuple[subprocess.Popen[str], dict[str, str], str]:
    exe = Path(sys.executable).with_name("frispor")
    env = {"DATABASE_URL": "sqlite:///frispor.sqlite", "PATH": "/usr/bin:/bin", "COLUMNS": "80"}
    server = subprocess.Popen(
        [str(exe), "serve", "--demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert server.stdout is not None
    printed, variables = "", {}
    for line in server.stdout:
        printed += line
        if line.strip().startswith("export "):
            name, value = line.strip().removeprefix("export ").split("  #")[0].split("=", 1)
            variables[name] = value.strip()
        if line.startswith("frispor API on"):
            break
    return server, variables, printed


def test_the_demo_server_signs_exports_and_prints_its_variables(tmp_path: Path) -> None:
    port = _closed_port()
    server, variables, printed = _serve(tmp_path, port)
    try:
        assert set(variables) >= {"KBH", "OIM", "AUDITOR", "AUTHORITY", "ADMIN", "TRIAL", "BASE"}
        key = tmp_path / "keys" / "signing.key"
        assert f"Made a signing key for checkpoints and exports: keys{'/'}signing.key" in printed
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        base = variables["BASE"]
        for _ in range(100):
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        auth = {"Authorization": f"Bearer {variables['AUTHORITY']}"}
        made = httpx.post(f"{base}/exports", json={}, headers=auth, timeout=30)
        assert made.status_code == 201, made.text
        kbh = {"Authorization": f"Bearer {variables['KBH']}"}
        trial = httpx.get(f"{base}/trials/{variables['TRIAL']}", headers=kbh)
        assert trial.status_code == 200 and "Tilkøb" in trial.text
    finally:
        server.terminate()
        server.wait(timeout=20)
        assert server.stdout is not None
        server.stdout.close()
    again, _, printed = _serve(tmp_path, _closed_port())
    try:
        assert "Signing key: keys/signing.key" in printed and "Made a" not in printed
    finally:
        again.terminate()
        again.wait(timeout=20)
        assert again.stdout is not None
        again.stdout.close()
