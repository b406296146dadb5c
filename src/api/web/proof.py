"""An event's inclusion proof, checked by the server against the latest signed checkpoint, and
the trusted time its first time-stamped checkpoint proves it existed by."""

from __future__ import annotations

import base64
from typing import Any

from frispor.api.web.calls import Api
from frispor.domain.errors import NotFoundError
from frispor.ledger.merkle import ProofError, leaf_hash, verify_inclusion
from frispor.ledger.store import TreeStore

# The first checkpoint holding a leaf that has a token: an event is proven to exist no later
# than its time (checkpoint sizes grow with their ids).
FIRST_STAMP = (
    "SELECT c.size, t.stamped_at, t.tsa FROM ledger_checkpoints c JOIN ledger_timestamps t "
    "ON t.checkpoint_id = c.id WHERE c.size > %s ORDER BY c.id LIMIT 1"
)


def proof_of(api: Api, position: int) -> dict[str, Any]:
    """The proof against the latest signed checkpoint, and whether it leads to its root."""
    try:
        note = api.checkpoint()
    except NotFoundError:
        return {"state": "no-checkpoint"}
    lines = note.splitlines()
    size, root = int(lines[1]), base64.b64decode(lines[2])
    try:
        proof = api.inclusion(position, size)
    except NotFoundError:
        return {"state": "not-in-tree", "note": note}
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
    stamp = first_stamp(api, proof["leaf_index"])
    return {"state": state, "problem": problem, "note": note, "size": size, "stamp": stamp, **proof}


def first_stamp(api: Api, leaf_index: int) -> dict[str, Any] | None:
    """Size, time and TSA of the first time-stamped checkpoint holding the leaf (None: none)."""
    with TreeStore.borrow(api.services.db) as store:
        rows = store.db.query(FIRST_STAMP, [leaf_index])
    if not rows:
        return None
    size, stamped_at, tsa = rows[0]
    return {"size": int(size), "time": str(stamped_at), "tsa": str(tsa)}
