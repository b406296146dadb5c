"""The stored tree: leaves, complete-subtree nodes, tree size, checkpoints and exports.

Every root and proof reads the O(log n) nodes that ``ledger.tree`` plans, in one query.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from frispor.ledger import tree
from frispor.ledger.bag import Scope
from frispor.ledger.checkpoint_file import CheckpointFile
from frispor.ledger.schema import (
    AGGREGATES_SQL,
    APPEND_SQL,
    EVENTS_AFTER_SQL,
    EVENTS_JOIN,
    NODES_SQL,
    create_tables,
)
from frispor.ledger.tree import MemoryNodeStore, Node, NodeKey
from frispor.store.db import Database
from frispor.store.session import Session

__all__ = ["ExportRow", "LeafRow", "StoredCheckpoint", "StoredRow", "TreeStore", "checkpoint_row"]

ExportRow = tuple[int, int, bytes, str, bytes | None]
"""(leaf index, position, canonical leaf, aggregate type, stored event state or None)."""

StoredRow = tuple[int, UUID | str, int, str, bytes]
"""A stored event as the ledger reads it: (position, originator id, version, topic, state)."""

_LEAF_COLUMNS = "leaf_index, position, leaf, recorded_at, kind, area"
_CHECKPOINT_COLUMNS = "id, size, root, note, cut_at"


@dataclass(frozen=True)
class LeafRow:
    """A stored leaf: its index in the tree, the event's position, the canonical leaf bytes."""

    leaf_index: int
    position: int
    leaf: bytes
    recorded_at: str
    kind: str  # the aggregate's type, e.g. "Trial"
    area: str | None  # the area of the aggregate's network; None for programme-wide events


@dataclass(frozen=True)
class StoredCheckpoint:
    """A signed checkpoint as cut: tree size, root, the signed note text and when."""

    id: int
    size: int
    root: bytes
    note: str
    cut_at: str


def _leaf(row: Sequence[Any]) -> LeafRow:
    return LeafRow(row[0], row[1], bytes(row[2]), row[3], row[4], row[5])


def checkpoint_row(row: Sequence[Any]) -> StoredCheckpoint:
    """A StoredCheckpoint from a row of its columns."""
    return StoredCheckpoint(row[0], row[1], bytes(row[2]), row[3], row[4])


class TreeStore:
    """The ledger's tables in the events' database; created when missing."""

    def __init__(self, db: Session, checkpoint_file: Path | None = None) -> None:
        """Use a held connection on a database whose ledger tables exist (see `borrow`)."""
        self.db = db
        # Every checkpoint stored is appended here too, after its commit.
        self.checkpoint_file = CheckpointFile(checkpoint_file) if checkpoint_file else None
        self._owned = ExitStack()

    @classmethod
    @contextmanager
    def borrow(cls, database: Database, checkpoint_file: Path | None = None) -> Iterator[TreeStore]:
        """The store on a connection from the process's database, given back when done."""
        _refuse_memory(database)
        with database.session() as session:
            # Made once per process's database, not on every request: DDL takes locks.
            if "ledger" not in database.made:
                create_tables(session)
                database.made.add("ledger")
            yield cls(session, checkpoint_file)

    @classmethod
    def open(cls, database_url: str, checkpoint_file: Path | None = None) -> TreeStore:
        """The store on a database of its own (close it when done): for tools and tests."""
        with ExitStack() as owned:
            database = Database(database_url, pool_size=1)
            owned.callback(database.close)
            store = owned.enter_context(cls.borrow(database, checkpoint_file))
            store._owned = owned.pop_all()
        return store

    def close(self) -> None:
        """Give back what `open` took; a borrowed store is given back by its block."""
        self._owned.close()

    def __enter__(self) -> TreeStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def state(self) -> tuple[int, int]:
        """Return (tree size, position of the last leaf's event), read from the last leaf."""
        rows = self.db.query(
            "SELECT leaf_index, position FROM ledger_leaves ORDER BY leaf_index DESC LIMIT 1"
        )
        return (int(rows[0][0]) + 1, int(rows[0][1])) if rows else (0, 0)

    def size(self) -> int:
        """Return the number of leaves in the stored tree."""
        return self.state()[0]

    def events_after(self, position: int, limit: int) -> list[StoredRow]:
        """Return up to limit stored events after a position, in position order (PostgreSQL)."""
        rows = self.db.query(EVENTS_AFTER_SQL, [position, limit])
        return [(r[0], r[1], r[2], r[3], bytes(r[4])) for r in rows]

    def fetch_nodes(self, keys: Iterable[NodeKey]) -> MemoryNodeStore:
        """Fetch the given node keys in one query and serve them from memory."""
        wanted = sorted(set(keys))
        if not wanted:
            return MemoryNodeStore()
        if self.db.is_postgres:
            params: list[Any] = [[k[0] for k in wanted], [k[1] for k in wanted]]
        else:
            params = [json.dumps(wanted)]
        rows = self.db.query(NODES_SQL[self.db.backend], params)
        return MemoryNodeStore({(r[0], r[1]): bytes(r[2]) for r in rows})

    def root_at(self, size: int) -> bytes:
        """Return the root of the first size leaves."""
        return tree.root_at(size, self.fetch_nodes(tree.nodes_needed_for_root(size)))

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """Return the inclusion proof of leaf index in the tree of the given size."""
        nodes = self.fetch_nodes(tree.nodes_needed_for_inclusion(index, size))
        return tree.inclusion_proof(index, size, nodes)

    def consistency_proof(self, m: int, n: int) -> list[bytes]:
        """Return the consistency proof from tree size m to tree size n."""
        return tree.consistency_proof(
            m, n, self.fetch_nodes(tree.nodes_needed_for_consistency(m, n))
        )

    def leaves(self, lo: int, hi: int) -> list[LeafRow]:
        """Return the stored leaves with index in [lo, hi), in index order."""
        statement = f"SELECT {_LEAF_COLUMNS} FROM ledger_leaves WHERE leaf_index >= %s AND "
        rows = self.db.query(statement + "leaf_index < %s ORDER BY leaf_index", [lo, hi])
        return [_leaf(r) for r in rows]

    def leaf_index_of(self, position: int) -> int | None:
        """Return the leaf index of the event at a position, or None if it is not a leaf."""
        rows = self.db.query("SELECT leaf_index FROM ledger_leaves WHERE position = %s", [position])
        return int(rows[0][0]) if rows else None

    def aggregates(self, ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """Return {aggregate id: (kind, area)} for the known ids among those given."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        param: Any = wanted if self.db.is_postgres else json.dumps(wanted)
        rows = self.db.query(AGGREGATES_SQL[self.db.backend], [param])
        return {r[0]: (r[1], r[2]) for r in rows}

    def append(
        self,
        rows: Sequence[LeafRow],
        nodes: Sequence[Node],
        aggregates: dict[str, tuple[str, str | None]],
    ) -> None:
        """Write a batch of leaves and their new nodes (inside a transaction)."""
        leaves = [(r.leaf_index, r.position, r.leaf, r.recorded_at, r.kind, r.area) for r in rows]
        known = [(key, kind, area) for key, (kind, area) in aggregates.items()]
        if self.db.is_postgres:
            # One statement per table with arrays: a pipelined INSERT per row costs ~10x more.
            # Binary arrays: the text format escapes every bytea and string with regexes,
            # which cost more client CPU than the rest of the append.
            tables: tuple[Sequence[tuple[Any, ...]], ...] = (leaves, nodes, known)
            for statement, table in zip(APPEND_SQL, tables, strict=True):
                if table:
                    self.db.execute(
                        statement,
                        [list(column) for column in zip(*table, strict=True)],
                        binary=True,
                    )
        else:
            self.db.executemany(
                f"INSERT INTO ledger_leaves ({_LEAF_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s)",
                leaves,
            )
            self.db.executemany(
                "INSERT INTO ledger_nodes (level, idx, hash) VALUES (%s, %s, %s)", nodes
            )
            self.db.executemany(
                "INSERT INTO ledger_aggregates (aggregate_id, kind, area) VALUES (%s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                known,
            )

    def add_checkpoint(self, size: int, root: bytes, note: str, cut_at: str) -> StoredCheckpoint:
        """Store a signed checkpoint and return it."""
        with self.db.transaction(write=True):
            [(checkpoint_id,)] = self.db.query(
                "INSERT INTO ledger_checkpoints (size, root, note, cut_at) VALUES (%s, %s, %s, %s) "
                "RETURNING id",
                [size, root, note, cut_at],
            )
        if self.checkpoint_file is not None:
            # After the commit: the file never names a checkpoint the database lacks.
            self.checkpoint_file.append(note, cut_at)
        return StoredCheckpoint(int(checkpoint_id), size, root, note, cut_at)

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        """Return the checkpoint cut last, if any."""
        rows = self.db.query(
            f"SELECT {_CHECKPOINT_COLUMNS} FROM ledger_checkpoints ORDER BY id DESC LIMIT 1"
        )
        return checkpoint_row(rows[0]) if rows else None

    def checkpoints(self) -> list[StoredCheckpoint]:
        """Return every stored checkpoint, oldest first."""
        rows = self.db.query(f"SELECT {_CHECKPOINT_COLUMNS} FROM ledger_checkpoints ORDER BY id")
        return [checkpoint_row(r) for r in rows]

    def last_delivery(self, authority: str) -> StoredCheckpoint | None:
        """Return the checkpoint of the last export made for an authority, if any."""
        columns = ", ".join(f"c.{c.strip()}" for c in _CHECKPOINT_COLUMNS.split(","))
        rows = self.db.query(
            f"SELECT {columns} FROM ledger_exports e JOIN ledger_checkpoints c "
            "ON c.id = e.checkpoint_id WHERE e.authority = %s ORDER BY e.id DESC LIMIT 1",
            [authority],
        )
        return checkpoint_row(rows[0]) if rows else None

    def record_export(
        self,
        scope: Scope,
        kind: str,
        checkpoint: StoredCheckpoint,
        previous_size: int | None,
        event_count: int,
        created_at: str,
        tagmanifest_sha256: str,
    ) -> int:
        """Record that a bag was made for an authority at a checkpoint; return its id."""
        with self.db.transaction(write=True):
            [(export_id,)] = self.db.query(
                "INSERT INTO ledger_exports (authority, area, period_from, period_to, kind, "
                "checkpoint_id, previous_size, event_count, created_at, tagmanifest_sha256) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                [
                    scope.authority,
                    scope.area,
                    scope.period_from.isoformat() if scope.period_from else None,
                    scope.period_to.isoformat() if scope.period_to else None,
                    kind,
                    checkpoint.id,
                    previous_size,
                    event_count,
                    created_at,
                    tagmanifest_sha256,
                ],
            )
        return int(export_id)

    def _scope_where(self, size: int, scope: Scope) -> tuple[str, list[Any]]:
        where: list[str] = ["l.leaf_index < %s"]
        params: list[Any] = [size]
        low, high = scope.recorded_bounds()
        if low is not None:
            where.append("l.recorded_at >= %s")
            params.append(low)
        if high is not None:
            where.append("l.recorded_at < %s")
            params.append(high)
        if scope.area is not None:
            # Programme events have no area: they frame every area's trials, so they go along.
            where.append("(l.area = %s OR l.area IS NULL)")
            params.append(scope.area)
        return " AND ".join(where), params

    def scope_bounds(self, size: int, scope: Scope) -> tuple[int, int] | None:
        """Return the first and last leaf index in scope within size, or None if there is none."""
        where, params = self._scope_where(size, scope)
        [(low, high)] = self.db.query(
            f"SELECT min(l.leaf_index), max(l.leaf_index) FROM ledger_leaves l WHERE {where}",
            params,
        )
        return None if low is None else (int(low), int(high))

    def export_rows(self, lo: int, hi: int, size: int, scope: Scope) -> list[ExportRow]:
        """Return (leaf index, position, leaf, kind, event state) in scope for leaves [lo, hi).

        The state is None when the event is no longer in the event store. Callers page by
        leaf index so every query scans a bounded range, whatever the planner believes.
        """
        where, params = self._scope_where(size, scope)
        rows = self.db.query(
            f"SELECT l.leaf_index, l.position, l.leaf, l.kind, e.state FROM ledger_leaves l "
            f"{EVENTS_JOIN[self.db.backend]} WHERE l.leaf_index >= %s AND l.leaf_index < %s "
            f"AND {where} ORDER BY l.leaf_index",
            [lo, hi, *params],
        )
        return [
            (r[0], r[1], bytes(r[2]), r[3], None if r[4] is None else bytes(r[4])) for r in rows
        ]


def _refuse_memory(database: Database) -> None:
    if database.location.in_memory:
        raise ValueError("the ledger needs a SQLite file shared with the events")
