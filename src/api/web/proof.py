"""An event's inclusion proof, checked by the server against the latest signed checkpoint."""

from __future__ import annotations

from typing import Any

from frispor.api.web.calls import Api
from frispor.domain.errors import NotFoundError
from frispor.ledger.merkle import ProofError, leaf_hash, verify_inclusion


def proof_of(api: Api, position: int) -> dict[str, Any]:
    """The proof against the latest signed checkpoint, and whether it leads to its root."""
    try:
        note = api.checkpoint()
    except NotFoundError:
        return {"state": "no-checkpoint"}
    lines = note.splitlines()
    size, root_b64 = int(lines[1]), lines[2]
    try:
        proof = api.inclusion(position, size)
    except NotFoundError:
        return {"state": "not-in-tree", "note": note}
    import base64

    root = base64.b64decode(root_b64)
    try:
        verify_inclusion(
            leaf_hash(proof["leaf"].encode()),
            proof["leaf_index"],
            size,
            [bytes.fromhex(p) for p in proof["proof"]],
            root,
        )
        state, problem = "verified", ""
    except ProofError as error:
        state, problem = "failed", str(error)
    return {"state": state, "problem": problem, "note": note, "size": size, **proof}
