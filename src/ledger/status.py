"""The status summary in an export (data/status.json): a small tally, meant to be replaced.

For now it counts the exported events by type and lists the aggregate ids by type. The ids
are kept in a temporary file (store/scratch.py) once there are many, and the document is
written as a stream, so an export's memory does not grow with the number of aggregates.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from typing import Any, Protocol

from frispor.store.scratch import SortedPairs

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
        self._spilled: SortedPairs | None = None

    def add(self, event_type: str, aggregate_type: str, aggregate_id: str) -> None:
        """Count one event and remember its aggregate."""
        self.events[event_type] += 1
        self._recent.add((aggregate_type, aggregate_id))
        if len(self._recent) >= self._spill_after:
            self._spill()

    def _spill(self) -> None:
        if self._spilled is None:
            self._spilled = SortedPairs()
        self._spilled.add(self._recent)
        self._recent.clear()

    def _pairs(self) -> Iterator[tuple[str, str]]:
        # (type, id) in sorted order, each once.
        if self._spilled is None:
            yield from sorted(self._recent)
            return
        self._spill()
        yield from self._spilled.sorted()

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
            if self._spilled is not None:
                self._spilled.close()
                self._spilled = None

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
