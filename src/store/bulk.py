"""One import, one transaction: events staged as they come, then appended whole or not at all."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent
from psycopg import sql

from frispor.store.env import EVENTS_TABLE_POSTGRES, EVENTS_TABLE_SQLITE, connect_postgres

KEYS_TABLE = "frispor_import_keys"
# Which organisation imported which line key, as what, into which aggregate and event: the
# natural keys that make a second import of the same lines write nothing.
KEYS_DDL = (
    f"CREATE TABLE IF NOT EXISTS {KEYS_TABLE} ("
    "organisation TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, "
    "aggregate_id TEXT NOT NULL, event_id TEXT NOT NULL, import_id TEXT NOT NULL, "
    "PRIMARY KEY (organisation, kind, key))"
)
KEYS_INDEX = f"CREATE INDEX IF NOT EXISTS {KEYS_TABLE}_by_key ON {KEYS_TABLE} (kind, key)"
POSTGRES_KEYS_GUARD = f"""
DROP TRIGGER IF EXISTS {KEYS_TABLE}_append_only ON {KEYS_TABLE};
CREATE TRIGGER {KEYS_TABLE}_append_only BEFORE UPDATE OR DELETE ON {KEYS_TABLE}
  FOR EACH ROW EXECUTE FUNCTION frispor_refuse_change();
"""
SQLITE_KEYS_GUARD = [
    f"""CREATE TRIGGER IF NOT EXISTS {KEYS_TABLE}_no_update BEFORE UPDATE ON {KEYS_TABLE}
    BEGIN SELECT RAISE(ABORT, 'import keys are append-only'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {KEYS_TABLE}_no_delete BEFORE DELETE ON {KEYS_TABLE}
    BEGIN SELECT RAISE(ABORT, 'import keys are append-only'); END""",
]
KeyRow = tuple[str, str, str, str, str, str]


class ImportConflictError(Exception):
    """Another writer recorded a version of an imported aggregate first: nothing was stored."""


class BulkWriter:
    """A transaction on its own connection; the events table is touched only at `commit`."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.postgres = env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres"
        self.staged = 0
        if self.postgres:
            self.schema = env.get("POSTGRES_SCHEMA") or "public"
            self.pg = connect_postgres(env)
            self.pg.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
            self._create(self.pg.cursor(), POSTGRES_KEYS_GUARD)
            self.pg.commit()
            self.pg.execute(
                "CREATE TEMP TABLE import_events (n bigserial, originator_id uuid, "
                "originator_version bigint, topic text, state bytea) ON COMMIT DROP"
            )
            self.pg.execute("CREATE INDEX ON import_events (originator_id)")
            self.pg.execute(f"CREATE TEMP TABLE import_keys (LIKE {KEYS_TABLE}) ON COMMIT DROP")
        else:
            self.lite = sqlite3.connect(env["SQLITE_DBNAME"], timeout=30, isolation_level=None)
            self._create(self.lite.cursor(), None)
            # Temporary tables need no lock on the store: the log is locked only at `commit`.
            self.lite.execute(
                "CREATE TEMP TABLE import_events (n INTEGER PRIMARY KEY, originator_id TEXT, "
                "originator_version INTEGER, topic TEXT, state BLOB)"
            )
            self.lite.execute("CREATE INDEX temp.import_events_id ON import_events (originator_id)")
            self.lite.execute(
                f"CREATE TEMP TABLE import_keys AS SELECT * FROM {KEYS_TABLE} LIMIT 0"
            )

    def _create(self, cur: Any, pg_guard: str | None) -> None:
        cur.execute(KEYS_DDL)
        cur.execute(KEYS_INDEX)
        if pg_guard is not None:
            cur.execute(pg_guard)
        else:
            for statement in SQLITE_KEYS_GUARD:
                cur.execute(statement)

    def known(self, organisation: str, kind: str, keys: Iterable[str]) -> dict[str, str]:
        """Which of these keys the organisation imported before, with the aggregate of each."""
        wanted = list(keys)
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk)) if self.postgres else ", ".join("?" * len(chunk))
            query = (
                f"SELECT key, aggregate_id FROM {KEYS_TABLE} "
                f"WHERE organisation = {_mark(self)} AND kind = {_mark(self)} AND key IN ({marks})"
            )
            found.update(self._rows(query, [organisation, kind, *chunk]))
        return found

    def lookup(self, kind: str, key: str, organisation: str) -> tuple[str, str] | None:
        """The aggregate and event of a key: the organisation's own first, else one elsewhere."""
        m = _mark(self)
        rows = self._rows(
            f"SELECT organisation, aggregate_id, event_id FROM {KEYS_TABLE} "
            f"WHERE kind = {m} AND key = {m}",
            [kind, key],
        )
        own = [r for r in rows if r[0] == organisation]
        chosen = own or (rows if len(rows) == 1 else [])
        return (str(chosen[0][1]), str(chosen[0][2])) if chosen else None

    def _rows(self, query: str, params: list[Any]) -> list[tuple[Any, ...]]:
        if self.postgres:
            return list(self.pg.execute(query, params).fetchall())
        return list(self.lite.execute(query, params).fetchall())

    def stage(self, events: Iterable[StoredEvent], keys: Iterable[KeyRow]) -> None:
        """Keep events and keys in this transaction's own tables (the log is not touched yet)."""
        rows = [(e.originator_id, e.originator_version, e.topic, e.state) for e in events]
        self.staged += len(rows)
        key_rows = list(keys)
        if self.postgres:
            cur = self.pg.cursor()
            columns = "originator_id, originator_version, topic, state"
            with cur.copy(f"COPY import_events ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            with cur.copy("COPY import_keys FROM STDIN") as copy:
                for key_row in key_rows:
                    copy.write_row(key_row)
        else:
            self.lite.executemany(
                "INSERT INTO import_events (originator_id, originator_version, topic, state) "
                "VALUES (?, ?, ?, ?)",
                [(_hex(i), v, t, s) for i, v, t, s in rows],
            )
            self.lite.executemany("INSERT INTO import_keys VALUES (?, ?, ?, ?, ?, ?)", key_rows)

    def staged_events(self, originator_id: UUID) -> list[StoredEvent]:
        """The events staged for one aggregate, in order (to load it again)."""
        m = _mark(self)
        key: object = originator_id if self.postgres else _hex(originator_id)
        rows = self._rows(
            "SELECT originator_version, topic, state FROM import_events "
            f"WHERE originator_id = {m} ORDER BY n",
            [key],
        )
        return [
            StoredEvent(
                originator_id=originator_id,
                originator_version=int(version),
                topic=str(topic),
                state=bytes(state),
            )
            for version, topic, state in rows
        ]

    def commit(self) -> int:
        """Append the staged events in order, with the keys; the last position written."""
        try:
            if self.postgres:
                return self._commit_postgres()
            return self._commit_sqlite()
        except (psycopg.IntegrityError, sqlite3.IntegrityError):
            self.rollback()
            raise ImportConflictError(
                "another decision on an imported aggregate was recorded during the import; "
                "nothing was stored: import the file again"
            ) from None

    def _commit_postgres(self) -> int:
        table = sql.Identifier(EVENTS_TABLE_POSTGRES)
        # The same lock as the recorder's insert function (store/insert_function.py), held only
        # for this one statement: positions are taken and become visible in commit order.
        lock = sql.SQL("SELECT pg_advisory_xact_lock(hashtext('{schema}.{table}'))").format(
            schema=sql.Identifier(self.schema), table=table
        )
        self.pg.execute(lock)
        self.pg.execute(sql.SQL("NOTIFY {}").format(table))
        found = self.pg.execute(
            sql.SQL(
                "WITH ins AS (INSERT INTO {table} (originator_id, originator_version, topic, state)"
                " SELECT originator_id, originator_version, topic, state FROM import_events"
                " ORDER BY n RETURNING notification_id) SELECT max(notification_id) FROM ins"
            ).format(table=table)
        ).fetchone()
        self.pg.execute(f"INSERT INTO {KEYS_TABLE} SELECT * FROM import_keys")
        self.pg.commit()
        return int(found[0] or 0) if found else 0

    def _commit_sqlite(self) -> int:
        table = EVENTS_TABLE_SQLITE
        self.lite.execute("BEGIN IMMEDIATE")
        self.lite.execute(
            f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
            "SELECT originator_id, originator_version, topic, state FROM import_events ORDER BY n"
        )
        self.lite.execute(f"INSERT INTO {KEYS_TABLE} SELECT * FROM import_keys")
        last = self.lite.execute(f"SELECT max(rowid) FROM {table}").fetchone()
        self.lite.execute("COMMIT")
        return int(last[0] or 0) if last else 0

    def rollback(self) -> None:
        """Forget everything staged."""
        if self.postgres:
            self.pg.rollback()
        else:
            if self.lite.in_transaction:
                self.lite.execute("ROLLBACK")
            self.lite.execute("DELETE FROM import_events")
            self.lite.execute("DELETE FROM import_keys")

    def close(self) -> None:
        """Roll back what was not committed and close the connection."""
        self.rollback()
        if self.postgres:
            self.pg.close()
        else:
            self.lite.close()


@contextmanager
def bulk_writer(env: Mapping[str, str]) -> Iterator[BulkWriter]:
    """A BulkWriter for the store `env` names; rolled back unless committed."""
    writer = BulkWriter(env)
    try:
        yield writer
    finally:
        writer.close()


def _mark(writer: BulkWriter) -> str:
    return "%s" if writer.postgres else "?"


def _hex(value: UUID | str) -> str:
    return value.hex if isinstance(value, UUID) else str(value)
