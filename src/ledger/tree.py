"""Roots and proofs from stored complete-subtree hashes, so each costs O(log n) node reads.

A stored node (level, index) is the hash of the complete subtree covering leaves
[index * 2**level, (index + 1) * 2**level). Level 0 nodes are the leaf hashes.
Every function that reads nodes has a ``nodes_needed_for_*`` twin returning the
keys it will read, so a database can fetch them in one query and serve them
through a ``MemoryNodeStore``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from frispor.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    consistency_ranges,
    inclusion_ranges,
    node_hash,
)

__all__ = [
    "InclusionBatch",
    "MemoryNodeStore",
    "MissingNodeError",
    "Node",
    "NodeKey",
    "NodeReader",
    "append_leaves",
    "consistency_proof",
    "inclusion_proof",
    "nodes_needed_for_append",
    "nodes_needed_for_consistency",
    "nodes_needed_for_inclusion",
    "nodes_needed_for_root",
    "root_at",
]

NodeKey = tuple[int, int]
"""(level, index) of a complete subtree."""

Node = tuple[int, int, bytes]
"""(level, index, hash) of a complete subtree, as returned by ``append_leaves``."""

_Range = tuple[int, int]


class MissingNodeError(LookupError):
    """A node needed for a computation is not stored."""


class NodeReader(Protocol):
    """Read access to stored complete-subtree hashes."""

    def get(self, level: int, index: int) -> bytes:
        """Return the hash of subtree (level, index); raise MissingNodeError if not stored."""
        ...


class MemoryNodeStore:
    """In-memory node store; also serves nodes prefetched from a database in one query."""

    def __init__(self, nodes: Mapping[NodeKey, bytes] | None = None) -> None:
        """Create a store, optionally pre-filled with {(level, index): hash}."""
        self._nodes: dict[NodeKey, bytes] = dict(nodes or {})
        self.reads = 0  # counts get() calls so tests can check the O(log n) cost

    def get(self, level: int, index: int) -> bytes:
        """Return the stored hash of subtree (level, index)."""
        self.reads += 1
        try:
            return self._nodes[(level, index)]
        except KeyError:
            raise MissingNodeError(f"node (level={level}, index={index}) is not stored") from None

    def put_many(self, nodes: Iterable[Node]) -> None:
        """Store (level, index, hash) nodes, e.g. the output of ``append_leaves``."""
        for level, index, value in nodes:
            self._nodes[(level, index)] = value

    def __len__(self) -> int:
        """Return the number of stored nodes."""
        return len(self._nodes)


def _check_size(size: int, what: str = "tree size") -> None:
    # bool is an int subclass; treating True as 1 would hide caller bugs.
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(f"{what} must be a non-negative integer, got {size!r}")


def _range_keys(lo: int, hi: int) -> list[NodeKey]:
    """Split [lo, hi) into complete subtrees, largest first (lo aligned as in RFC 6962)."""
    keys: list[NodeKey] = []
    remaining = hi - lo
    while remaining:
        level = remaining.bit_length() - 1
        if lo % (1 << level):
            # Cannot happen for ranges produced by the RFC 6962 recursion.
            raise AssertionError(f"range [{lo}, {hi}) is not aligned for MTH decomposition")
        keys.append((level, lo >> level))
        lo += 1 << level
        remaining -= 1 << level
    return keys


def _range_hash(lo: int, hi: int, reader: NodeReader) -> bytes:
    """Return MTH(D[lo:hi]) by folding the complete subtrees right to left."""
    keys = _range_keys(lo, hi)
    acc = reader.get(*keys[-1])
    for level, index in reversed(keys[:-1]):
        acc = node_hash(reader.get(level, index), acc)
    return acc


def _keys_of(ranges: Iterable[_Range]) -> list[NodeKey]:
    return [key for lo, hi in ranges for key in _range_keys(lo, hi)]


def _inclusion_ranges(index: int, size: int) -> list[_Range]:
    _check_size(size)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} out of range for tree size {size}")
    return inclusion_ranges(index, size)


def _consistency_ranges(m: int, n: int) -> list[_Range]:
    _check_size(m, "old tree size")
    _check_size(n, "new tree size")
    if m > n:
        raise ValueError(f"old tree size {m} is greater than new tree size {n}")
    return consistency_ranges(m, n)


def nodes_needed_for_root(size: int) -> list[NodeKey]:
    """Return the node keys ``root_at(size, ...)`` reads (the tree's peaks)."""
    _check_size(size)
    return _range_keys(0, size)


def root_at(size: int, reader: NodeReader) -> bytes:
    """Return the RFC 6962 root of the first size leaves from at most log2(size)+1 nodes."""
    _check_size(size)
    if size == 0:
        return EMPTY_ROOT
    return _range_hash(0, size, reader)


def nodes_needed_for_inclusion(index: int, size: int) -> list[NodeKey]:
    """Return the node keys ``inclusion_proof(index, size, ...)`` reads."""
    return _keys_of(_inclusion_ranges(index, size))


def inclusion_proof(index: int, size: int, reader: NodeReader) -> list[bytes]:
    """Return the RFC 6962 inclusion proof for leaf index in the tree of the given size."""
    return [_range_hash(lo, hi, reader) for lo, hi in _inclusion_ranges(index, size)]


class InclusionBatch:
    """Inclusion proofs for many leaves of one tree: plan the reads once, hash shared ranges once.

    Leaves close together share most of their proof; an export proves thousands at a time.
    """

    def __init__(self, indices: Iterable[int], size: int) -> None:
        """Plan the proofs of the given leaf indices in the tree of the given size."""
        self.size = size
        self._ranges = [_inclusion_ranges(index, size) for index in indices]
        unique = {r for ranges in self._ranges for r in ranges}
        self._keys = {r: _range_keys(*r) for r in unique}

    def nodes_needed(self) -> set[NodeKey]:
        """Return every node key the proofs read."""
        return {key for keys in self._keys.values() for key in keys}

    def proofs(self, reader: NodeReader) -> list[list[bytes]]:
        """Return the proofs, in the order of the planned indices."""
        hashes: dict[_Range, bytes] = {}
        for lo_hi, keys in self._keys.items():
            acc = reader.get(*keys[-1])
            for level, index in reversed(keys[:-1]):
                acc = node_hash(reader.get(level, index), acc)
            hashes[lo_hi] = acc
        return [[hashes[r] for r in ranges] for ranges in self._ranges]


def nodes_needed_for_consistency(m: int, n: int) -> list[NodeKey]:
    """Return the node keys ``consistency_proof(m, n, ...)`` reads."""
    return _keys_of(_consistency_ranges(m, n))


def consistency_proof(m: int, n: int, reader: NodeReader) -> list[bytes]:
    """Return the RFC 6962 consistency proof from tree size m to tree size n."""
    return [_range_hash(lo, hi, reader) for lo, hi in _consistency_ranges(m, n)]


def nodes_needed_for_append(size: int, count: int) -> list[NodeKey]:
    """Return the stored node keys ``append_leaves`` reads when appending count leaves."""
    _check_size(size)
    _check_size(count, "leaf count")
    reads: list[NodeKey] = []
    for position in range(size, size + count):
        level, index = 0, position
        # A right child (odd index) completes its parent. Its left sibling covers
        # [(index - 1) << level, index << level): it was stored before this append
        # only if it ends at or before the old size; otherwise the batch made it.
        while index & 1:
            if index << level <= size:
                reads.append((level, index - 1))
            level, index = level + 1, index >> 1
    return reads


def append_leaves(size: int, leaf_hashes: Sequence[bytes], reader: NodeReader) -> list[Node]:
    """Return the new (level, index, hash) nodes to store after appending leaf_hashes at size.

    For each leaf this is the leaf node itself plus every complete subtree it
    completes; only left siblings that already existed before the append are read.
    """
    _check_size(size)
    for i, value in enumerate(leaf_hashes):
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise ValueError(f"leaf hash {i} must be {HASH_SIZE} bytes")
    fresh: dict[NodeKey, bytes] = {}
    out: list[Node] = []
    for offset, value in enumerate(leaf_hashes):
        level, index, acc = 0, size + offset, value
        fresh[(level, index)] = acc
        out.append((level, index, acc))
        while index & 1:
            left_key = (level, index - 1)
            left = fresh[left_key] if left_key in fresh else reader.get(*left_key)
            level, index = level + 1, index >> 1
            acc = node_hash(left, acc)
            fresh[(level, index)] = acc
            out.append((level, index, acc))
    return out
