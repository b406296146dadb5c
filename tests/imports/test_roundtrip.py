"""Done when: the demo's whole history, exported as the import's CSV files and imported into an
empty store, gives the same status and the same findings (but late recordings), on both stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from frispor.api.import_kinds import KINDS, envelope_of
from frispor.demo import load_demo
from frispor.domain.values import Actor, Role
from frispor.imports.engine import ImportJob, run_import
from frispor.store.env import store_env
from frispor.store.open import open_app
from tests.imports.compare import snapshot
from tests.imports.history import write_history


def test_the_demo_survives_export_and_import(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of three lines and no working set kept between them: every aggregate is loaded
    # again from the store and from what the import staged, as in a file too large to hold.
    monkeypatch.setattr("frispor.imports.engine.CHUNK", 3)
    monkeypatch.setattr("frispor.imports.staging.WORKING_SET", 0)
    source = open_app(store_env(f"sqlite:///{tmp_path / 'source.sqlite'}"))
    target = open_app(store_env(database_url))
    try:
        load_demo(source)
        files = write_history(source, tmp_path)
        assert len(files) > 10
        keys: dict[tuple[str, str], tuple[str, str]] = {}
        for path, organisation in files:
            actor = Actor(id="import-test", role=Role.RECORDER, organisation=organisation)
            job = ImportJob(path, actor, KINDS, envelope_of, keys=keys)
            report = run_import(target, job)
            assert not report.refused, [r.as_text() for r in report.refused]
            assert report.stored
        before, after = snapshot(source), snapshot(target)
        assert after[0] == before[0]
        assert after[1] == before[1]
        assert before[1], "the demo has findings to compare"
    finally:
        source.close()
        target.close()
