"""Progress of the ledger's long commands: export, checkpoint's sync, verify report every step."""

from __future__ import annotations

from pathlib import Path

import pytest

from frispor.domain.application import Frispor
from frispor.ledger.bag import Scope
from frispor.ledger.export import export_bag
from frispor.ledger.follow import sync
from frispor.ledger.signer import Signer
from frispor.ledger.store import TreeStore
from frispor.ledger.verify import verify_bag
from frispor.progress import shown


class Recorded:
    """Steps that keep what they are told: each phase with its total and what was done."""

    def __init__(self) -> None:
        self.phases: list[tuple[str, int | None, int]] = []

    def begin(self, label: str, total: int | None) -> None:
        self.phases.append((label, total, 0))

    def advance(self, done: int) -> None:
        label, total, so_far = self.phases[-1]
        self.phases[-1] = (label, total, so_far + done)


def test_export_reports_the_tree_and_every_event_written(
    store: TreeStore, app: Frispor, signer: Signer, tmp_path: Path
) -> None:
    steps = Recorded()
    result = export_bag(store, app.recorder, signer, tmp_path / "bag", Scope(), steps=steps)
    assert result.event_count == 56
    assert steps.phases == [("ledger", 56, 56), ("export", 56, 56)]


def test_sync_reports_only_what_the_tree_lacks(store: TreeStore, app: Frispor) -> None:
    sync(store, app.recorder)
    steps = Recorded()
    assert sync(store, app.recorder, steps=steps) == 56
    assert steps.phases == [("ledger", 0, 0)]


def test_verify_reports_its_phases_with_the_bag_s_event_count(
    store: TreeStore, app: Frispor, signer: Signer, tmp_path: Path
) -> None:
    export_bag(store, app.recorder, signer, tmp_path / "bag", Scope())
    steps = Recorded()
    assert verify_bag(tmp_path / "bag", signer.public_pem(), steps=steps).event_count == 56
    # 56 lines are fewer than one step of the line loop: the events phase tells its total only.
    assert steps.phases == [("leaf hashes", None, 0), ("events", 56, 0), ("checksums", None, 0)]


@pytest.mark.parametrize(("force", "drawn"), [("", False), ("1", True)])
def test_a_bar_is_drawn_on_a_terminal_only(
    monkeypatch: pytest.MonkeyPatch, force: str, drawn: bool
) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    if force:
        monkeypatch.setenv("FORCE_COLOR", force)  # what rich takes for a terminal
    with shown("work", 3) as bar:
        bar.advance(2)
        assert bar.progress.disable is not drawn
        assert [t.completed for t in bar.progress.tasks] == [2]
