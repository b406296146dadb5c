"""The read models and their tables: which copy serves, which is being rebuilt, how far each is."""

from __future__ import annotations

from frispor.projections import (
    exemptions,
    findings,
    goals,
    inspections,
    institutions,
    recorded,
    trials,
)
from frispor.projections.view import View
from frispor.store.db import Cursor, Database

VIEWS: dict[str, View] = {
    v.name: v
    for v in (
        trials.VIEW,
        institutions.VIEW,
        exemptions.VIEW,
        goals.VIEW,
        inspections.VIEW,
        findings.VIEW,
        recorded.VIEW,
    )
}

CATALOG_DDL = [
    "CREATE TABLE IF NOT EXISTS projection_tables ("
    "name TEXT PRIMARY KEY, active TEXT NOT NULL, pending TEXT, generation BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS projection_tracking ("
    "table_name TEXT PRIMARY KEY, position BIGINT NOT NULL)",
]


def view_named(name: str) -> View:
    """The read model of that name, or a KeyError listing the known ones."""
    try:
        return VIEWS[name]
    except KeyError:
        raise KeyError(f"no read model {name!r}; known: {', '.join(VIEWS)}") from None


def create_table(cur: Cursor, view: View, table: str) -> None:
    """Create a view table and its tracking row (at position 0) if missing."""
    for statement in view.ddl(table):
        cur.execute(statement)
    if not cur.execute("SELECT 1 FROM projection_tracking WHERE table_name = %s", (table,)):
        cur.execute("INSERT INTO projection_tracking VALUES (%s, 0)", (table,))


def ensure(db: Database) -> None:
    """Create the catalog and a table for every read model that has none or an outdated one."""
    if not db.may_create():
        return  # the application's role: the schema was migrated by its owner
    with db.transaction() as cur:
        if db.is_postgres:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('frispor-projections-ddl'))")
        for statement in CATALOG_DDL:
            cur.execute(statement)
        for view in VIEWS.values():
            found = cur.execute(
                "SELECT active, pending, generation FROM projection_tables WHERE name = %s",
                (view.name,),
            )
            if not found:
                table = f"view_{view.name}_1"
                create_table(cur, view, table)
                cur.execute(
                    "INSERT INTO projection_tables VALUES (%s, %s, NULL, 1)", (view.name, table)
                )
            elif _lacks_columns(cur, db, view, str(found[0][0])):
                _recreate(cur, view, *found[0])
            else:  # indexes a newer release added
                for statement in view.ddl(str(found[0][0])):
                    cur.execute(statement)


# A table's column names, on each store (the PostgreSQL table in the connection's schema).
_COLUMNS = {
    True: "SELECT column_name FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND table_name = %s",
    False: "SELECT name FROM pragma_table_info(%s)",
}


def _lacks_columns(cur: Cursor, db: Database, view: View, table: str) -> bool:
    """Whether a table was made by an older release whose view had fewer columns."""
    have = {str(r[0]) for r in cur.execute(_COLUMNS[db.is_postgres], (table,))}
    return bool(have) and not {name for name, _ in view.columns} <= have


def _recreate(cur: Cursor, view: View, active: str, pending: str | None, generation: int) -> None:
    """Serve a new, empty table in place of the old ones; the runner catches it up from zero.

    Read models are derived: an upgrade that adds a column rebuilds one from the log rather
    than migrating its rows (nothing in the event store changes).
    """
    for table in (active, pending):
        if table:
            drop_table(cur, table)
    table = f"view_{view.name}_{generation + 1}"
    create_table(cur, view, table)
    cur.execute(
        "UPDATE projection_tables SET active = %s, pending = NULL, generation = %s WHERE name = %s",
        (table, generation + 1, view.name),
    )


def drop_table(cur: Cursor, table: str) -> None:
    """Drop a view table (with the findings' groups beside it) and its tracking row."""
    cur.execute(f"DROP TABLE IF EXISTS {table}")
    cur.execute(f"DROP TABLE IF EXISTS {table}_members")
    cur.execute("DELETE FROM projection_tracking WHERE table_name = %s", (table,))


def active_table(cur: Cursor, name: str) -> str:
    """The table that serves queries for a read model now."""
    rows = cur.execute("SELECT active FROM projection_tables WHERE name = %s", (name,))
    if not rows:
        raise KeyError(f"read model {name!r} has no table yet")
    return str(rows[0][0])


def active_tables(cur: Cursor) -> dict[str, str]:
    """Every read model's serving table, read once per transaction."""
    if cur.tables is None:
        rows = cur.execute("SELECT name, active FROM projection_tables")
        cur.tables = {str(name): str(table) for name, table in rows}
    return cur.tables


def position_of(cur: Cursor, table: str, lock: bool = False) -> int:
    """The last event position applied to a view table; `lock` holds it to the transaction."""
    sql = "SELECT position FROM projection_tracking WHERE table_name = %s"
    # On PostgreSQL a second runner on the same table waits here instead of applying twice.
    rows = cur.execute(sql + (" FOR UPDATE" if lock and cur.locks_rows else ""), (table,))
    return int(rows[0][0]) if rows else 0
