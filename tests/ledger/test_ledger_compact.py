"""The streaming root equals the RFC 6962 root and seeds appends like the stored peaks."""

from __future__ import annotations

from frispor.ledger import merkle, tree
from frispor.ledger.compact import CompactRange


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(b"%d" % i) for i in range(n)]


def test_root_matches_naive_root_at_every_size() -> None:
    leaves = _leaves(70)
    compact = CompactRange()
    assert compact.root() == merkle.EMPTY_ROOT
    for size, leaf in enumerate(leaves, start=1):
        compact.push(leaf)
        assert compact.size == size
        assert compact.root() == merkle.root(leaves[:size])
        assert [(lvl, idx) for lvl, idx, _ in compact.nodes()] == tree.nodes_needed_for_root(size)


def test_peaks_are_all_that_append_leaves_reads() -> None:
    leaves = _leaves(45)
    full = tree.MemoryNodeStore()
    full.put_many(tree.append_leaves(0, leaves, full))
    for split in range(len(leaves)):
        compact = CompactRange()
        for leaf in leaves[:split]:
            compact.push(leaf)
        rest = tree.append_leaves(split, leaves[split:], compact.node_store())
        expected = tree.MemoryNodeStore()
        expected.put_many(tree.append_leaves(0, leaves[:split], expected))
        expected.put_many(rest)
        assert tree.root_at(len(leaves), expected) == tree.root_at(len(leaves), full)
