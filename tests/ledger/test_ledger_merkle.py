"""RFC 6962 known-answer tests and mutated-proof rejection for ledger.merkle."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frispor.ledger import merkle
from frispor.ledger.merkle import ProofError

# Known-answer data transcribed from transparency-dev/merkle proof/verify_test.go
# and rfc6962/rfc6962_test.go (the certificate-transparency test tree).
LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    bytes.fromhex(h)
    for h in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]


def _h(*hexes: str) -> list[bytes]:
    return [bytes.fromhex(x) for x in hexes]


# (leaf index, tree size, proof); the Go source numbers leaves from 1, these from 0.
INCLUSION_VECTORS = [
    (0, 1, []),
    (
        0,
        8,
        _h(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ),
    ),
    (
        5,
        8,
        _h(
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (2, 3, _h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (
        1,
        5,
        _h(
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
]

# (old size, new size, proof)
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (
        1,
        8,
        _h(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ),
    ),
    (
        6,
        8,
        _h(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (
        2,
        5,
        _h(
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
    (
        6,
        7,
        _h(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
]

SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
LEAF_HASHES = [merkle.leaf_hash(x) for x in LEAVES]


def test_hasher_known_answers() -> None:
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert merkle.leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert merkle.leaf_hash(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert merkle.node_hash(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert merkle.root([]) == hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT
    assert merkle.root([]) != merkle.leaf_hash(b"")


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_of_reference_tree(size: int) -> None:
    assert merkle.root(LEAF_HASHES[:size]) == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_VECTORS)
def test_inclusion_vectors(index: int, size: int, proof: list[bytes]) -> None:
    assert merkle.inclusion_proof(index, size, LEAF_HASHES) == proof
    merkle.verify_inclusion(LEAF_HASHES[index], index, size, proof, ROOTS[size - 1])


@pytest.mark.parametrize(("m", "n", "proof"), CONSISTENCY_VECTORS)
def test_consistency_vectors(m: int, n: int, proof: list[bytes]) -> None:
    assert merkle.consistency_proof(m, n, LEAF_HASHES) == proof
    merkle.verify_consistency(m, n, ROOTS[m - 1], ROOTS[n - 1], proof)


def _flip(proof: list[bytes], i: int, mask: int) -> list[bytes]:
    changed = list(proof)
    changed[i] = bytes([changed[i][0] ^ mask]) + changed[i][1:]
    return changed


def inclusion_mutations(
    leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes
) -> list[tuple[str, tuple[bytes, int, int, list[bytes], bytes]]]:
    """Return (description, verify_inclusion arguments) that must all be rejected."""
    probes = [
        ("index - 1", (leaf, index - 1, size, proof, root)),
        ("index + 1", (leaf, index + 1, size, proof, root)),
        ("index ^ 2", (leaf, index ^ 2, size, proof, root)),
        ("size * 2", (leaf, index, size * 2, proof, root)),
        ("size // 2", (leaf, index, size // 2, proof, root)),
        ("wrong leaf", (b"WrongLeaf", index, size, proof, root)),
        ("other leaf", (SOME_HASH, index, size, proof, root)),
        ("empty root", (leaf, index, size, proof, merkle.EMPTY_ROOT)),
        ("random root", (leaf, index, size, proof, SOME_HASH)),
        ("trailing garbage", (leaf, index, size, [*proof, b""], root)),
        ("trailing root", (leaf, index, size, [*proof, root], root)),
        ("preceding garbage", (leaf, index, size, [b"", *proof], root)),
        ("preceding root", (leaf, index, size, [root, *proof], root)),
    ]
    for i in range(len(proof)):
        probes.append((f"proof[{i}] bit flip", (leaf, index, size, _flip(proof, i, 8), root)))
        probes.append((f"proof[{i}] truncated", (leaf, index, size, _short(proof, i), root)))
    if proof:
        probes.append(("removed last", (leaf, index, size, proof[:-1], root)))
    if len(proof) > 1:
        probes.append(("inserted", (leaf, index, size, [proof[0], SOME_HASH, *proof[1:]], root)))
        probes.append(("swapped", (leaf, index, size, [proof[1], proof[0], *proof[2:]], root)))
    return probes


def _short(proof: list[bytes], i: int) -> list[bytes]:
    changed = list(proof)
    changed[i] = changed[i][:-1]
    return changed


def consistency_mutations(
    m: int, n: int, root1: bytes, root2: bytes, proof: list[bytes]
) -> list[tuple[str, tuple[int, int, bytes, bytes, list[bytes]]]]:
    """Return (description, verify_consistency arguments) that must all be rejected."""
    probes = [
        ("m - 1", (m - 1, n, root1, root2, proof)),
        ("m + 1", (m + 1, n, root1, root2, proof)),
        ("m ^ 2", (m ^ 2, n, root1, root2, proof)),
        ("n * 2", (m, n * 2, root1, root2, proof)),
        ("n // 2", (m, n // 2, root1, root2, proof)),
        ("wrong root1", (m, n, b"WrongRoot", root2, proof)),
        ("wrong root2", (m, n, root1, b"WrongRoot", proof)),
        ("other root1", (m, n, SOME_HASH, root2, proof)),
        ("other root2", (m, n, root1, SOME_HASH, proof)),
        ("swapped roots", (m, n, root2, root1, proof)),
        ("empty proof", (m, n, root1, root2, [])),
        ("trailing garbage", (m, n, root1, root2, [*proof, b""])),
        ("trailing root1", (m, n, root1, root2, [*proof, root1])),
        ("trailing root2", (m, n, root1, root2, [*proof, root2])),
        ("preceding garbage", (m, n, root1, root2, [b"", *proof])),
        ("preceding root1", (m, n, root1, root2, [root1, *proof])),
        ("preceding root2", (m, n, root1, root2, [root2, *proof])),
        ("preceding proof[0]", (m, n, root1, root2, [proof[0], *proof])),
        ("truncated proof", (m, n, root1, root2, proof[:-1])),
        ("m > n", (n + 1, n, root1, root2, proof)),
    ]
    for i in range(len(proof)):
        probes.append((f"proof[{i}] bit flip", (m, n, root1, root2, _flip(proof, i, 16))))
    return probes


def accepted_inclusion_mutations(
    leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes
) -> list[str]:
    """Return the descriptions of the inclusion mutations that wrongly verify."""
    accepted = []
    for description, args in inclusion_mutations(leaf, index, size, proof, root):
        try:
            merkle.verify_inclusion(*args)
        except ProofError:
            continue
        accepted.append(description)
    return accepted


def accepted_consistency_mutations(
    m: int, n: int, root1: bytes, root2: bytes, proof: list[bytes]
) -> list[str]:
    """Return the descriptions of the consistency mutations that wrongly verify."""
    accepted = []
    for description, args in consistency_mutations(m, n, root1, root2, proof):
        try:
            merkle.verify_consistency(*args)
        except ProofError:
            continue
        accepted.append(description)
    return accepted


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_VECTORS)
def test_mutated_inclusion_proofs_are_rejected(index: int, size: int, proof: list[bytes]) -> None:
    leaf, root = LEAF_HASHES[index], ROOTS[size - 1]
    assert accepted_inclusion_mutations(leaf, index, size, proof, root) == []


@pytest.mark.parametrize(("m", "n", "proof"), [v for v in CONSISTENCY_VECTORS if v[2]])
def test_mutated_consistency_proofs_are_rejected(m: int, n: int, proof: list[bytes]) -> None:
    root1, root2 = ROOTS[m - 1], ROOTS[n - 1]
    assert accepted_consistency_mutations(m, n, root1, root2, proof) == []


@pytest.mark.parametrize(("index", "size"), [(0, 0), (0, 1), (1, 0), (2, 1)])
def test_inclusion_rejects_invalid_roots_and_leaves(index: int, size: int) -> None:
    for leaf, root in [
        (SOME_HASH, b""),
        (b"", merkle.EMPTY_ROOT),
        (SOME_HASH, merkle.EMPTY_ROOT),
    ]:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(leaf, index, size, [], root)


def test_single_entry_tree() -> None:
    h = merkle.leaf_hash(b"data")
    merkle.verify_inclusion(h, 0, 1, [], h)
    for leaf, root in [(h, b""), (b"", h), (b"", b"")]:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(leaf, 0, 1, [], root)


def test_consistency_trivial_cases() -> None:
    empty, one = merkle.EMPTY_ROOT, ROOTS[0]
    merkle.verify_consistency(0, 0, empty, empty, [])
    merkle.verify_consistency(0, 5, empty, ROOTS[4], [])
    merkle.verify_consistency(1, 1, one, one, [])
    rejected = [
        (0, 0, empty, SOME_HASH, []),  # equal sizes but different roots
        (1, 1, one, ROOTS[1], []),
        (0, 1, SOME_HASH, one, []),  # size 0 with a root that is not the empty root
        (1, 0, one, empty, []),  # time travel
        (2, 1, ROOTS[1], one, []),
        (1, 2, one, ROOTS[1], []),  # empty proof for a real extension
        (0, 0, empty, empty, [empty]),  # non-empty proof where none is allowed
        (0, 1, empty, one, [empty]),
        (1, 1, one, one, [one]),
    ]
    for args in rejected:
        with pytest.raises(ProofError):
            merkle.verify_consistency(*args)


def test_error_messages_name_the_failure() -> None:
    proof = INCLUSION_VECTORS[1][2]
    with pytest.raises(ProofError, match="proof has 2 hashes, expected 3"):
        merkle.verify_inclusion(LEAF_HASHES[0], 0, 8, proof[:2], ROOTS[7])
    with pytest.raises(ProofError, match="does not match the expected root"):
        merkle.verify_inclusion(LEAF_HASHES[0], 0, 8, _flip(proof, 1, 1), ROOTS[7])
    with pytest.raises(ProofError, match="proof element 0 is 31 bytes"):
        merkle.verify_inclusion(LEAF_HASHES[0], 0, 8, _short(proof, 0), ROOTS[7])
    with pytest.raises(ProofError, match="not less than tree size"):
        merkle.verify_inclusion(LEAF_HASHES[0], 8, 8, proof, ROOTS[7])
    with pytest.raises(ProofError, match="greater than new tree size"):
        merkle.verify_consistency(8, 6, ROOTS[7], ROOTS[5], [])
    with pytest.raises(ProofError, match="old root computed"):
        merkle.verify_consistency(6, 8, ROOTS[4], ROOTS[7], CONSISTENCY_VECTORS[2][2])
    with pytest.raises(ProofError, match="non-negative integer"):
        merkle.verify_inclusion(LEAF_HASHES[0], True, 8, proof, ROOTS[7])


def test_proof_generators_reject_bad_ranges() -> None:
    with pytest.raises(ValueError):
        merkle.inclusion_proof(8, 8, LEAF_HASHES)
    with pytest.raises(ValueError):
        merkle.inclusion_proof(0, 9, LEAF_HASHES)
    with pytest.raises(ValueError):
        merkle.consistency_proof(5, 4, LEAF_HASHES)
    assert merkle.consistency_proof(0, 8, LEAF_HASHES) == []
    assert merkle.consistency_proof(8, 8, LEAF_HASHES) == []


def _tree(size: int, seed: int) -> list[bytes]:
    # Distinct leaves: with duplicates a wrong index could legitimately verify.
    return [merkle.leaf_hash(b"%d/%d" % (seed, i)) for i in range(size)]


@settings(max_examples=300, deadline=None, database=None)
@given(data=st.data(), size=st.integers(1, 70), seed=st.integers(0, 2**16))
def test_generated_proofs_verify_and_mutations_fail(
    data: st.DataObject, size: int, seed: int
) -> None:
    leaves = _tree(size, seed)
    n = data.draw(st.integers(1, size), label="n")
    index = data.draw(st.integers(0, n - 1), label="index")
    m = data.draw(st.integers(1, n), label="m")
    root_n, root_m = merkle.root(leaves[:n]), merkle.root(leaves[:m])

    proof = merkle.inclusion_proof(index, n, leaves)
    assert len(proof) == merkle.inclusion_proof_length(index, n)
    merkle.verify_inclusion(leaves[index], index, n, proof, root_n)
    assert accepted_inclusion_mutations(leaves[index], index, n, proof, root_n) == []

    cproof = merkle.consistency_proof(m, n, leaves)
    assert len(cproof) == merkle.consistency_proof_length(m, n)
    merkle.verify_consistency(m, n, root_m, root_n, cproof)
    if m < n:
        assert accepted_consistency_mutations(m, n, root_m, root_n, cproof) == []
