"""Credentials in the database: only each token's SHA-256, issued and revoked as new rows."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import uuid4

from frispor.domain.values import Role
from frispor.settings import TokenEntry
from frispor.store.db import Database

ISSUED, REVOKED, USED = "frispor_tokens", "frispor_token_revocations", "frispor_token_use"
DDL = [
    f"CREATE TABLE IF NOT EXISTS {ISSUED} (id TEXT PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, "
    "subject TEXT NOT NULL, role TEXT NOT NULL, organisation TEXT NOT NULL, area TEXT, "
    "created_at TEXT NOT NULL, expires_at TEXT, created_by TEXT NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {REVOKED} (token_id TEXT PRIMARY KEY REFERENCES {ISSUED}(id), "
    "revoked_at TEXT NOT NULL, revoked_by TEXT NOT NULL, reason TEXT NOT NULL)",
    # When a token was last used: a note for the operator, not an audited fact, so updated.
    f"CREATE TABLE IF NOT EXISTS {USED} (token_id TEXT PRIMARY KEY, last_used TEXT NOT NULL)",
]
# Issuing and revoking are audited facts: neither table lets a row change or go.
GUARD_POSTGRES = [
    """CREATE OR REPLACE FUNCTION frispor_tokens_refuse_change() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
      USING ERRCODE = 'insufficient_privilege'; END $$ LANGUAGE plpgsql""",
] + [
    f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}; CREATE TRIGGER {t}_append_only BEFORE "
    f"UPDATE OR DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION frispor_tokens_refuse_change()"
    for t in (ISSUED, REVOKED)
]
GUARD_SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS {t}_no_{op.lower()} BEFORE {op} ON {t} "
    f"BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END"
    for t in (ISSUED, REVOKED)
    for op in ("UPDATE", "DELETE")
]
TOUCH_EVERY = 60.0  # seconds between two notes of one token's use by one process


@dataclass(frozen=True)
class Issued:
    """A token as listed: never the token itself, nor its hash."""

    id: str
    subject: str
    role: str
    organisation: str
    area: str | None
    created: str
    expires: str | None
    last_used: str | None
    revoked: str | None

    def as_dict(self) -> dict[str, str | None]:
        """The listed fields as JSON."""
        return dict(self.__dict__)


class TokenStore:
    """Tokens issued by `frispor tokens create`, looked up on every request (revocation is
    seen at once by every server process)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._touched: dict[str, float] = {}
        if db.may_create():
            with db.transaction() as cur:
                for statement in DDL + (GUARD_POSTGRES if db.is_postgres else GUARD_SQLITE):
                    cur.execute(statement)

    def create(
        self,
        role: Role,
        organisation: str,
        *,
        subject: str | None = None,
        area: str | None = None,
        expires: datetime | None = None,
        created_by: str,
    ) -> tuple[str, Issued]:
        """A new token (returned once, never stored) and its listing."""
        token, token_id = secrets.token_urlsafe(32), uuid4().hex[:12]
        entry = TokenEntry(
            sha256=token_sha256(token),
            subject=subject or f"{role.value}-{token_id}",
            role=role,
            organisation=organisation,
            area=area,
            expires=expires,
        )
        now = datetime.now(UTC).isoformat(timespec="seconds")
        until = expires.astimezone(UTC).isoformat(timespec="seconds") if expires else None
        with self.db.transaction() as cur:
            cur.execute(
                f"INSERT INTO {ISSUED} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    token_id,
                    entry.sha256,
                    entry.subject,
                    role.value,
                    organisation,
                    area,
                    now,
                    until,
                    created_by,
                ),
            )
        listed = Issued(
            token_id, entry.subject, role.value, organisation, area, now, until, None, None
        )
        return token, listed

    def revoke(self, token_id: str, *, revoked_by: str, reason: str = "") -> bool:
        """Revoke a token from the next request on; False if there is no such live token."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.db.transaction() as cur:
            if not cur.execute(f"SELECT 1 FROM {ISSUED} WHERE id = %s", (token_id,)):
                return False
            inserted = cur.execute(
                f"INSERT INTO {REVOKED} VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1",
                (token_id, now, revoked_by, reason),
            )
        return bool(inserted)

    def listing(self) -> list[Issued]:
        """Every token issued, oldest first, with when it was last used and revoked."""
        with self.db.read() as cur:
            rows = cur.execute(
                f"SELECT i.id, i.subject, i.role, i.organisation, i.area, i.created_at, "
                f"i.expires_at, u.last_used, r.revoked_at FROM {ISSUED} i "
                f"LEFT JOIN {USED} u ON u.token_id = i.id "
                f"LEFT JOIN {REVOKED} r ON r.token_id = i.id ORDER BY i.created_at, i.id"
            )
        return [Issued(*(None if v is None else str(v) for v in row)) for row in rows]  # type: ignore[arg-type]

    def find(self, sha256: str) -> TokenEntry | None:
        """The live token with this hash (not revoked), noting that it was used."""
        with self.db.read() as cur:
            rows = cur.execute(
                f"SELECT i.id, i.subject, i.role, i.organisation, i.area, i.expires_at "
                f"FROM {ISSUED} i LEFT JOIN {REVOKED} r ON r.token_id = i.id "
                "WHERE i.sha256 = %s AND r.token_id IS NULL",
                (sha256,),
            )
        if not rows:
            return None
        token_id, subject, role, organisation, area, expires = rows[0]
        self._touch(str(token_id))
        return TokenEntry(
            sha256=sha256,
            subject=subject,
            role=Role(role),
            organisation=organisation,
            area=area,
            expires=datetime.fromisoformat(expires) if expires else None,
        )

    def any_live(self) -> bool:
        """Whether some issued token is neither revoked nor expired."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.db.read() as cur:
            rows = cur.execute(
                f"SELECT 1 FROM {ISSUED} i LEFT JOIN {REVOKED} r ON r.token_id = i.id "
                "WHERE r.token_id IS NULL AND (i.expires_at IS NULL OR i.expires_at > %s) "
                "LIMIT 1",
                (now,),
            )
        return bool(rows)

    def _touch(self, token_id: str) -> None:
        """Note the use, at most once a minute per token and process (not on every request)."""
        moment = time.monotonic()
        if moment - self._touched.get(token_id, -TOUCH_EVERY) < TOUCH_EVERY:
            return
        self._touched[token_id] = moment
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.db.transaction() as cur:
            cur.execute(
                f"INSERT INTO {USED} VALUES (%s, %s) "
                "ON CONFLICT (token_id) DO UPDATE SET last_used = excluded.last_used",
                (token_id, now),
            )


def token_sha256(token: str) -> str:
    """How tokens are stored: their SHA-256 in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(
    role: Role, organisation: str, subject: str, area: str | None = None
) -> tuple[str, TokenEntry]:
    """A fresh random token and the hashed entry to store for it."""
    token = secrets.token_urlsafe(32)
    entry = TokenEntry(
        sha256=token_sha256(token),
        subject=subject,
        role=role,
        organisation=organisation,
        area=area,
    )
    return token, entry
