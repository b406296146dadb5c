"""A streaming RFC 6962 root: push leaf hashes one at a time, keep only the O(log n) peaks."""

from __future__ import annotations

from frispor.ledger.merkle import EMPTY_ROOT, node_hash
from frispor.ledger.tree import MemoryNodeStore, Node

__all__ = ["CompactRange"]


class CompactRange:
    """The peaks (complete subtrees, largest first) of the tree of the leaves pushed so far."""

    def __init__(self) -> None:
        """Start with the empty tree."""
        self._peaks: list[tuple[int, bytes]] = []  # (level, hash), levels strictly decreasing
        self.size = 0

    def push(self, leaf_hash: bytes) -> None:
        """Append one leaf hash, merging equal-sized peaks as RFC 6962 does."""
        level, acc = 0, leaf_hash
        peaks = self._peaks
        while peaks and peaks[-1][0] == level:
            acc = node_hash(peaks.pop()[1], acc)
            level += 1
        peaks.append((level, acc))
        self.size += 1

    def extend(self, leaf_hashes: list[bytes]) -> None:
        """Append many leaf hashes in order (push, without a call per leaf)."""
        peaks, node = self._peaks, node_hash
        for acc in leaf_hashes:
            level = 0
            while peaks and peaks[-1][0] == level:
                acc = node(peaks.pop()[1], acc)
                level += 1
            peaks.append((level, acc))
        self.size += len(leaf_hashes)

    def root(self) -> bytes:
        """Return MTH of the leaves pushed so far (SHA-256 of nothing when empty)."""
        if not self._peaks:
            return EMPTY_ROOT
        acc = self._peaks[-1][1]
        for _, value in reversed(self._peaks[:-1]):
            acc = node_hash(value, acc)
        return acc

    def nodes(self) -> list[Node]:
        """Return the peaks as stored-node triples (level, index, hash)."""
        out: list[Node] = []
        start = 0
        for level, value in self._peaks:
            out.append((level, start >> level, value))
            start += 1 << level
        return out

    def node_store(self) -> MemoryNodeStore:
        """Return the peaks as a node store: all ``tree.append_leaves`` reads at this size."""
        store = MemoryNodeStore()
        store.put_many(self.nodes())
        return store
