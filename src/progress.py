"""Progress of long commands: a bar on standard error when it is a terminal, nothing otherwise.

A pipe or a file gets the command's output alone. The work reports to a `Steps` (the ledger's
protocol: `begin(label, total)` for each phase, `advance(n)`), so it knows nothing of terminals.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress, TaskID


class Bar:
    """Steps drawn as one bar per phase, each removed when the next begins."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def begin(self, label: str, total: int | None) -> None:
        """Start a phase's bar (a pulsing one if its size is not known)."""
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task(label, total=total)

    def advance(self, done: int) -> None:
        """Move the current bar on."""
        if self.task is not None:
            self.progress.advance(self.task, done)


@contextmanager
def shown(label: str | None = None, total: int | None = None) -> Iterator[Bar]:
    """Progress on standard error while the block runs; `label` starts a first phase."""
    console = Console(stderr=True)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as progress:
        bar = Bar(progress)
        if label is not None:
            bar.begin(label, total)
        yield bar
