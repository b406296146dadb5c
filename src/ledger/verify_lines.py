"""Line-by-line verification of data/events.jsonl against the checkpointed tree (offline).

The expected leaves come from the bag's ledger evidence, already covered by the signed
tag manifest: every leaf hash (full export, whose root is checked first) or one inclusion
proof per line (subset). A failing line is named and classed as changed, added, missing
or reordered; both files are streamed, so memory does not grow with the number of lines.
"""

from __future__ import annotations

import hashlib
import json
import re
from binascii import unhexlify
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from frispor.ledger.bag import (
    EVENTS_JSONL,
    INCLUSION_PROOFS,
    LEAF_HASHES,
    BagError,
    LineError,
    ParsedLine,
    Scope,
    leaf_text_field,
    parse_line,
)
from frispor.ledger.checkpoint import Checkpoint
from frispor.ledger.compact import CompactRange
from frispor.ledger.merkle import HASH_SIZE, ProofError, leaf_hash, verify_inclusion

if TYPE_CHECKING:
    from frispor.ledger.steps import Steps

__all__ = ["check_evidence", "check_lines"]

_HEX_LINE = re.compile(rb"[0-9a-f]{64}\n")
_INDEX = re.compile(rb'\{"index":(0|[1-9][0-9]*),')
_POSITION = re.compile(rb'"position":([0-9]+)')
_PAYLOAD_DIGEST = b'"payload_sha256":"'
_CHUNK = 4096  # leaf hashes pushed at a time: bounded memory, one call per chunk


def _leaf_hashes(root: Path) -> Iterator[list[bytes]]:
    """Yield the leaf hashes in lists of up to _CHUNK, each line checked first."""
    chunk: list[bytes] = []
    with (root / LEAF_HASHES).open("rb") as file:
        for number, line in enumerate(file, start=1):
            if not _HEX_LINE.fullmatch(line):
                raise BagError(f"{LEAF_HASHES} line {number} is not a lowercase hex SHA-256")
            chunk.append(unhexlify(line[:64]))
            if len(chunk) == _CHUNK:
                yield chunk
                chunk = []
    yield chunk


def _proof(line: bytes) -> tuple[int, list[bytes]]:
    doc = json.loads(line)
    return doc["index"], [bytes.fromhex(p) for p in doc["proof"]]


def _check_proofs(root: Path, size: int) -> int:
    last, count = -1, 0
    with (root / INCLUSION_PROOFS).open("rb") as file:
        for number, line in enumerate(file, start=1):
            try:
                index, proof = _proof(line)
            except (ValueError, KeyError, TypeError):
                raise BagError(
                    f"{INCLUSION_PROOFS} line {number} is not an inclusion proof"
                ) from None
            if not isinstance(index, int) or not last < index < size:
                raise BagError(f"{INCLUSION_PROOFS} line {number}: index out of order or range")
            if any(len(p) != HASH_SIZE for p in proof):
                raise BagError(f"{INCLUSION_PROOFS} line {number}: a proof hash is not 32 bytes")
            last, count = index, number
    return count


def check_evidence(root: Path, full: bool, checkpoint: Checkpoint) -> int:
    """Check the leaf hashes give the root (full) or the proofs are well formed; return count."""
    if not full:
        return _check_proofs(root, checkpoint.size)
    tree = CompactRange()
    for chunk in _leaf_hashes(root):
        tree.extend(chunk)
    if tree.size != checkpoint.size:
        raise BagError(
            f"{LEAF_HASHES} has {tree.size} leaf hashes but the checkpoint has size "
            f"{checkpoint.size}"
        )
    if tree.root() != checkpoint.root:
        raise BagError(f"the leaf hashes in {LEAF_HASHES} do not give the checkpoint's root")
    return tree.size


class _Reference(Protocol):
    """The expected leaves in order, read from the bag's (already checked) evidence."""

    def advance(self) -> int | None:
        """Move to the next expected leaf and return its index, or None after the last."""
        ...

    def matches(self, digest: bytes) -> bool:
        """Whether a leaf hash is the current expected leaf of the checkpointed tree."""
        ...


class _LeafList:
    def __init__(self, file: BinaryIO) -> None:
        self._readline, self._index, self._digest = file.readline, -1, b""

    def advance(self) -> int | None:
        line = self._readline()
        if not line:
            return None
        self._index += 1
        self._digest = unhexlify(line[:64])  # check_evidence checked it is lowercase hex
        return self._index

    def matches(self, digest: bytes) -> bool:
        return digest == self._digest


class _ProofList:
    def __init__(self, file: BinaryIO, checkpoint: Checkpoint) -> None:
        self._readline, self._checkpoint = file.readline, checkpoint
        self._index, self._path = -1, [b""]

    def advance(self) -> int | None:
        line = self._readline()
        if not line:
            return None
        self._index, self._path = _proof(line)
        return self._index

    def matches(self, digest: bytes) -> bool:
        size, root = self._checkpoint.size, self._checkpoint.root
        try:
            verify_inclusion(digest, self._index, size, self._path, root)
        except ProofError:
            return False
        return True


def _parse(line: bytes) -> ParsedLine | None:
    try:
        return parse_line(line)
    except LineError:
        return None


def _authentic(line: bytes, want: int, reference: _Reference) -> bool:
    parsed = _parse(line)
    return parsed is not None and parsed[0] == want and reference.matches(leaf_hash(parsed[1]))


def _line_with_index(path: Path, after: int, index: int) -> int | None:
    # Only on failure: a second pass to tell a moved line from a missing or extra one.
    with path.open("rb") as file:
        for number, line in enumerate(file, start=1):
            match = _INDEX.match(line) if number > after else None
            if match and int(match.group(1)) == index:
                return number
    return None


def _classify(
    path: Path,
    number: int,
    line: bytes,
    want: int,
    reference: _Reference,
    following: bytes,
    evidence: tuple[Path, bool, int],
) -> str:
    where = f"{EVENTS_JSONL} line {number}"
    parsed = _parse(line)
    if parsed is None or parsed.leaf_index == want:
        if following and _authentic(following, want, reference):
            return f"{where}: added — an extra line before the line of leaf {want}"
        if parsed is None:
            return f"{where}: changed — it is not an export line"
        return (
            f"{where}: changed — leaf {want} (position {_position(parsed.leaf)}) "
            "is not the one in the checkpointed tree"
        )
    found = parsed.leaf_index
    if found < want:
        return f"{where}: added — leaf {found} out of place before leaf {want}"
    evidence_path, full, size = evidence
    expected = found < size if full else _line_with_index(evidence_path, 0, found) is not None
    if not expected:
        return f"{where}: added — leaf {found} is not part of this export"
    if _line_with_index(path, number, found):
        return f"{where}: added — an extra copy of leaf {found}"
    later = _line_with_index(path, number, want)
    if later:
        return f"{where}: reordered — leaf {want} belongs here but is at line {later}"
    return f"{where}: missing — leaf {want} is not in the bag (found leaf {found} here)"


# Progress is told every so many lines: the loop below sets the verifier's speed.
STEP = 8192


def check_lines(
    root: Path, full: bool, checkpoint: Checkpoint, scope: Scope, steps: Steps | None = None
) -> str:
    """Check every line against the tree, its payload and the period; return the file's SHA-256."""
    path = root / EVENTS_JSONL
    low, high = scope.recorded_bounds()
    period = low is not None or high is not None
    sha = hashlib.sha256()
    number = 0
    evidence = root / (LEAF_HASHES if full else INCLUSION_PROOFS)
    with path.open("rb") as file, evidence.open("rb") as reference_file:
        reference: _Reference = (
            _LeafList(reference_file) if full else _ProofList(reference_file, checkpoint)
        )
        readline, update, advance = file.readline, sha.update, reference.advance
        matches, sha256 = reference.matches, hashlib.sha256
        # One tight loop: this runs once per event and sets the verifier's speed.
        while (want := advance()) is not None:
            line = readline()
            if not line:
                raise BagError(
                    f"{EVENTS_JSONL} line {number + 1}: missing — the file ends but leaf "
                    f"{want} should follow"
                )
            number += 1
            if steps is not None and not number % STEP:
                steps.advance(STEP)
            update(line)
            try:
                parsed: ParsedLine | None = parse_line(line)
            except LineError:
                parsed = None
            if parsed is None or parsed[0] != want or not matches(leaf_hash(parsed[1])):
                context = (evidence, full, checkpoint.size)
                following = readline()
                raise BagError(_classify(path, number, line, want, reference, following, context))
            leaf = parsed[1]
            # leaf_text_field(leaf, "payload_sha256") == the hex digest, without decoding:
            # the field's text ends at the next quote, so 64 hex characters then a quote.
            digest = sha256(parsed[2]).hexdigest()
            at = leaf.find(_PAYLOAD_DIGEST) + 18
            fast = at >= 18 and leaf[at + 64 : at + 65] == b'"'
            if not (fast and leaf[at : at + 64] == digest.encode()) and (
                digest != leaf_text_field(leaf, "payload_sha256")
            ):
                raise BagError(
                    f"{EVENTS_JSONL} line {number}: changed — the payload of position "
                    f"{_position(leaf)} does not match the SHA-256 in its leaf"
                )
            if period:
                _check_period(number, leaf, low, high)
        if readline():
            raise BagError(f"{EVENTS_JSONL} line {number + 1}: added — after the last leaf")
    return sha.hexdigest()


def _check_period(number: int, leaf: bytes, low: str | None, high: str | None) -> None:
    # The leaf is authentic here, so reading its fields by key is safe (see leaf_text_field).
    recorded = leaf_text_field(leaf, "recorded_at")
    if (low is not None and recorded < low) or (high is not None and recorded >= high):
        raise BagError(
            f"{EVENTS_JSONL} line {number}: position {_position(leaf)} was recorded "
            f"at {recorded}, outside the export's period"
        )


def _position(leaf: bytes) -> str:
    match = _POSITION.search(leaf)
    return match.group(1).decode() if match else "?"
