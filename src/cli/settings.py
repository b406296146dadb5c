"""The settings of one command: read from the environment once per invocation, not per step."""

from __future__ import annotations

from frispor.settings import Settings

_read: list[Settings] = []  # this invocation's settings, once read


def forget() -> None:
    """Start an invocation: a second command in one process (a test) reads the settings afresh."""
    _read.clear()


def settings() -> Settings:
    """This invocation's settings, read when first needed (a command may need none)."""
    if not _read:
        _read.append(Settings())
    return _read[0]
