"""The one database adapter: the events' database (SQLite or PostgreSQL) for everything else.

Every statement is written once with `%s` placeholders; on SQLite they become `?`. A process
holds one `Database`: on PostgreSQL one connection pool (psycopg_pool), on SQLite a connection
per unit of work (opening a local file costs no round trip, so nothing is worth pooling).
The app's lifespan or the CLI command that built it closes it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, Protocol

import psycopg
from eventsourcing import persistence
from psycopg.pq import ExecStatus
from psycopg_pool import ConnectionPool, PoolTimeout

from frispor.store.env import EVENTS_TABLE_POSTGRES, EVENTS_TABLE_SQLITE, parse_url
from frispor.store.session import Session

Row = tuple[Any, ...]
TUPLES_OK = ExecStatus.TUPLES_OK

# What a statement naming a dropped table raises; SQLite's is told apart by its message.
MISSING_TABLE = (psycopg.errors.UndefinedTable, sqlite3.OperationalError)
# What an unreachable database raises; the library wraps the drivers' errors in its own.
OUTAGES = (
    psycopg.OperationalError,
    PoolTimeout,
    sqlite3.OperationalError,
    persistence.OperationalError,
    persistence.InterfaceError,
)


def missing_table(error: Exception) -> bool:
    """Whether the error says a table named in the statement does not exist."""
    return isinstance(error, psycopg.errors.UndefinedTable) or "no such table" in str(error)


class Cursor(Protocol):
    """What a transaction offers: statements with %s placeholders, rows as tuples."""

    locks_rows: bool
    takes_arrays: bool  # whether a parameter may be a list (PostgreSQL's arrays, `= ANY(%s)`)
    tables: dict[str, str] | None  # the serving tables, once looked up in this transaction

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert many rows at once (COPY on PostgreSQL)."""


class _SQLiteCursor:
    locks_rows = False  # BEGIN IMMEDIATE already serialises writers
    takes_arrays = False

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.tables: dict[str, str] | None = None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.conn.execute(sql.replace("%s", "?"), tuple(params)).fetchall()

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql.replace("%s", "?"), rows)

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        marks = ", ".join(["?"] * len(columns))
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


class _PgCursor:
    locks_rows = True
    takes_arrays = True

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.cur = conn.cursor()
        self.tables: dict[str, str] | None = None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self.cur.execute(sql, tuple(params) or None)
        # The result's status, not `description`: that builds a Column object per column.
        result = self.cur.pgresult
        return self.cur.fetchall() if result and result.status == TUPLES_OK else []

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.cur.executemany(sql, rows)

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        # One COPY instead of a statement per row: about ten times the rows per second.
        with self.cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def split_schema(database_url: str) -> tuple[str, str]:
    """A PostgreSQL URL without its `schema` query parameter, and that schema."""
    parsed = parse_url(database_url)
    return parsed.conninfo, parsed.schema or "public"


class Database:
    """The events' database for the read models, the ledger and the keys; connects when used."""

    def __init__(self, database_url: str, pool_size: int = 4) -> None:
        self.location = parse_url(database_url)
        self.url = database_url
        self.is_postgres = self.location.is_postgres
        self.conninfo = self.location.conninfo
        self.schema = self.location.schema or "public"
        self.path = self.location.path
        self._pool: ConnectionPool[psycopg.Connection[Any]] | None = None
        self._pool_size = pool_size
        self.made: set[str] = set()  # what was created on this database by this process

    @property
    def events_table(self) -> str:
        """The library's events table, qualified where needed."""
        if self.is_postgres:
            return f'"{self.schema}".{EVENTS_TABLE_POSTGRES}'
        return EVENTS_TABLE_SQLITE

    def _pg_pool(self) -> ConnectionPool[psycopg.Connection[Any]]:
        if self._pool is None:
            schema = self.schema

            def configure(conn: psycopg.Connection[Any]) -> None:
                conn.execute(f'SET search_path TO "{schema}"')
                conn.commit()

            # Autocommit: a read is one statement, with no BEGIN and COMMIT round trips; a
            # `transaction()` still opens and closes its own block.
            self._pool = ConnectionPool(
                self.conninfo,
                kwargs={"autocommit": True},
                min_size=1,
                max_size=self._pool_size,
                configure=configure,
                open=True,
                timeout=10,
            )
        return self._pool

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[Cursor]:
        """One transaction: committed when the block ends, rolled back if it raises.

        Not `durable`, a PostgreSQL commit returns before its WAL reaches the disk: a server
        crash may then lose it, whole, never in part.
        """
        if self.is_postgres:
            with self._pg_pool().connection() as conn, conn.transaction():
                if not durable:
                    conn.execute("SET LOCAL synchronous_commit TO off")
                yield _PgCursor(conn)
        else:
            lite = self.connect_sqlite()
            try:
                lite.execute("BEGIN IMMEDIATE")
                yield _SQLiteCursor(lite)
                lite.execute("COMMIT")
            except BaseException:
                lite.execute("ROLLBACK")
                raise
            finally:
                lite.close()

    @contextmanager
    def read(self) -> Iterator[Cursor]:
        """Reads, each statement consistent on its own: no BEGIN and COMMIT round trips."""
        if self.is_postgres:
            with self._pg_pool().connection() as conn:
                yield _PgCursor(conn)
        else:
            lite = self.connect_sqlite()
            try:
                yield _SQLiteCursor(lite)
            finally:
                lite.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One connection held for a unit of work of several transactions (the ledger's)."""
        if not self.is_postgres:
            lite = self.connect_sqlite()
            try:
                yield Session(lite=lite)
            finally:
                lite.close()
            return
        with self._pg_pool().connection() as conn:
            # psycopg prepares a statement on its 5th run and PostgreSQL may then keep a
            # generic plan for good. The ledger's tables start empty and nothing may analyze
            # them as they grow (autovacuum can be off), so a plan costed on the first batches
            # stays: the aggregates lookup kept a sequential scan that read every stored row
            # in every batch. Planning each run for the tables' current size costs about 1 ms
            # a batch; the pooled connection gets the default back for the read models.
            conn.execute("SET plan_cache_mode = force_custom_plan")
            try:
                yield Session(pg=conn)
            finally:
                with suppress(psycopg.Error):  # a broken connection is the pool's to replace
                    conn.execute("RESET plan_cache_mode")

    def connect_sqlite(self) -> sqlite3.Connection:
        """A SQLite connection in autocommit mode with WAL and a busy timeout."""
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        return conn

    @contextmanager
    def pg_connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A dedicated PostgreSQL connection (for LISTEN and advisory locks), autocommit."""
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{self.schema}"')
            yield conn

    def may_create(self) -> bool:
        """Whether this connection's role may create tables (else the schema is migrated)."""
        if not self.is_postgres:
            return True
        with self.transaction() as cur:
            rows = cur.execute("SELECT has_schema_privilege(%s, 'CREATE')", (self.schema,))
        return bool(rows[0][0])

    def close(self) -> None:
        """Close the pool, if one was opened."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None
