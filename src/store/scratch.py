"""A scratch table on disk: distinct pairs kept in a temporary SQLite file, read back sorted."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from tempfile import TemporaryDirectory


class SortedPairs:
    """A set of (kind, id) pairs too large for memory; gone when closed."""

    def __init__(self) -> None:
        """Create the file; nothing survives a crash, so nothing is synced."""
        self._dir = TemporaryDirectory(prefix="frispor-status-")
        self._db = sqlite3.connect(Path(self._dir.name) / "ids.sqlite")
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute(
            "CREATE TABLE ids (kind TEXT, id TEXT, PRIMARY KEY (kind, id)) WITHOUT ROWID"
        )

    def add(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Keep these pairs; one already kept is kept once."""
        self._db.executemany("INSERT OR IGNORE INTO ids VALUES (?, ?)", pairs)

    def sorted(self) -> Iterator[tuple[str, str]]:
        """Every pair once, by kind then id. SQLite compares text as UTF-8 bytes, which orders
        as Python orders str (by code point)."""
        yield from self._db.execute("SELECT kind, id FROM ids ORDER BY kind, id")

    def close(self) -> None:
        """Remove the file."""
        self._db.close()
        self._dir.cleanup()
