"""The ledger's commands as a user runs them: keys, export, verify, checkpoint."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from ledger_testkit import ORIGIN, add_programme, frispor

from frispor.domain.application import Frispor
from frispor.ledger import bag


@pytest.fixture
def user(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> None:
    """The environment the user's `frispor` runs in."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("FRISPOR_LEDGER_ORIGIN", ORIGIN)
    monkeypatch.setenv("FRISPOR_SIGNING_KEY", str(tmp_path / "keys" / "log.key"))


def test_keys_export_verify_round_trip(user: None, app: Frispor, tmp_path: Path) -> None:
    key = tmp_path / "keys" / "log.key"
    made = frispor("keys", "generate", "--out", str(key))
    assert made.returncode == 0, made.stdout
    assert made.stdout.strip().splitlines()[-1].startswith(f"{ORIGIN}+")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert b"BEGIN PUBLIC KEY" in (tmp_path / "keys" / "log.key.pub").read_bytes()
    again = frispor("keys", "generate", "--out", str(key))
    assert again.returncode == 1 and "refusing to overwrite" in again.stdout

    unknown = frispor("export", "--out", str(tmp_path / "b0"), "--authority", "Tilsyn")
    assert unknown.returncode == 2 and "not a known authority" in unknown.stdout
    first = frispor("export", "--out", str(tmp_path / "b1"), "--authority", "Socialtilsyn Øst")
    assert first.returncode == 0, first.stdout
    assert "wrote full export 1" in first.stdout and "56 events" in first.stdout
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
    second = frispor("export", "--out", str(tmp_path / "b2"), *args)
    assert second.returncode == 0, second.stdout
    assert "subset export 2" in second.stdout and "consistent from size 56" in second.stdout

    pub = str(tmp_path / "keys" / "log.key.pub")
    previous = str(tmp_path / "b1" / bag.CHECKPOINT)
    ok = frispor("verify", str(tmp_path / "b2"), "--key", pub, "--previous", previous)
    assert ok.returncode == 0, ok.stdout
    assert ok.stdout.startswith("OK: subset export of ") and "consistent with size 56" in ok.stdout

    lines = (tmp_path / "b2" / bag.EVENTS_JSONL).read_bytes().splitlines(keepends=True)
    (tmp_path / "b2" / bag.EVENTS_JSONL).write_bytes(b"".join(lines[1:]))
    bad = frispor("verify", str(tmp_path / "b2"), "--key", pub)
    assert bad.returncode == 1
    assert bad.stdout.startswith("FAILED: data/events.jsonl line 1: missing — leaf ")


def test_checkpoint_and_missing_key(user: None, app: Frispor, tmp_path: Path) -> None:
    no_key = frispor("checkpoint")
    assert no_key.returncode == 2 and "cannot use the signing key" in no_key.stdout
    frispor("keys", "generate", "--out", str(tmp_path / "keys" / "log.key"))
    cut = frispor("checkpoint")
    assert cut.returncode == 0, cut.stdout
    assert cut.stdout.startswith(f"{ORIGIN}\n56\n") and f"\n\n— {ORIGIN} " in cut.stdout
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    refused = frispor("export", "--out", str(busy))
    assert refused.returncode == 1 and "not an empty directory" in refused.stdout
    bad_area = frispor("export", "--out", str(tmp_path / "z"), "--area", "mars")
    assert bad_area.returncode == 2
