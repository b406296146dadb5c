"""Stored-node roots and proofs must equal the naive RFC 6962 definitions in ledger.merkle."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frispor.ledger import merkle, tree
from frispor.ledger.tree import MemoryNodeStore, MissingNodeError, NodeKey


class RecordingReader:
    """Wraps a store and records which keys were read."""

    def __init__(self, store: MemoryNodeStore) -> None:
        self.store = store
        self.keys: list[NodeKey] = []

    def get(self, level: int, index: int) -> bytes:
        self.keys.append((level, index))
        return self.store.get(level, index)


class UniformTree:
    """A virtual tree whose leaves all equal one hash: any size without storing anything."""

    def __init__(self) -> None:
        self.levels = [merkle.leaf_hash(b"x")]
        for _ in range(64):
            self.levels.append(merkle.node_hash(self.levels[-1], self.levels[-1]))
        self.reads = 0

    def get(self, level: int, index: int) -> bytes:
        self.reads += 1
        return self.levels[level]


def _leaves(size: int, seed: int) -> list[bytes]:
    return [merkle.leaf_hash(b"%d:%d" % (seed, i)) for i in range(size)]


def _build(leaves: list[bytes], batches: list[int]) -> MemoryNodeStore:
    """Append leaves in batches of the given sizes (remainder in one last batch)."""
    store = MemoryNodeStore()
    size = 0
    for count in [*batches, len(leaves)]:
        batch = leaves[size : size + count]
        reader = RecordingReader(store)
        nodes = tree.append_leaves(size, batch, reader)
        assert reader.keys == tree.nodes_needed_for_append(size, len(batch))
        store.put_many(nodes)
        size += len(batch)
    return store


def _complete_subtrees(size: int) -> int:
    return sum(size >> level for level in range(size.bit_length()))


def test_empty_tree() -> None:
    store = MemoryNodeStore()
    assert tree.root_at(0, store) == merkle.EMPTY_ROOT
    assert tree.nodes_needed_for_root(0) == []
    assert tree.consistency_proof(0, 0, store) == []
    assert tree.append_leaves(0, [], store) == []


def test_append_emits_leaf_and_completed_subtrees() -> None:
    leaves = _leaves(4, 0)
    store = MemoryNodeStore()
    store.put_many(tree.append_leaves(0, leaves[:3], store))
    nodes = tree.append_leaves(3, leaves[3:], store)
    n01 = merkle.node_hash(leaves[0], leaves[1])
    n23 = merkle.node_hash(leaves[2], leaves[3])
    assert nodes == [(0, 3, leaves[3]), (1, 1, n23), (2, 0, merkle.node_hash(n01, n23))]
    assert tree.nodes_needed_for_append(3, 1) == [(0, 2), (1, 0)]


def test_append_reads_only_pre_existing_left_siblings() -> None:
    # Appending leaves 1..3 to a one-leaf tree makes (1, 0) inside the batch; it must
    # not be fetched from the store even though it starts before the old size.
    assert tree.nodes_needed_for_append(1, 3) == [(0, 0)]
    assert tree.nodes_needed_for_append(0, 1000) == []


def test_missing_node_is_reported() -> None:
    store = MemoryNodeStore()
    with pytest.raises(MissingNodeError, match="level=0, index=0"):
        tree.root_at(1, store)
    with pytest.raises(MissingNodeError):
        tree.append_leaves(1, [merkle.leaf_hash(b"a")], store)


def test_rejects_bad_arguments() -> None:
    store = MemoryNodeStore()
    with pytest.raises(ValueError):
        tree.root_at(-1, store)
    with pytest.raises(ValueError):
        tree.inclusion_proof(3, 3, store)
    with pytest.raises(ValueError):
        tree.consistency_proof(4, 3, store)
    with pytest.raises(ValueError):
        tree.append_leaves(0, [b"short"], store)


def test_prefetched_nodes_serve_a_proof_in_one_batch() -> None:
    leaves = _leaves(37, 1)
    store = _build(leaves, [])
    keys = tree.nodes_needed_for_inclusion(20, 37)
    prefetched = MemoryNodeStore({key: store.get(*key) for key in keys})
    assert tree.inclusion_proof(20, 37, prefetched) == merkle.inclusion_proof(20, 37, leaves)
    assert prefetched.reads == len(keys)


@pytest.mark.parametrize("size", [10**6, 2**40 - 1, 2**40, 10**12 + 7])
def test_huge_trees_cost_logarithmic_reads(size: int) -> None:
    virtual = UniformTree()
    root = tree.root_at(size, virtual)
    assert virtual.reads == size.bit_count()
    for index in (0, size // 3, size - 1):
        virtual.reads = 0
        proof = tree.inclusion_proof(index, size, virtual)
        assert virtual.reads <= 2 * size.bit_length()
        merkle.verify_inclusion(virtual.levels[0], index, size, proof, root)
    m = size // 2 + 1
    virtual.reads = 0
    proof = tree.consistency_proof(m, size, virtual)
    assert virtual.reads <= 2 * size.bit_length() + 1
    merkle.verify_consistency(m, size, tree.root_at(m, virtual), root, proof)


@settings(max_examples=60, deadline=None, database=None)
@given(
    size=st.integers(1, 300),
    seed=st.integers(0, 2**16),
    batches=st.lists(st.integers(0, 40), max_size=6),
)
def test_store_holds_every_complete_subtree(size: int, seed: int, batches: list[int]) -> None:
    leaves = _leaves(size, seed)
    store = _build(leaves, batches)
    assert len(store) == _complete_subtrees(size)
    for level in range(size.bit_length()):
        width = 1 << level
        for index in range(size >> level):
            chunk = leaves[index * width : (index + 1) * width]
            assert store.get(level, index) == merkle.root(chunk)


@settings(max_examples=300, deadline=None, database=None)
@given(
    data=st.data(),
    size=st.integers(1, 300),
    seed=st.integers(0, 2**16),
    batches=st.lists(st.integers(0, 64), max_size=5),
)
def test_stored_node_proofs_match_naive(
    data: st.DataObject, size: int, seed: int, batches: list[int]
) -> None:
    leaves = _leaves(size, seed)
    store = _build(leaves, batches)
    n = data.draw(st.integers(1, size), label="n")
    index = data.draw(st.integers(0, n - 1), label="index")
    m = data.draw(st.integers(0, n), label="m")
    bound = 2 * n.bit_length() + 1

    store.reads = 0
    root_n = tree.root_at(n, store)
    assert root_n == merkle.root(leaves[:n])
    assert store.reads == len(tree.nodes_needed_for_root(n)) == n.bit_count()

    store.reads = 0
    proof = tree.inclusion_proof(index, n, store)
    assert proof == merkle.inclusion_proof(index, n, leaves)
    assert store.reads == len(tree.nodes_needed_for_inclusion(index, n)) <= bound
    merkle.verify_inclusion(leaves[index], index, n, proof, root_n)

    root_m = tree.root_at(m, store)
    assert root_m == merkle.root(leaves[:m])
    store.reads = 0
    cproof = tree.consistency_proof(m, n, store)
    assert cproof == merkle.consistency_proof(m, n, leaves)
    assert store.reads == len(tree.nodes_needed_for_consistency(m, n)) <= bound
    merkle.verify_consistency(m, n, root_m, root_n, cproof)


def test_needed_keys_are_distinct() -> None:
    for n in range(1, 70):
        for m in range(n + 1):
            keys = tree.nodes_needed_for_consistency(m, n)
            assert len(keys) == len(set(keys))
        for index in range(n):
            keys = tree.nodes_needed_for_inclusion(index, n)
            assert len(keys) == len(set(keys))


def test_exhaustive_small_trees_match_naive() -> None:
    leaves = _leaves(33, 7)
    store = _build(leaves, [1, 2, 5])
    for n in range(1, len(leaves) + 1):
        root_n = tree.root_at(n, store)
        assert root_n == merkle.root(leaves[:n])
        for index in range(n):
            proof = tree.inclusion_proof(index, n, store)
            assert proof == merkle.inclusion_proof(index, n, leaves)
            merkle.verify_inclusion(leaves[index], index, n, proof, root_n)
        for m in range(n + 1):
            proof = tree.consistency_proof(m, n, store)
            assert proof == merkle.consistency_proof(m, n, leaves)
            merkle.verify_consistency(m, n, tree.root_at(m, store), root_n, proof)
