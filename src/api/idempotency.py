"""Idempotency keys: a retry with the same key and body gets the first answer and writes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from frispor.projections.history import feed
from frispor.store.db import Database

DDL = (
    "CREATE TABLE IF NOT EXISTS idempotency_keys ("
    "subject TEXT NOT NULL, key TEXT NOT NULL, request_sha256 TEXT NOT NULL, "
    "status INTEGER NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL, "
    "PRIMARY KEY (subject, key))"
)


@dataclass(frozen=True)
class Stored:
    """The first answer given for a key, or a note that it is still being worked on."""

    status: int  # 0 while the request that claimed the key has not finished
    body: dict[str, Any]  # the answer; while pending, {"head": the last position at the claim}
    same_request: bool
    claimed_at: str

    @property
    def pending(self) -> bool:
        """Whether the claiming request has not (yet) stored its answer."""
        return self.status == 0


class IdempotencyStore:
    """Keys live in the events' database, so they survive restarts and serve every process."""

    def __init__(self, db: Database) -> None:
        self.db = db
        if db.may_create():  # else migrated by the schema's owner
            with db.transaction() as cur:
                cur.execute(DDL)

    def claim(self, subject: str, key: str, request_sha256: str, head: int) -> Stored | None:
        """Claim the key for this request; None if claimed now, else what is stored for it."""
        now = datetime.now(UTC).isoformat()
        pending = json.dumps({"head": head})
        rows: list[Any] = []
        while not rows:
            with self.db.transaction() as cur:
                # Insert first: of two requests with one key only the one that inserted runs
                # (on PostgreSQL the other waits here for its commit, then reads its claim).
                if cur.execute(
                    "INSERT INTO idempotency_keys VALUES (%s, %s, %s, 0, %s, %s) "
                    "ON CONFLICT DO NOTHING RETURNING 1",
                    (subject, key, request_sha256, pending, now),
                ):
                    return None
                rows = cur.execute(
                    "SELECT status, body, request_sha256, created_at FROM idempotency_keys "
                    "WHERE subject = %s AND key = %s",
                    (subject, key),
                )  # empty only if that claim was released meanwhile: then claim again
        status, body, digest, claimed_at = rows[0]
        answer = json.loads(body) if body else {}
        return Stored(int(status), answer, digest == request_sha256, str(claimed_at))

    def complete(self, subject: str, key: str, status: int, body: dict[str, Any]) -> None:
        """Store the answer to give every retry."""
        with self.db.transaction() as cur:
            cur.execute(
                "UPDATE idempotency_keys SET status = %s, body = %s "
                "WHERE subject = %s AND key = %s",
                (status, json.dumps(body), subject, key),
            )

    def release(self, subject: str, key: str, claimed_at: str | None = None) -> None:
        """Forget a pending claim (only the one made at `claimed_at`, if given)."""
        sql = "DELETE FROM idempotency_keys WHERE subject = %s AND key = %s AND status = 0"
        params = [subject, key]
        if claimed_at is not None:
            sql += " AND created_at = %s"
            params.append(claimed_at)
        with self.db.transaction() as cur:
            cur.execute(sql, params)

    def settle(
        self, subject: str, key: str, stored: Stored, correlation: UUID, stale_after: float
    ) -> dict[str, Any] | None:
        """Find out what became of a claim left pending (its process died mid-request).

        The claim stays unanswered while its request may still be running. After that, the
        events written since the claim are searched for the request's correlation id: found,
        their answer is stored and returned; not found, nothing was written, so the claim is
        released and None returned for the caller to claim again.
        """
        age = datetime.now(UTC) - datetime.fromisoformat(stored.claimed_at)
        if age.total_seconds() < stale_after:
            raise StillPending
        after, found = int(stored.body.get("head", 0)), []
        while rows := feed(self.db, after, 1000)[0]:
            found += [r for r in rows if r.event.envelope.correlation_id == correlation]
            after = rows[-1].position
        if not found:
            self.release(subject, key, stored.claimed_at)
            return None
        main = found[0].event.originator_id
        answer = {
            "id": str(main),
            "version": max(
                r.event.originator_version for r in found if r.event.originator_id == main
            ),
            "position": max(r.position for r in found),
        }
        self.complete(subject, key, 201, answer)
        return answer


class StillPending(Exception):
    """The request that claimed the key may still be running."""
