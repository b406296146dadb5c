"""`frispor demo` as a user runs it: a real process on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def frispor(
    *args: str, cwd: Path, database_url: str | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FORCE_COLOR")}
    env |= {"COLUMNS": "200", **extra}
    if database_url:
        env["DATABASE_URL"] = database_url
    exe = Path(sys.executable).with_name("frispor")
    return subprocess.run(
        [str(exe), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_demo_prints_summary_and_is_idempotent(database_url: str, tmp_path: Path) -> None:
    first = frispor("demo", cwd=tmp_path, database_url=database_url)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    for expected in (
        "Forsøg med anmeldte plejehjemstilsyn",
        "Tilkøbsydelser i hjemmeplejen",
        "Deleboliger",
        "Friinstitutioner på botilbudsområdet",
        "rule-1-protected-category",
        "magtanvendelse",
        "'value' 70 → 68",
    ):
        assert expected in out
    second = frispor("demo", cwd=tmp_path, database_url=database_url)
    assert second.returncode == 0 and "already loaded" in second.stdout
    count = lambda text: text.split(" events in the store")[0].rsplit("\n", 1)[-1]  # noqa: E731
    assert count(first.stdout) == count(second.stdout) == "56"


def test_demo_defaults_to_a_sqlite_file_in_the_working_directory(tmp_path: Path) -> None:
    result = frispor("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "frispor.sqlite").exists()
