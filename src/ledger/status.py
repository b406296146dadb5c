"""The status summary in an export (data/status.json): a small tally, meant to be replaced.

For now it counts the exported events by type and lists the aggregate ids by type. The ids
are kept in a temporary SQLite file once there are many, and the document is written as a
stream, so an export's memory does not grow with the number of aggregates.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any, Protocol

__all__ = ["StatusBuilder", "StatusFactory", "StatusTally", "write_json"]

Sink = Callable[[bytes], object]


class StatusBuilder(Protocol):
    """Sees every exported event once, in order, then writes the status document."""

    def add(self, event_type: str, aggregate_type: str, aggregate_id: str) -> None:
        """Take one exported event into account."""
        ...

    def write(self, sink: Sink) -> None:
        """Write the status document as JSON (see write_json) to sink, in pieces."""
        ...


StatusFactory = Callable[[], StatusBuilder]


def write_json(document: dict[str, Any], sink: Sink) -> None:
    """Write the bytes of json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True)."""
    sink(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True).encode())


def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


class StatusTally:
    """Counts events by type and collects aggregate ids by aggregate type."""

    def __init__(self, spill_after: int = 20_000) -> None:
        """Start empty; beyond spill_after distinct new ids, they move to a temporary file."""
        self.events: Counter[str] = Counter()
        self._recent: set[tuple[str, str]] = set()
        self._spill_after = spill_after
        self._dir: TemporaryDirectory[str] | None = None
        self._db: sqlite3.Connection | None = None

    def add(self, event_type: str, aggregate_type: str, aggregate_id: str) -> None:
        """Count one event and remember its aggregate."""
        self.events[event_type] += 1
        self._recent.add((aggregate_type, aggregate_id))
        if len(self._recent) >= self._spill_after:
            self._spill()

    def _spill(self) -> None:
        if self._db is None:
            self._dir = TemporaryDirectory(prefix="frispor-status-")
            self._db = sqlite3.connect(Path(self._dir.name) / "ids.sqlite")
            self._db.execute("PRAGMA journal_mode = OFF")
            self._db.execute("PRAGMA synchronous = OFF")
            self._db.execute(
                "CREATE TABLE ids (kind TEXT, id TEXT, PRIMARY KEY (kind, id)) WITHOUT ROWID"
            )
        self._db.executemany("INSERT OR IGNORE INTO ids VALUES (?, ?)", self._recent)
        self._recent.clear()

    def _pairs(self) -> Iterator[tuple[str, str]]:
        # (type, id) in sorted order, each once. SQLite compares text as UTF-8 bytes, which
        # orders as Python orders str (by code point).
        if self._db is None:
            yield from sorted(self._recent)
            return
        self._spill()
        yield from self._db.execute("SELECT kind, id FROM ids ORDER BY kind, id")

    def result(self) -> dict[str, Any]:
        """Return {"aggregates_by_type", "events", "events_by_type"} (all in memory)."""
        return {
            "events": sum(self.events.values()),
            "events_by_type": dict(sorted(self.events.items())),
            "aggregates_by_type": {
                kind: [i for _, i in pairs] for kind, pairs in groupby(self._pairs(), itemgetter(0))
            },
        }

    def write(self, sink: Sink) -> None:
        """Write write_json(self.result()) without holding the id lists in memory."""
        try:
            sink(b'{\n  "aggregates_by_type": ')
            self._write_ids(sink, groupby(self._pairs(), itemgetter(0)))
            sink(f',\n  "events": {sum(self.events.values())},\n  "events_by_type": '.encode())
            counts = [f"    {_text(k)}: {n}" for k, n in sorted(self.events.items())]
            sink(("{\n" + ",\n".join(counts) + "\n  }" if counts else "{}").encode() + b"\n}")
        finally:
            if self._db is not None and self._dir is not None:
                self._db.close()
                self._dir.cleanup()
                self._db = self._dir = None

    @staticmethod
    def _write_ids(sink: Sink, kinds: Iterable[tuple[str, Iterable[tuple[str, str]]]]) -> None:
        lead = "{\n"
        for kind, pairs in kinds:
            sink(f"{lead}    {_text(kind)}: [\n".encode())
            lead, sep, chunk = ",\n", "", []
            for _, aggregate_id in pairs:
                chunk.append(f"      {_text(aggregate_id)}")
                if len(chunk) == 4096:
                    sink((sep + ",\n".join(chunk)).encode())
                    sep, chunk = ",\n", []
            sink(((sep + ",\n".join(chunk)) if chunk else "").encode() + b"\n    ]")
        sink(b"{}" if lead == "{\n" else b"\n  }")
