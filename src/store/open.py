"""Open the application on its store: take turns creating tables, then guard them append-only."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg

from frispor.domain.aggregate import Clock
from frispor.domain.application import Frispor
from frispor.domain.core import utc_now
from frispor.store.env import APP_NAME, EVENTS_TABLE_POSTGRES, EVENTS_TABLE_SQLITE, connect_postgres


def open_app(env: Mapping[str, str], clock: Clock = utc_now) -> Frispor:
    """The application on the store `env` names, its tables created and append-only."""
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        app = Frispor(env, clock=clock)
        _guard_append_only(app)
        return app
    # The library creates its tables on start; two processes starting at once would
    # collide in the catalogue ("tuple concurrently updated"), so they take turns.
    with _startup_lock(env) as conn:
        schema = env.get("POSTGRES_SCHEMA") or "public"
        found = conn.execute("SELECT has_schema_privilege(%s, 'CREATE')", (schema,))
        # A role without DDL rights (INSERT and SELECT on the events) runs on a schema
        # migrated by its owner: then create nothing.
        migrates = bool((found.fetchone() or (True,))[0])
        app = Frispor(env if migrates else {**env, "CREATE_TABLE": "n"}, clock=clock)
    if migrates:
        _guard_append_only(app)
    return app


@contextmanager
def _startup_lock(env: Mapping[str, str]) -> Iterator[psycopg.Connection[Any]]:
    """Hold a session advisory lock while the library creates its tables."""
    conn = connect_postgres(env, autocommit=True)
    try:
        conn.execute("SELECT pg_advisory_lock(hashtext('frispor-ddl-startup'))")
        yield conn
    finally:
        conn.close()


def _guard_append_only(app: Frispor) -> None:
    """Install the triggers that refuse UPDATE, DELETE and TRUNCATE on the events table."""
    datastore: Any = getattr(app.recorder, "datastore")  # noqa: B009
    if app.env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
        with datastore.transaction(commit=True) as curs:
            # Serialise with other processes starting at the same moment.
            curs.execute("SELECT pg_advisory_xact_lock(hashtext('frispor-ddl'))")
            curs.execute(f'SET LOCAL search_path TO "{datastore.schema}"')
            curs.execute(POSTGRES_APPEND_ONLY)
    elif app.env.get("PERSISTENCE_MODULE") == "eventsourcing.sqlite":
        with datastore.transaction(commit=True) as curs:
            for statement in SQLITE_APPEND_ONLY:
                curs.execute(statement)


# Both stores refuse to change or remove a stored event, whatever the application does.
POSTGRES_APPEND_ONLY = f"""
CREATE OR REPLACE FUNCTION {APP_NAME}_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the event store is append-only: % refused on %', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {APP_NAME}_append_only ON {EVENTS_TABLE_POSTGRES};
CREATE TRIGGER {APP_NAME}_append_only BEFORE UPDATE OR DELETE ON {EVENTS_TABLE_POSTGRES}
  FOR EACH ROW EXECUTE FUNCTION {APP_NAME}_refuse_change();
DROP TRIGGER IF EXISTS {APP_NAME}_no_truncate ON {EVENTS_TABLE_POSTGRES};
CREATE TRIGGER {APP_NAME}_no_truncate BEFORE TRUNCATE ON {EVENTS_TABLE_POSTGRES}
  FOR EACH STATEMENT EXECUTE FUNCTION {APP_NAME}_refuse_change();
"""

SQLITE_APPEND_ONLY = [
    f"""CREATE TRIGGER IF NOT EXISTS {APP_NAME}_no_update BEFORE UPDATE ON {EVENTS_TABLE_SQLITE}
    BEGIN SELECT RAISE(ABORT, 'the event store is append-only: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {APP_NAME}_no_delete BEFORE DELETE ON {EVENTS_TABLE_SQLITE}
    BEGIN SELECT RAISE(ABORT, 'the event store is append-only: DELETE refused'); END""",
]
