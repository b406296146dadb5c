"""Idempotency keys: a retry with the same key and body gets the first answer and writes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from projections.db import Database

DDL = (
    "CREATE TABLE IF NOT EXISTS idempotency_keys ("
    "subject TEXT NOT NULL, key TEXT NOT NULL, request_sha256 TEXT NOT NULL, "
    "status INTEGER NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL, "
    "PRIMARY KEY (subject, key))"
)


@dataclass(frozen=True)
class Stored:
    """The first answer given for a key, or a note that it is still being worked on."""

    status: int
    body: dict[str, Any] | None
    same_request: bool


class IdempotencyStore:
    """Keys live in the events' database, so they survive restarts and serve every process."""

    def __init__(self, db: Database) -> None:
        self.db = db
        if db.may_create():  # else migrated by the schema's owner
            with db.transaction() as cur:
                cur.execute(DDL)

    def claim(self, subject: str, key: str, request_sha256: str) -> Stored | None:
        """Claim the key for this request; None if claimed now, else what is stored for it."""
        now = datetime.now(UTC).isoformat()
        rows: list[Any] = []
        while not rows:
            with self.db.transaction() as cur:
                # Insert first: of two requests with one key only the one that inserted runs
                # (on PostgreSQL the other waits here for its commit, then reads its claim).
                if cur.execute(
                    "INSERT INTO idempotency_keys VALUES (%s, %s, %s, 0, '', %s) "
                    "ON CONFLICT DO NOTHING RETURNING 1",
                    (subject, key, request_sha256, now),
                ):
                    return None
                rows = cur.execute(
                    "SELECT status, body, request_sha256 FROM idempotency_keys "
                    "WHERE subject = %s AND key = %s",
                    (subject, key),
                )  # empty only if that claim was released meanwhile: then claim again
        status, body, digest = rows[0]
        return Stored(int(status), json.loads(body) if body else None, digest == request_sha256)

    def complete(self, subject: str, key: str, status: int, body: dict[str, Any]) -> None:
        """Store the answer to give every retry."""
        with self.db.transaction() as cur:
            cur.execute(
                "UPDATE idempotency_keys SET status = %s, body = %s "
                "WHERE subject = %s AND key = %s",
                (status, json.dumps(body), subject, key),
            )

    def release(self, subject: str, key: str) -> None:
        """Forget a claim whose command was refused: nothing was written, a retry may run."""
        with self.db.transaction() as cur:
            cur.execute(
                "DELETE FROM idempotency_keys WHERE subject = %s AND key = %s AND status = 0",
                (subject, key),
            )
