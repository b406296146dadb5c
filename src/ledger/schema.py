"""The ledger's tables, created beside the events (same SQLite file, same PostgreSQL schema).

ledger_leaves       leaf index -> event position, canonical leaf bytes, recorded time, scope
ledger_nodes        (level, index) -> hash of that complete subtree; level 0 are leaf hashes
ledger_aggregates   aggregate id -> aggregate type and area, for resolving export scope
ledger_checkpoints  every signed checkpoint cut: size, root, signed note, time
ledger_exports      every bag made: for whom, scope, checkpoint, previous size, count
ledger_timestamps   checkpoint -> its RFC 3161 time-stamp response (DER), time and TSA
ledger_cosignatures checkpoint, witness -> the witness's cosignature line (C2SP tlog-cosignature)

Every table is append-only, in the database too: triggers refuse UPDATE and DELETE (and
TRUNCATE on PostgreSQL). The tree's size and last position are read from its last leaf, so no
row is ever changed; a table `ledger_state` left by an older version is no longer read.
"""

from __future__ import annotations

from frispor.store.env import EVENTS_TABLE_POSTGRES, EVENTS_TABLE_SQLITE
from frispor.store.session import Session

__all__ = [
    "AGGREGATES_SQL",
    "APPEND_SQL",
    "EVENTS_AFTER_SQL",
    "EVENTS_JOIN",
    "GUARDED",
    "NODES_SQL",
    "POSTGRES_GUARD",
    "POSTGRES_GUARDED",
    "SQLITE_GUARD",
    "TABLES",
    "TYPES",
    "create_tables",
]

TABLES = [
    """CREATE TABLE IF NOT EXISTS ledger_leaves (leaf_index {int_pk}, position BIGINT NOT NULL
    UNIQUE, leaf {blob} NOT NULL, recorded_at TEXT NOT NULL, kind TEXT NOT NULL, area TEXT)""",
    "CREATE INDEX IF NOT EXISTS ledger_leaves_recorded_at ON ledger_leaves (recorded_at)",
    """CREATE TABLE IF NOT EXISTS ledger_nodes (level INTEGER NOT NULL, idx BIGINT NOT NULL,
    hash {blob} NOT NULL, PRIMARY KEY (level, idx)){without_rowid}""",
    """CREATE TABLE IF NOT EXISTS ledger_aggregates (aggregate_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL, area TEXT)""",
    """CREATE TABLE IF NOT EXISTS ledger_checkpoints (id {serial}, size BIGINT NOT NULL,
    root {blob} NOT NULL, note TEXT NOT NULL, cut_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_exports (id {serial}, authority TEXT, area TEXT,
    period_from TEXT, period_to TEXT, kind TEXT NOT NULL,
    checkpoint_id BIGINT NOT NULL REFERENCES ledger_checkpoints (id), previous_size BIGINT,
    event_count BIGINT NOT NULL, created_at TEXT NOT NULL, tagmanifest_sha256 TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ledger_exports_authority ON ledger_exports (authority, id)",
    """CREATE TABLE IF NOT EXISTS ledger_timestamps (checkpoint_id BIGINT NOT NULL UNIQUE
    REFERENCES ledger_checkpoints (id), token {blob} NOT NULL, stamped_at TEXT NOT NULL,
    tsa TEXT NOT NULL, fetched_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_cosignatures (checkpoint_id BIGINT NOT NULL
    REFERENCES ledger_checkpoints (id), witness TEXT NOT NULL, line TEXT NOT NULL,
    received_at TEXT NOT NULL, UNIQUE (checkpoint_id, witness))""",
]
GUARDED = (
    "ledger_leaves",
    "ledger_nodes",
    "ledger_aggregates",
    "ledger_checkpoints",
    "ledger_exports",
    "ledger_timestamps",
    "ledger_cosignatures",
)
_REFUSE = "frispor_ledger_refuse_change"
POSTGRES_GUARD = [
    f"""CREATE OR REPLACE FUNCTION {_REFUSE}() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only: % refused on %', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql""",
    *(
        statement
        for table in GUARDED
        for statement in (
            f"""CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {_REFUSE}()""",
            f"""CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION {_REFUSE}()""",
            f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only",
            f"ALTER TABLE {table} ENABLE TRIGGER {table}_no_truncate",
        )
    ),
]
# The guard is installed only when a trigger is missing or disabled: replacing triggers locks
# the tables, and every ledger request opens the store.
_TRIGGERS = ", ".join(f"'{t}_append_only', '{t}_no_truncate'" for t in GUARDED)
POSTGRES_GUARDED = f"""SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
AND t.tgenabled <> 'D' AND t.tgname = ANY(ARRAY[{_TRIGGERS}])"""
SQLITE_GUARD = [
    f"""CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table}
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: {op} refused on {table}'); END"""
    for table in GUARDED
    for op in ("UPDATE", "DELETE")
]
TYPES = {
    "sqlite": {
        "int_pk": "INTEGER PRIMARY KEY",
        "blob": "BLOB",
        "serial": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "without_rowid": " WITHOUT ROWID",
    },
    "postgres": {
        "int_pk": "BIGINT PRIMARY KEY",
        "blob": "BYTEA",
        "serial": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "without_rowid": "",
    },
}
NODES_SQL = {
    "sqlite": """SELECT level, idx, hash FROM ledger_nodes WHERE (level, idx) IN
    (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(%s))""",
    "postgres": """SELECT level, idx, hash FROM ledger_nodes WHERE (level, idx) IN
    (SELECT * FROM unnest(%s::int[], %s::bigint[]))""",
}
AGGREGATES_SQL = {
    "sqlite": """SELECT aggregate_id, kind, area FROM ledger_aggregates
    WHERE aggregate_id IN (SELECT value FROM json_each(%s))""",
    "postgres": """SELECT aggregate_id, kind, area FROM ledger_aggregates
    WHERE aggregate_id = ANY(%s)""",
}
# The export reads each event's stored bytes in the same query as its leaf: these are the
# bytes the recorder returns, and one join per batch is far cheaper than its objects.
EVENTS_JOIN = {
    "sqlite": f"LEFT JOIN {EVENTS_TABLE_SQLITE} e ON e.rowid = l.position",
    "postgres": f"LEFT JOIN {EVENTS_TABLE_POSTGRES} e ON e.notification_id = l.position",
}
# The next batch of events for the tree, read by the ledger itself on PostgreSQL.
EVENTS_AFTER_SQL = f"""SELECT notification_id, originator_id, originator_version, topic, state
FROM {EVENTS_TABLE_POSTGRES} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"""
# PostgreSQL appends a batch with one statement per table, its columns passed as arrays.
APPEND_SQL = [
    """INSERT INTO ledger_leaves (leaf_index, position, leaf, recorded_at, kind, area)
    SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bytea[], %s::text[], %s::text[],
    %s::text[])""",
    "INSERT INTO ledger_nodes (level, idx, hash) SELECT * FROM unnest(%s::int[], %s::bigint[], "
    "%s::bytea[])",
    """INSERT INTO ledger_aggregates (aggregate_id, kind, area)
    SELECT * FROM unnest(%s::text[], %s::text[], %s::text[]) ON CONFLICT DO NOTHING""",
]


def create_tables(db: Session) -> None:
    """Create the tables and their append-only triggers where missing (unless a limited role)."""
    if db.is_postgres:
        with db.transaction():
            [(may_create,)] = db.query("SELECT has_schema_privilege(current_schema(), 'CREATE')")
        if not may_create:
            return  # the application's role: the schema was migrated by its owner
    with db.transaction(write=True):
        if db.is_postgres:
            # Serialise with other processes creating the same tables at the same moment.
            db.execute("SELECT pg_advisory_xact_lock(hashtext('frispor-ddl'))")
        for statement in TABLES:
            db.execute(statement.format(**TYPES[db.backend]))
        if not db.is_postgres:
            for statement in SQLITE_GUARD:
                db.execute(statement)
        elif db.query(POSTGRES_GUARDED)[0][0] < 2 * len(GUARDED):
            for statement in POSTGRES_GUARD:
                db.execute(statement)
