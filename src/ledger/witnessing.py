"""The log's side of witnessing: send a checkpoint with its consistency proof, keep the answer.

Each witness gets the latest checkpoint with a proof from the size it cosigned last (known from
the stored cosignatures, or learnt from its 409). Its cosignature is checked with its key and
stored; the bag's checkpoint carries every stored cosignature after the log's own signature.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime

from frispor.ledger.cosign import WitnessKey, format_add_checkpoint, valid_cosigners
from frispor.ledger.leaf import format_recorded_at
from frispor.ledger.store import StoredCheckpoint, TreeStore

__all__ = [
    "WitnessError",
    "WitnessTarget",
    "cosignature_lines",
    "cosigned_note",
    "last_cosigned_size",
    "send",
]


class WitnessError(RuntimeError):
    """A witness did not cosign: unreachable, or it refused (the reason is in the message)."""


@dataclass(frozen=True)
class WitnessTarget:
    """A witness the log sends its checkpoints to: name, add-checkpoint URL, verifier key."""

    name: str
    url: str
    key: WitnessKey


def cosignature_lines(store: TreeStore, checkpoint_id: int) -> list[str]:
    """Return the stored cosignature lines of a checkpoint, by witness name."""
    rows = store.db.query(
        "SELECT line FROM ledger_cosignatures WHERE checkpoint_id = %s ORDER BY witness",
        [checkpoint_id],
    )
    return [str(r[0]) for r in rows]


def cosigned_note(store: TreeStore, checkpoint: StoredCheckpoint) -> str:
    """The checkpoint's signed note with the witnesses' cosignatures added."""
    return checkpoint.note + "".join(cosignature_lines(store, checkpoint.id))


def last_cosigned_size(store: TreeStore, witness: str) -> int:
    """Return the largest checkpoint size this witness cosigned for the log, or 0."""
    [(size,)] = store.db.query(
        "SELECT max(c.size) FROM ledger_cosignatures s JOIN ledger_checkpoints c "
        "ON c.id = s.checkpoint_id WHERE s.witness = %s",
        [witness],
    )
    return int(size or 0)


def _post(url: str, body: bytes, timeout: float) -> tuple[int, str, str, str]:
    request = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return answer.status, answer.read().decode(), answer.headers.get("Content-Type", ""), ""
    except urllib.error.HTTPError as error:
        reason = error.headers.get("Frispor-Refusal", "") if error.headers else ""
        kind = error.headers.get("Content-Type", "") if error.headers else ""
        return error.code, error.read().decode(errors="replace"), kind, reason
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise WitnessError(f"the witness at {url} did not answer: {error}") from None


def send(
    store: TreeStore, checkpoint: StoredCheckpoint, witness: WitnessTarget, *, timeout: float
) -> None:
    """Get the witness's cosignature on a checkpoint and store it; raise WitnessError."""
    old = last_cosigned_size(store, witness.name)
    for _ in range(2):  # a 409 tells the witness's size once; then the proof is from it
        proof = store.consistency_proof(old, checkpoint.size) if 0 < old < checkpoint.size else []
        body = format_add_checkpoint(old, proof, checkpoint.note)
        status, text, kind, reason = _post(witness.url, body, timeout)
        if status == 200:
            lines = [line + "\n" for line in text.splitlines() if line]
            valid = valid_cosigners(checkpoint.note + "".join(lines), [witness.key])
            if witness.name not in valid:
                raise WitnessError(f"{witness.name} answered without a valid cosignature")
            line = next(x for x in lines if x.startswith(f"\N{EM DASH} {witness.name} "))
            _store(store, checkpoint.id, witness.name, line)
            return
        if status == 409 and kind.startswith("text/x.tlog.size") and text.strip().isdigit():
            theirs = int(text.strip())
            if theirs == old or theirs > checkpoint.size:
                raise WitnessError(
                    f"{witness.name} refused (409): it cosigned size {theirs}"
                    + (", beyond this log's tree" if theirs > checkpoint.size else "")
                )
            old = theirs
            continue
        raise WitnessError(f"{witness.name} refused ({status}): {reason or text.strip()}")
    raise WitnessError(f"{witness.name} refused twice (409)")


def _store(store: TreeStore, checkpoint_id: int, witness: str, line: str) -> None:
    with store.db.transaction(write=True):
        store.db.execute(
            "INSERT INTO ledger_cosignatures (checkpoint_id, witness, line, received_at) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [checkpoint_id, witness, line, format_recorded_at(datetime.now(UTC))],
        )
