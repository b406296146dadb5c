"""`check`: the stored ledger equals a fresh recomputation from the stored events.

Every leaf is recomputed from its event; every stored node and checkpoint root is
compared with the tree rebuilt from those leaves. Memory stays O(batch + log n) plus
one (type, area) pair per aggregate. The first difference is named and the scan stops.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from itertools import zip_longest

from eventsourcing.persistence import ApplicationRecorder, Notification

from frispor.ledger import tree
from frispor.ledger.check_checkpoints import checkpoint_problems
from frispor.ledger.checkpoint_file import CheckpointFile
from frispor.ledger.compact import CompactRange
from frispor.ledger.follow import Known, LedgerError, event_facts, resolve_scope
from frispor.ledger.merkle import leaf_hash
from frispor.ledger.store import StoredCheckpoint, TreeStore

__all__ = ["check_ledger"]


def _leaf_change(position: int, index: int, stored: bytes, fresh: bytes) -> str:
    try:
        old, new = json.loads(stored), json.loads(fresh)
        fields = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    except ValueError:
        fields = ["the stored leaf is not JSON"]
    what = "its payload was changed" if fields == ["payload_sha256"] else "fields differ"
    return (
        f"position {position} (leaf {index}): the stored event no longer matches its ledger "
        f"leaf — {what}: {', '.join(fields)}"
    )


def _note_matches(checkpoint: StoredCheckpoint) -> bool:
    # The note's body is "<origin>\n<size>\n<base64 root>\n"; the signature is checked offline.
    lines = checkpoint.note[: checkpoint.note.rfind("\n\n") + 1].split("\n")
    root = base64.b64encode(checkpoint.root).decode()
    return len(lines) == 4 and lines[1] == str(checkpoint.size) and lines[2] == root


class _Checker:
    def __init__(self, store: TreeStore, recorder: ApplicationRecorder, batch: int) -> None:
        self.store, self.recorder, self.batch = store, recorder, batch
        self.size, _ = store.state()
        self.frontier = CompactRange()
        self.known: Known = {}
        self.problems: list[str] = []
        checkpoints = sorted(store.checkpoints(), key=lambda c: (c.size, c.id))
        for cp in checkpoints:
            if not _note_matches(cp):
                self.problems.append(f"checkpoint {cp.id}: its note does not state size and root")
            if cp.size > self.size:
                self.problems.append(
                    f"checkpoint {cp.id} has size {cp.size}, beyond the ledger's {self.size} leaves"
                )
        self.pending = [cp for cp in checkpoints if cp.size <= self.size]
        self._check_checkpoints()

    def _check_checkpoints(self) -> None:
        while self.pending and self.pending[0].size == self.frontier.size:
            cp = self.pending.pop(0)
            if cp.root != self.frontier.root():
                self.problems.append(
                    f"checkpoint {cp.id} (size {cp.size}) has a root that the events do not give"
                )

    def run(self) -> list[str]:
        index, start = 0, 1
        while index < self.size:
            notes = self.recorder.select_notifications(
                start=start, limit=min(self.batch, self.size - index)
            )
            if not notes:
                self.problems.append(
                    f"the event store ends after {index} events but the ledger has {self.size} "
                    "leaves: events were removed"
                )
                return self.problems
            if not self._batch(index, notes):
                return self.problems
            index += len(notes)
            start = notes[-1].id + 1
        self._final()
        return self.problems

    def _batch(self, first: int, notes: Sequence[Notification]) -> bool:
        before = self.frontier.node_store()
        hashes: list[bytes] = []
        rows = self.store.leaves(first, first + len(notes))
        for index, (note, row) in enumerate(zip_longest(notes, rows), start=first):
            if row is None or row.leaf_index != index:
                self.problems.append(f"leaf {index} is missing from the ledger's leaves")
                return False
            if note.id != row.position:
                self.problems.append(
                    f"leaf {index}: the ledger has the event at position {row.position}, but the "
                    f"event store's next event is at position {note.id}: an event was removed "
                    "or inserted"
                )
                return False
            try:
                facts = event_facts(note)
            except LedgerError as error:
                self.problems.append(f"position {note.id} (leaf {index}): {error}")
                return False
            if facts.leaf != row.leaf:
                self.problems.append(_leaf_change(note.id, index, row.leaf, facts.leaf))
                return False
            scope = resolve_scope(facts, self.known)
            if scope != (row.kind, row.area):
                self.problems.append(
                    f"position {note.id} (leaf {index}): the ledger files it under "
                    f"{row.kind}/{row.area} but its events give {scope[0]}/{scope[1]}"
                )
                return False
            hashes.append(leaf_hash(facts.leaf))
            self.frontier.push(hashes[-1])
            self._check_checkpoints()
        expected = tree.append_leaves(first, hashes, before)
        stored = self.store.fetch_nodes((level, idx) for level, idx, _ in expected)
        for level, idx, value in expected:
            try:
                ok = stored.get(level, idx) == value
            except tree.MissingNodeError:
                ok = False
            if not ok:
                self.problems.append(
                    f"tree node (level {level}, index {idx}) is missing or differs from the "
                    "tree rebuilt from the events"
                )
                return False
        return True

    def _final(self) -> None:
        if self.store.root_at(self.size) != self.frontier.root():
            self.problems.append(f"the stored tree's root at size {self.size} is wrong")
        [(count,)] = self.store.db.query("SELECT count(*) FROM ledger_leaves")
        if count != self.size:
            self.problems.append(f"the ledger has {count} leaf rows for a tree of {self.size}")


def check_ledger(
    store: TreeStore,
    recorder: ApplicationRecorder,
    *,
    batch: int = 1000,
    verifier_key: str | None = None,
    checkpoint_file: CheckpointFile | None = None,
) -> list[str]:
    """Recompute the tree from the events, then check the checkpoints; return the problems.

    With the log's verifier key every checkpoint's signature is checked; with the checkpoint
    file the database must still hold every checkpoint filed there, in the same tree.
    """
    checker = _Checker(store, recorder, batch)
    problems = checker.run()
    return problems + checkpoint_problems(store, checker.size, verifier_key, checkpoint_file)
