"""The stored time-stamp tokens: one per checkpoint, fetched after the checkpoint is cut."""

from __future__ import annotations

from frispor.ledger.store import StoredCheckpoint, TreeStore, checkpoint_row
from frispor.ledger.timestamp import Stamp

__all__ = ["add_stamp", "pending", "stamp_lag", "token_of"]

_COLUMNS = "c.id, c.size, c.root, c.note, c.cut_at"


def add_stamp(
    store: TreeStore, checkpoint_id: int, token: bytes, stamp: Stamp, fetched_at: str
) -> None:
    """Store a verified token for a checkpoint (a second one for it is ignored)."""
    with store.db.transaction(write=True):
        store.db.execute(
            "INSERT INTO ledger_timestamps (checkpoint_id, token, stamped_at, tsa, fetched_at) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [checkpoint_id, token, stamp.time.isoformat(), stamp.tsa, fetched_at],
        )


def token_of(store: TreeStore, checkpoint_id: int) -> bytes | None:
    """Return the stored time-stamp response of a checkpoint, if it has one."""
    rows = store.db.query(
        "SELECT token FROM ledger_timestamps WHERE checkpoint_id = %s", [checkpoint_id]
    )
    return bytes(rows[0][0]) if rows else None


def pending(store: TreeStore, limit: int = 10) -> list[StoredCheckpoint]:
    """Return the checkpoints still without a token, oldest first."""
    rows = store.db.query(
        f"SELECT {_COLUMNS} FROM ledger_checkpoints c LEFT JOIN ledger_timestamps t "
        "ON t.checkpoint_id = c.id WHERE t.checkpoint_id IS NULL ORDER BY c.id LIMIT %s",
        [limit],
    )
    return [checkpoint_row(r) for r in rows]


def stamp_lag(store: TreeStore) -> tuple[int, str | None]:
    """Return how many checkpoints wait for a token and when the oldest of them was cut."""
    [(count, oldest)] = store.db.query(
        "SELECT count(*), min(c.cut_at) FROM ledger_checkpoints c LEFT JOIN ledger_timestamps t "
        "ON t.checkpoint_id = c.id WHERE t.checkpoint_id IS NULL"
    )
    return int(count), oldest
