"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and proof verification (SHA-256)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "ProofError",
    "consistency_proof",
    "consistency_proof_length",
    "consistency_ranges",
    "inclusion_proof",
    "inclusion_proof_length",
    "inclusion_ranges",
    "largest_power_of_two_below",
    "leaf_hash",
    "node_hash",
    "root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
# MTH({}) = SHA-256() per RFC 6962 §2.1; distinct from the hash of an empty *leaf*.
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class ProofError(ValueError):
    """A Merkle proof (or its parameters) failed verification; the message says why."""


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 6962 leaf hash SHA-256(0x00 || data)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 interior node hash SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """Return the largest power of two strictly less than n (n must be at least 2)."""
    if n < 2:
        raise ValueError(f"n must be >= 2, got {n}")
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return MTH (RFC 6962 §2.1) of a list of already-hashed leaves; empty gives SHA-256("")."""
    if not leaf_hashes:
        return EMPTY_ROOT
    return _subtree_root(leaf_hashes, 0, len(leaf_hashes))


def _subtree_root(leaves: Sequence[bytes], lo: int, hi: int) -> bytes:
    # Index bounds instead of slicing keep the naive reference O(n) in memory.
    if hi - lo == 1:
        return leaves[lo]
    k = largest_power_of_two_below(hi - lo)
    return node_hash(_subtree_root(leaves, lo, lo + k), _subtree_root(leaves, lo + k, hi))


def inclusion_proof(index: int, size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Return PATH(index, D[0:size]) of RFC 6962 §2.1.1 over the first size leaf hashes."""
    _check_size(size, len(leaf_hashes))
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} out of range for tree size {size}")
    return [_subtree_root(leaf_hashes, lo, hi) for lo, hi in inclusion_ranges(index, size)]


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges [lo, hi) whose roots make PATH(index, D[0:size]), bottom-up."""
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    # Walk down from the root; siblings are collected top-down and reversed at the end.
    while hi - lo > 1:
        k = largest_power_of_two_below(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo = lo + k
    ranges.reverse()
    return ranges


def consistency_proof(m: int, n: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Return PROOF(m, D[0:n]) of RFC 6962 §2.1.2; empty when m == 0 or m == n."""
    _check_size(n, len(leaf_hashes))
    if not 0 <= m <= n:
        raise ValueError(f"old size {m} must be between 0 and new size {n}")
    return [_subtree_root(leaf_hashes, lo, hi) for lo, hi in consistency_ranges(m, n)]


def consistency_ranges(m: int, n: int) -> list[tuple[int, int]]:
    """The leaf ranges [lo, hi) whose roots make PROOF(m, D[0:n]), for 0 < m < n; bottom-up."""
    if m in (0, n):
        return []
    ranges: list[tuple[int, int]] = []
    lo, hi, complete = 0, n, True
    # Iterative SUBPROOF(m, D[lo:hi], complete): m is tracked as the absolute boundary.
    while m != hi:
        k = largest_power_of_two_below(hi - lo)
        if m <= lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, complete = lo + k, False
    if not complete:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def _check_size(size: int, available: int) -> None:
    if not 0 <= size <= available:
        raise ValueError(f"tree size {size} out of range: {available} leaf hashes available")


def inclusion_proof_length(index: int, size: int) -> int:
    """Return the number of hashes in a valid inclusion proof for index in a tree of size."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} out of range for tree size {size}")
    # Levels where the paths to index and to the last leaf diverge, plus the
    # "border" levels above them where index has a left sibling.
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_length(m: int, n: int) -> int:
    """Return the number of hashes in a valid consistency proof from size m to size n."""
    if not 0 <= m <= n:
        raise ValueError(f"old size {m} must be between 0 and new size {n}")
    if m in (0, n):
        return 0
    inner = ((m - 1) ^ (n - 1)).bit_length()
    border = ((m - 1) >> inner).bit_count()
    shift = (m & -m).bit_length() - 1  # trailing zero bits of m
    # When m is a power of two the old root itself seeds the proof and is omitted.
    seed = 0 if m == 1 << shift else 1
    return seed + inner - shift + border


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise ProofError(f"{what} must be bytes, got {type(value).__name__}")
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes, expected {HASH_SIZE}")


def _check_proof(proof: Sequence[bytes], expected: int, context: str) -> None:
    if len(proof) != expected:
        raise ProofError(f"proof has {len(proof)} hashes, expected {expected} for {context}")
    for i, element in enumerate(proof):
        _check_hash(element, f"proof element {i}")


def _check_int(value: int, what: str) -> None:
    # bool is an int subclass; accepting True as size 1 would hide caller bugs.
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProofError(f"{what} must be a non-negative integer, got {value!r}")


def _same(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(bytes(a), bytes(b))


def _walk(
    fn: int, sn: int, proof: Sequence[bytes], longer: str, shorter: str
) -> Iterator[tuple[bytes, bool]]:
    """Each proof hash with whether it is the left sibling (RFC 9162 §2.1.3.2 and §2.1.4.2)."""
    for p in proof:
        if sn == 0:
            raise ProofError(longer)
        left = bool(fn & 1 or fn == sn)
        if left:
            # Skip levels where the node has no right sibling.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        yield p, left
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(shorter)


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Verify an inclusion proof by RFC 9162 §2.1.3.2; raise ProofError naming the failure."""
    _check_int(index, "leaf index")
    _check_int(size, "tree size")
    if index >= size:
        raise ProofError(f"leaf index {index} is not less than tree size {size}")
    _check_hash(leaf_hash, "leaf hash")
    _check_hash(root, "root hash")
    _check_proof(proof, inclusion_proof_length(index, size), f"leaf {index} of tree size {size}")

    r = bytes(leaf_hash)
    longer = "proof is longer than the path from the leaf to the root"
    shorter = "proof is shorter than the path from the leaf to the root"
    for p, left in _walk(index, size - 1, proof, longer, shorter):
        r = node_hash(p, r) if left else node_hash(r, p)
    if not _same(r, root):
        raise ProofError(
            f"root computed from inclusion proof for leaf {index} does not match "
            f"the expected root of tree size {size}"
        )


def verify_consistency(
    m: int, n: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Verify a consistency proof by RFC 9162 §2.1.4.2; raise ProofError naming the failure."""
    _check_int(m, "old tree size")
    _check_int(n, "new tree size")
    if m > n:
        raise ProofError(f"old tree size {m} is greater than new tree size {n}")
    _check_hash(old_root, "old root hash")
    _check_hash(new_root, "new root hash")
    _check_proof(proof, consistency_proof_length(m, n), f"tree sizes {m} -> {n}")

    # Trivial cases that the RFC algorithm (which needs 0 < m < n) leaves out.
    if m == n:
        if not _same(old_root, new_root):
            raise ProofError(f"roots differ although both trees have size {m}")
        return
    if m == 0:
        # Stricter than some implementations: the old root must really be the empty root.
        if not _same(old_root, EMPTY_ROOT):
            raise ProofError("old root of an empty tree must be SHA-256 of the empty string")
        return

    if not proof:
        raise ProofError(f"consistency proof from size {m} to {n} must not be empty")
    path = list(proof)
    if m & (m - 1) == 0:
        path.insert(0, bytes(old_root))
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    longer = "consistency proof is longer than the path to the new root"
    shorter = "consistency proof is shorter than the path to the new root"
    for c, left in _walk(fn, sn, path[1:], longer, shorter):
        if left:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
        else:
            sr = node_hash(sr, c)
    if not _same(fr, old_root):
        raise ProofError(f"old root computed from proof does not match the root of size {m}")
    if not _same(sr, new_root):
        raise ProofError(f"new root computed from proof does not match the root of size {n}")
