"""Streams the events of an export into the bag: JSON Lines, CSV and the ledger evidence.

Memory is bounded by the batch: leaves in scope and their events are read together, one
page of leaf indices at a time (one query each), and lines are written and hashed as they
go. A full export carries every leaf hash (the verifier rebuilds the root); a subset
export carries one inclusion proof per line.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger import tree
from ledger.bag import (
    EVENTS_CSV,
    EVENTS_JSONL,
    INCLUSION_PROOFS,
    LEAF_HASHES,
    HashingWriter,
    Scope,
    format_line,
)
from ledger.compact import CompactRange
from ledger.merkle import leaf_hash
from ledger.status import StatusBuilder
from ledger.store import StoredCheckpoint, TreeStore
from ledger.tree import MemoryNodeStore

__all__ = ["CSV_HEADER", "ExportError", "StreamedFile", "write_events"]

CSV_HEADER = [
    "index",
    "position",
    "recorded_at",
    "valid_from",
    "valid_to",
    "type",
    "aggregate_type",
    "aggregate_id",
    "aggregate_version",
    "actor_id",
    "actor_role",
    "actor_organisation",
    "payload_sha256",
    "payload",
]


class ExportError(RuntimeError):
    """An export cannot be made faithfully (the ledger and the events disagree, or bad input)."""


@dataclass(frozen=True)
class StreamedFile:
    """A file written while streaming: its bag path, SHA-256 and size."""

    path: str
    sha256: str
    size: int


_CSV_SPECIAL = re.compile(r'[",\r\n]')


def _payload_text(state: bytes) -> str:
    try:
        return state.decode()
    except UnicodeDecodeError:
        return "base64:" + base64.b64encode(state).decode()


def _q(field: str) -> str:
    # RFC 4180 by hand: the csv module is several times slower on long quoted payloads.
    return '"' + field.replace('"', '""') + '"' if _CSV_SPECIAL.search(field) else field


def _csv_row(index: int, position: int, kind: str, leaf: dict[str, Any], state: bytes) -> bytes:
    # Fields of fixed shape (numbers, times, dates, digests) never need quoting; the payload
    # always does. Written out by hand: this runs once per exported event.
    actor = leaf["actor"]
    payload = _payload_text(state).replace('"', '""')
    return (
        f"{index},{position},{leaf['recorded_at']},{leaf['valid_from'] or ''},"
        f"{leaf['valid_to'] or ''},{_q(leaf['type'])},{_q(kind)},{_q(leaf['aggregate_id'])},"
        f"{leaf['aggregate_version']},{_q(actor['id'])},{_q(actor['role'])},"
        f'{_q(actor["organisation"])},{leaf["payload_sha256"]},"{payload}"\r\n'
    ).encode()


class _Streams:
    def __init__(self, root: Path, full: bool) -> None:
        self.reference_path = LEAF_HASHES if full else INCLUSION_PROOFS
        self.events = HashingWriter(root / EVENTS_JSONL)
        self.csv = HashingWriter(root / EVENTS_CSV)
        self.reference = HashingWriter(root / self.reference_path)
        self.csv.write((",".join(CSV_HEADER) + "\r\n").encode())

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


def write_events(
    store: TreeStore,
    root: Path,
    scope: Scope,
    checkpoint: StoredCheckpoint,
    status: StatusBuilder,
    *,
    batch: int = 2000,
) -> tuple[int, list[StreamedFile], list[StreamedFile]]:
    """Write the scoped events at a checkpoint; return (count, data files, ledger files)."""
    size, full = checkpoint.size, scope.is_full
    frontier = CompactRange()
    streams = _Streams(root, full)
    count = 0
    first, last = store.scope_bounds(size, scope) or (0, -1)
    try:
        for lo in range(first, last + 1, batch):
            rows = store.export_rows(lo, min(lo + batch, last + 1), size, scope)
            if not rows:
                continue
            nodes: MemoryNodeStore | None = None
            proofs: Iterator[list[bytes]] = iter([])
            if not full:
                batch_proofs = tree.InclusionBatch((r[0] for r in rows), size)
                needed = batch_proofs.nodes_needed() | {(0, r[0]) for r in rows}
                nodes = store.fetch_nodes(needed)
                proofs = iter(batch_proofs.proofs(nodes))
            lines: list[bytes] = []
            refs: list[bytes] = []
            table: list[bytes] = []
            for index, position, leaf_bytes, kind, state in rows:
                if state is None:
                    raise _refuse(position, index, "is not in the event store")
                leaf = json.loads(leaf_bytes)
                if hashlib.sha256(state).hexdigest() != leaf["payload_sha256"]:
                    raise _refuse(position, index, "differs from its ledger leaf")
                digest = leaf_hash(leaf_bytes)
                if nodes is None:
                    if index != count:
                        raise _refuse(position, index, f"is not leaf {count}")
                    frontier.push(digest)
                    refs.append(digest.hex().encode() + b"\n")
                else:
                    if nodes.get(0, index) != digest:
                        raise _refuse(position, index, "differs from its tree node")
                    proof = ",".join(f'"{p.hex()}"' for p in next(proofs))
                    refs.append(f'{{"index":{index},"proof":[{proof}]}}\n'.encode())
                lines.append(format_line(index, leaf_bytes, state))
                table.append(_csv_row(index, position, kind, leaf, state))
                status.add(leaf["type"], kind, leaf["aggregate_id"])
                count += 1
            streams.events.write(b"".join(lines))
            streams.reference.write(b"".join(refs))
            streams.csv.write(b"".join(table))
        if full and (count != size or frontier.root() != checkpoint.root):
            raise ExportError(
                f"the ledger's {count} leaves do not give the root of checkpoint {checkpoint.id}: "
                "run `frispor check`"
            )
    finally:
        data, tags = streams.close()
    return count, data, tags
