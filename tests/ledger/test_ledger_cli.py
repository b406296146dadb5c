"""The ledger's commands as a user runs them: keys, export, verify, checkpoint."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import typer
from ledger_testkit import ORIGIN, add_programme
from typer.testing import CliRunner

from frispor.cli.ledger import register
from frispor.domain.application import Frispor
from frispor.ledger import bag


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer(no_args_is_help=True)

    @app.callback()
    def _root() -> None:
        """frispor (test)."""

    register(app)
    return app


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("FRISPOR_LEDGER_ORIGIN", ORIGIN)
    monkeypatch.setenv("FRISPOR_SIGNING_KEY", str(tmp_path / "keys" / "log.key"))
    return CliRunner()


def test_keys_export_verify_round_trip(
    cli: typer.Typer, runner: CliRunner, app: Frispor, tmp_path: Path
) -> None:
    key = tmp_path / "keys" / "log.key"
    made = runner.invoke(cli, ["keys", "generate", "--out", str(key)])
    assert made.exit_code == 0, made.output
    assert made.output.strip().splitlines()[-1].startswith(f"{ORIGIN}+")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert b"BEGIN PUBLIC KEY" in (tmp_path / "keys" / "log.key.pub").read_bytes()
    again = runner.invoke(cli, ["keys", "generate", "--out", str(key)])
    assert again.exit_code == 1 and "refusing to overwrite" in again.output

    unknown = runner.invoke(cli, ["export", "--out", str(tmp_path / "b0"), "--authority", "Tilsyn"])
    assert unknown.exit_code == 2 and "not a known authority" in unknown.output
    first = runner.invoke(
        cli, ["export", "--out", str(tmp_path / "b1"), "--authority", "Socialtilsyn Øst"]
    )
    assert first.exit_code == 0, first.output
    assert "wrote full export 1" in first.output and "56 events" in first.output
    # Recorded in the trail like an export over HTTP.
    recorded = app.mapper.to_domain_event(app.recorder.select_notifications(start=57, limit=1)[0])
    assert type(recorded).__qualname__ == "Export.Recorded"
    assert (recorded.authority, recorded.export_number) == ("Socialtilsyn Øst", 1)  # type: ignore[attr-defined]
    add_programme(app)
    args = [
        "--authority",
        "Socialtilsyn Øst",
        "--area",
        "aeldre",
        "--from",
        "2018-01-01",
        "--to",
        "2018-12-31",
    ]
    second = runner.invoke(cli, ["export", "--out", str(tmp_path / "b2"), *args])
    assert second.exit_code == 0, second.output
    assert "subset export 2" in second.output and "consistent from size 56" in second.output

    pub = str(tmp_path / "keys" / "log.key.pub")
    previous = str(tmp_path / "b1" / bag.CHECKPOINT)
    ok = runner.invoke(cli, ["verify", str(tmp_path / "b2"), "--key", pub, "--previous", previous])
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("OK: subset export of ") and "consistent with size 56" in ok.output

    lines = (tmp_path / "b2" / bag.EVENTS_JSONL).read_bytes().splitlines(keepends=True)
    (tmp_path / "b2" / bag.EVENTS_JSONL).write_bytes(b"".join(lines[1:]))
    bad = runner.invoke(cli, ["verify", str(tmp_path / "b2"), "--key", pub])
    assert bad.exit_code == 1
    assert bad.stderr.startswith("FAILED: data/events.jsonl line 1: missing — leaf ")


def test_checkpoint_and_missing_key(
    cli: typer.Typer, runner: CliRunner, app: Frispor, tmp_path: Path
) -> None:
    no_key = runner.invoke(cli, ["checkpoint"])
    assert no_key.exit_code == 2 and "cannot use the signing key" in no_key.output
    runner.invoke(cli, ["keys", "generate", "--out", str(tmp_path / "keys" / "log.key")])
    cut = runner.invoke(cli, ["checkpoint"])
    assert cut.exit_code == 0, cut.output
    assert cut.output.startswith(f"{ORIGIN}\n56\n") and f"\n\n— {ORIGIN} " in cut.output
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    refused = runner.invoke(cli, ["export", "--out", str(busy)])
    assert refused.exit_code == 1 and "not an empty directory" in refused.output
    bad_area = runner.invoke(cli, ["export", "--out", str(tmp_path / "z"), "--area", "mars"])
    assert bad_area.exit_code == 2
