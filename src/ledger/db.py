"""One connection to the events' database for the ledger's own tables (SQLite or PostgreSQL).

SQL is written once with ``?`` placeholders; on PostgreSQL they become ``%s``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, LiteralString

import psycopg
from psycopg import sql

from frispor.store.env import is_postgres, store_env

__all__ = ["LedgerDB", "Row"]

Row = tuple[Any, ...]

# One appender at a time on PostgreSQL: a transaction-scoped advisory lock on this key.
_APPEND_LOCK = "SELECT pg_advisory_xact_lock(hashtext('frispor-ledger-append'))"


class LedgerDB:
    """A connection to the database (and schema) that DATABASE_URL names."""

    def __init__(self, database_url: str) -> None:
        """Connect; SQLite opens the events' file, PostgreSQL sets the events' schema."""
        env = store_env(database_url)
        self._sqlite: sqlite3.Connection | None = None
        self._pg: psycopg.Connection[Row] | None = None
        self._depth = 0
        # By URL scheme, not by persistence module: the app may swap in its own recorder.
        if not is_postgres(database_url):
            if env["SQLITE_DBNAME"] in ("", ":memory:") or "mode=memory" in env["SQLITE_DBNAME"]:
                raise ValueError("the ledger needs a SQLite file shared with the events")
            self.backend = "sqlite"
            # Autocommit mode: transactions are begun explicitly below.
            self._sqlite = sqlite3.connect(env["SQLITE_DBNAME"], isolation_level=None, timeout=10)
        else:
            self.backend = "postgres"
            self._pg = psycopg.connect(
                host=env["POSTGRES_HOST"],
                port=int(env["POSTGRES_PORT"]),
                dbname=env["POSTGRES_DBNAME"],
                user=env["POSTGRES_USER"],
                password=env["POSTGRES_PASSWORD"] or None,
                connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]),
                autocommit=True,
            )
            # psycopg prepares a statement on its 5th run and PostgreSQL may then keep a generic
            # plan for good. The ledger's tables start empty and nothing may analyze them as
            # they grow (autovacuum can be off), so a plan costed on the first batches stays:
            # the aggregates lookup kept a sequential scan that read every stored row in every
            # batch. Planning each run for the tables' current size costs about 1 ms a batch.
            self._pg.execute("SET plan_cache_mode = force_custom_plan")
            if env["POSTGRES_SCHEMA"]:
                self._pg.execute(
                    sql.SQL("SET search_path TO {}").format(sql.Identifier(env["POSTGRES_SCHEMA"]))
                )

    @property
    def is_postgres(self) -> bool:
        """Whether this is a PostgreSQL connection."""
        return self._pg is not None

    def _pg_query(self, statement: str, placeholder: LiteralString = "%s") -> LiteralString:
        # Statements are module constants with '?' placeholders, never user text.
        return statement.replace("?", placeholder)

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run a SELECT and return all rows as tuples."""
        if self._pg is not None:
            # Binary results: bytea comes back as raw bytes, not hex text to decode.
            return self._pg.execute(self._pg_query(statement), params, binary=True).fetchall()
        assert self._sqlite is not None
        return self._sqlite.execute(statement, params).fetchall()

    def execute(self, statement: str, params: Sequence[Any] = (), *, binary: bool = False) -> None:
        """Run one statement; binary=True sends PostgreSQL its parameters in binary format."""
        if self._pg is not None:
            # No parameters, no placeholder parsing: DDL may hold a literal '%'.
            query = self._pg_query(statement, "%b" if binary else "%s")
            self._pg.execute(query, params or None)
        else:
            assert self._sqlite is not None
            self._sqlite.execute(statement, params)

    def executemany(self, statement: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for many parameter rows (pipelined on PostgreSQL)."""
        if self._pg is not None:
            with self._pg.cursor() as cursor:
                cursor.executemany(self._pg_query(statement), rows)
        else:
            assert self._sqlite is not None
            self._sqlite.executemany(statement, rows)

    @contextmanager
    def transaction(self, *, write: bool = False, append_lock: bool = False) -> Iterator[None]:
        """Run the block in one transaction; write=True takes SQLite's write lock up front."""
        if self._pg is not None:
            with self._pg.transaction():
                if append_lock:
                    self._pg.execute(_APPEND_LOCK)
                yield
            return
        assert self._sqlite is not None
        if self._depth:
            yield  # SQLite has no nested BEGIN; the outer transaction covers the block
            return
        # IMMEDIATE takes the write lock now, so reading the tree size and writing the next
        # batch cannot interleave with another appender.
        self._sqlite.execute("BEGIN IMMEDIATE" if write or append_lock else "BEGIN")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._sqlite.execute("ROLLBACK")
            raise
        else:
            self._sqlite.execute("COMMIT")
        finally:
            self._depth -= 1

    def close(self) -> None:
        """Close the connection."""
        if self._pg is not None:
            self._pg.close()
        if self._sqlite is not None:
            self._sqlite.close()

    def __enter__(self) -> LedgerDB:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
