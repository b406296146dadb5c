"""Streams the events of an export into the bag: JSON Lines, CSV and the ledger evidence.

Memory is bounded by the batch: leaves in scope and their events are read together, one
page of leaf indices at a time (one query each), and lines are written and hashed as they
go. A full export carries every leaf hash (the verifier rebuilds the root); a subset
export carries one inclusion proof per line.

One worker thread overlaps the rest with the formatting: it reads the next page from
PostgreSQL and writes (and hashes) the previous page's bytes, both of which release the
GIL. The worker runs its jobs in order, so the files are written in order.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from frispor.ledger import tree
from frispor.ledger.bag import (
    EVENTS_CSV,
    EVENTS_JSONL,
    INCLUSION_PROOFS,
    LEAF_HASHES,
    HashingWriter,
    Scope,
    format_line,
)
from frispor.ledger.compact import CompactRange
from frispor.ledger.export_format import (
    CSV_HEADER,
    csv_row,
    fast_csv_row,
    fast_leaf,
    leaf_json,
    quoted,
)
from frispor.ledger.status import StatusBuilder
from frispor.ledger.store import ExportRow, StoredCheckpoint, TreeStore
from frispor.ledger.tree import MemoryNodeStore

if TYPE_CHECKING:
    from frispor.ledger.steps import Steps

__all__ = ["CSV_HEADER", "ExportError", "StreamedFile", "write_events"]

# Pages formatted but not yet written: enough to keep the worker busy, and no more.
_IN_FLIGHT = 1


class ExportError(RuntimeError):
    """An export cannot be made faithfully (the ledger and the events disagree, or bad input)."""


@dataclass(frozen=True)
class StreamedFile:
    """A file written while streaming: its bag path, SHA-256 and size."""

    path: str
    sha256: str
    size: int


class _Streams:
    def __init__(self, root: Path, full: bool) -> None:
        self.reference_path = LEAF_HASHES if full else INCLUSION_PROOFS
        self.events = HashingWriter(root / EVENTS_JSONL)
        self.csv = HashingWriter(root / EVENTS_CSV)
        self.reference = HashingWriter(root / self.reference_path)
        self.csv.write((",".join(CSV_HEADER) + "\r\n").encode())

    def write(self, lines: bytes, table: bytes, refs: bytes) -> None:
        self.events.write(lines)
        self.csv.write(table)
        self.reference.write(refs)

    def close(self) -> tuple[list[StreamedFile], list[StreamedFile]]:
        for writer in (self.events, self.csv, self.reference):
            writer.close()
        data = [
            StreamedFile(EVENTS_JSONL, self.events.hexdigest(), self.events.size),
            StreamedFile(EVENTS_CSV, self.csv.hexdigest(), self.csv.size),
        ]
        tags = [StreamedFile(self.reference_path, self.reference.hexdigest(), self.reference.size)]
        return data, tags


def _refuse(position: int, index: int, what: str) -> ExportError:
    return ExportError(
        f"the event at position {position} (leaf {index}) {what}: run `frispor check`"
    )


class _Page:
    """Formats one page of rows; checks each event against its leaf and the tree."""

    def __init__(self, status: StatusBuilder, frontier: CompactRange | None) -> None:
        self.status, self.frontier = status, frontier
        self.count = 0
        self._kinds: dict[str, bytes] = {}
        self._text: dict[bytes, str] = {}  # event types, decoded once each

    def _kind(self, kind: str) -> bytes:
        return self._kinds.get(kind) or self._kinds.setdefault(kind, quoted(kind))

    def _type(self, raw: bytes) -> str:
        return self._text.get(raw) or self._text.setdefault(raw, raw.decode())

    def format(
        self, rows: list[ExportRow], nodes: MemoryNodeStore | None, proofs: Iterator[list[bytes]]
    ) -> tuple[bytes, bytes, bytes]:
        """Return the page's JSON lines, CSV rows and evidence lines (proofs: subset only)."""
        lines: list[bytes] = []
        refs: list[bytes] = []
        table: list[bytes] = []
        hashes: list[bytes] = []
        add, sha256 = self.status.add, hashlib.sha256
        for index, position, leaf_bytes, kind, state in rows:
            if state is None:
                raise _refuse(position, index, "is not in the event store")
            fields = fast_leaf(leaf_bytes)
            if fields is not None:
                digest_hex, event_type, aggregate = fields[5].decode(), fields[8], fields[3]
                row = fast_csv_row(index, position, self._kind(kind), fields, state)
                add(self._type(event_type), kind, aggregate.decode())
            else:
                leaf = leaf_json(leaf_bytes)
                digest_hex, row = (
                    leaf["payload_sha256"],
                    csv_row(index, position, kind, leaf, state),
                )
                add(leaf["type"], kind, leaf["aggregate_id"])
            if sha256(state).hexdigest() != digest_hex:
                raise _refuse(position, index, "differs from its ledger leaf")
            digest = sha256(b"\x00" + leaf_bytes).digest()  # merkle.leaf_hash, inlined
            if nodes is None:
                if index != self.count:
                    raise _refuse(position, index, f"is not leaf {self.count}")
                hashes.append(digest)
                refs.append(b"%s\n" % digest.hex().encode())
            else:
                if nodes.get(0, index) != digest:
                    raise _refuse(position, index, "differs from its tree node")
                proof = ",".join(f'"{p.hex()}"' for p in next(proofs))
                refs.append(f'{{"index":{index},"proof":[{proof}]}}\n'.encode())
            lines.append(format_line(index, leaf_bytes, state))
            table.append(row)
            self.count += 1
        if self.frontier is not None:
            self.frontier.extend(hashes)
        return b"".join(lines), b"".join(table), b"".join(refs)


def _pages(
    first: int, last: int, batch: int, fetch: Callable[[int], Future[list[ExportRow]]]
) -> Iterator[list[ExportRow]]:
    # The next page is asked for before this one is handed out, so reading overlaps formatting.
    starts = range(first, last + 1, batch)
    pending = fetch(starts[0]) if starts else None
    for i in range(len(starts)):
        assert pending is not None
        rows = pending.result()
        pending = fetch(starts[i + 1]) if i + 1 < len(starts) else None
        yield rows


def write_events(
    store: TreeStore,
    root: Path,
    scope: Scope,
    checkpoint: StoredCheckpoint,
    status: StatusBuilder,
    *,
    batch: int = 2000,
    steps: Steps | None = None,
) -> tuple[int, list[StreamedFile], list[StreamedFile]]:
    """Write the scoped events at a checkpoint; return (count, data files, ledger files)."""
    size, full = checkpoint.size, scope.is_full
    page = _Page(status, CompactRange() if full else None)
    streams = _Streams(root, full)
    first, last = store.scope_bounds(size, scope) or (0, -1)
    starts = range(first, last + 1, batch)
    if steps is not None:
        steps.begin("export", len(range(first, last + 1)))
    writes: deque[Future[None]] = deque()
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="ledger-export") as worker:

            def fetch(lo: int) -> Future[list[ExportRow]]:
                hi = min(lo + batch, last + 1)
                if store.db.is_postgres:
                    return worker.submit(store.export_rows, lo, hi, size, scope)
                done: Future[list[ExportRow]] = Future()  # SQLite connections stay in one thread
                done.set_result(store.export_rows(lo, hi, size, scope))
                return done

            try:
                for lo, rows in zip(starts, _pages(first, last, batch, fetch), strict=True):
                    if steps is not None:
                        steps.advance(min(batch, last + 1 - lo))
                    if not rows:
                        continue
                    nodes: MemoryNodeStore | None = None
                    proofs: Iterator[list[bytes]] = iter(())
                    if not full:
                        plan = tree.InclusionBatch((r[0] for r in rows), size)
                        nodes = store.fetch_nodes(plan.nodes_needed() | {(0, r[0]) for r in rows})
                        proofs = iter(plan.proofs(nodes))
                    formatted = page.format(rows, nodes, proofs)
                    writes.append(worker.submit(streams.write, *formatted))
                    while len(writes) > _IN_FLIGHT or (writes and writes[0].done()):
                        writes.popleft().result()
                while writes:
                    writes.popleft().result()
            except BaseException:
                worker.shutdown(wait=True, cancel_futures=True)  # nothing more is written
                raise
        got = page.frontier.root() if page.frontier is not None else None
        if full and (page.count != size or got != checkpoint.root):
            raise ExportError(
                f"the ledger's {page.count} leaves do not give the root of checkpoint "
                f"{checkpoint.id}: run `frispor check`"
            )
    finally:
        data, tags = streams.close()
    return page.count, data, tags
