"""`check` of the signed checkpoints: signatures, each consistent with the next, the outside file.

The stored tree has been compared with the events already (``ledger.check``); these checks say
whether the checkpoints the log handed out still fit that tree: a checkpoint deleted, its
signature corrupted, the tree rolled back or rebuilt differently all leave a trace here.
"""

from __future__ import annotations

from dataclasses import dataclass

from frispor.ledger.checkpoint import Checkpoint, CheckpointError, parse_and_verify_checkpoint
from frispor.ledger.checkpoint_file import CheckpointFile, CheckpointFileError
from frispor.ledger.cosign import WitnessKey, valid_cosigners
from frispor.ledger.keys import SigningError, decode_base64_strict
from frispor.ledger.merkle import ProofError, verify_consistency
from frispor.ledger.store import StoredCheckpoint, TreeStore
from frispor.ledger.timestamp import TimestampError, TsaTrust, verify_token

__all__ = ["checkpoint_problems", "outside_problems"]


@dataclass(frozen=True)
class _Head:
    """A checkpoint's size and root as its note states them, and what to call it."""

    name: str
    size: int
    root: bytes


def _stated(note: str, name: str, verifier_key: str | None) -> tuple[_Head | None, str | None]:
    """The size and root a note states (its signature checked when a key is given)."""
    if verifier_key is not None:
        try:
            cp: Checkpoint = parse_and_verify_checkpoint(note, verifier_key)
        except CheckpointError as error:
            return None, f"{name}: its signature does not verify with the log's key ({error})"
        return _Head(name, cp.size, cp.root), None
    lines = note[: note.rfind("\n\n") + 1].split("\n")
    try:
        return _Head(name, int(lines[1]), decode_base64_strict(lines[2], "root")), None
    except (IndexError, ValueError, SigningError):
        return None, f"{name}: its note does not state a size and a root"


def _consistent(store: TreeStore, old: _Head, new: _Head, size: int) -> str | None:
    if new.size < old.size:
        return (
            f"{new.name} has size {new.size}, smaller than the earlier {old.name} "
            f"(size {old.size}): the tree was rolled back"
        )
    if new.size > size:
        return None  # named already: beyond the stored tree
    try:
        proof = store.consistency_proof(old.size, new.size)
        verify_consistency(old.size, new.size, old.root, new.root, proof)
    except (ProofError, ValueError, LookupError) as error:
        return (
            f"{new.name} is not consistent with {old.name} in the stored tree: the history "
            f"between sizes {old.size} and {new.size} was rewritten ({error})"
        )
    return None


def _stored_problems(
    store: TreeStore, stored: list[StoredCheckpoint], size: int, verifier_key: str | None
) -> list[str]:
    problems: list[str] = []
    heads: list[_Head] = []
    for cp in sorted(stored, key=lambda c: c.id):
        head, problem = _stated(cp.note, f"checkpoint {cp.id}", verifier_key)
        if problem is not None:
            problems.append(problem)
        elif head is not None:
            heads.append(head)
    for old, new in zip(heads, heads[1:], strict=False):
        problem = _consistent(store, old, new, size)
        if problem is not None:
            problems.append(problem)
    return problems


def _file_problems(
    store: TreeStore,
    stored: list[StoredCheckpoint],
    size: int,
    verifier_key: str | None,
    file: CheckpointFile,
) -> list[str]:
    try:
        filed, torn = file.read()
    except CheckpointFileError as error:
        return [str(error)]
    problems: list[str] = []
    if torn:
        problems.append(f"the last line of {file.path} is incomplete (a crash while appending?)")
    if not filed and stored:
        problems.append(
            f"the checkpoint file {file.path} holds no checkpoint although the database has "
            f"{len(stored)}: cut one (frispor checkpoint) to start it, or restore the file"
        )
    in_database = {(cp.size, cp.root) for cp in stored}
    for line in filed:
        head, problem = _stated(line.note, f"{file.path} line {line.line}", verifier_key)
        if head is None:
            problems.append(problem or f"{file.path} line {line.line} is unreadable")
            continue
        if head.size > size:
            problems.append(
                f"{head.name}: checkpoint of size {head.size} is beyond the database's tree "
                f"of {size} leaves: leaves were removed"
            )
        elif store.root_at(head.size) != head.root:
            problems.append(
                f"{head.name}: the database's tree at size {head.size} is not the tree this "
                "checkpoint signed: the history was rewritten"
            )
        if (head.size, head.root) not in in_database:
            problems.append(
                f"{head.name}: checkpoint of size {head.size} cut {line.cut_at} is missing "
                "from the database's checkpoints: it was deleted"
            )
    return problems


def checkpoint_problems(
    store: TreeStore, size: int, verifier_key: str | None, file: CheckpointFile | None
) -> list[str]:
    """Signatures, consistency between checkpoints in order, and the file's agreement."""
    stored = store.checkpoints()
    problems = _stored_problems(store, stored, size, verifier_key)
    if file is not None:
        problems += _file_problems(store, stored, size, verifier_key, file)
    return problems


def outside_problems(
    store: TreeStore, trust: TsaTrust | None, witnesses: list[WitnessKey]
) -> list[str]:
    """Stored time-stamp tokens and cosignatures that do not verify over their checkpoint."""
    notes = {cp.id: cp.note for cp in store.checkpoints()}
    problems: list[str] = []
    if trust is not None:
        for checkpoint_id, token in store.db.query(
            "SELECT checkpoint_id, token FROM ledger_timestamps ORDER BY checkpoint_id"
        ):
            try:
                verify_token(bytes(token), notes[checkpoint_id], trust)
            except TimestampError as error:
                problems.append(f"checkpoint {checkpoint_id}: {error}")
    known = {key.name: key for key in witnesses}
    for checkpoint_id, name, line in store.db.query(
        "SELECT checkpoint_id, witness, line FROM ledger_cosignatures ORDER BY checkpoint_id"
    ):
        key = known.get(name)
        if key is not None and name not in valid_cosigners(notes[checkpoint_id] + line, [key]):
            problems.append(
                f"checkpoint {checkpoint_id}: the cosignature of {name} does not verify"
            )
    return problems
