"""Under CI=true a missing prerequisite fails the run instead of skipping quietly.

pytest runs again in a child process on suites that need something beyond the package: the
schemathesis suite with schemathesis made unimportable, and the bag checks with `openssl` and
`sha256sum` off the PATH. With CI=true each must fail naming what is missing; without it, skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def pytest_run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def environment(tmp_path: Path, ci: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"CI", "PYTHONPATH"}}
    return env | ({"CI": "true"} if ci else {})


@pytest.mark.parametrize("ci", [True, False])
def test_a_missing_schemathesis_fails_under_ci(tmp_path: Path, ci: bool) -> None:
    shadow = tmp_path / "shadow" / "schemathesis"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(  # as Python says it when the package is absent
        "raise ModuleNotFoundError(\"No module named 'schemathesis'\", name='schemathesis')\n"
    )
    env = environment(tmp_path, ci) | {"PYTHONPATH": str(shadow.parent)}
    # Its pytest plugin goes too, as it would with the package not installed.
    done = pytest_run(["-p", "no:schemathesis", "tests/api/test_schemathesis.py", "--co"], env)
    if ci:
        assert done.returncode != 0, done.stdout
        assert "CI=true, so nothing may skip" in done.stdout, done.stdout
        assert "schemathesis" in done.stdout
    else:
        assert done.returncode in (0, 5), done.stdout  # skipped: nothing collected
        assert "CI=true" not in done.stdout


@pytest.mark.parametrize("ci", [True, False])
def test_missing_openssl_and_sha256sum_fail_under_ci(tmp_path: Path, ci: bool) -> None:
    bin_dir = tmp_path / "bin"  # only the interpreter: no openssl, no sha256sum
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    env = environment(tmp_path, ci) | {"PATH": str(bin_dir)}
    done = pytest_run(
        ["tests/ledger/test_ledger_export.py", "-k", "sha256sum_and_openssl", "-rs"], env
    )
    if ci:
        assert done.returncode == 1, done.stdout
        assert "CI=true, so nothing may skip" in done.stdout, done.stdout
    else:
        assert done.returncode == 0, done.stdout
        assert "skipped" in done.stdout
