"""One connection held for a unit of work of several transactions: the ledger's way to talk.

Statements use `%s` placeholders like every other in the project; on SQLite they become `?`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

__all__ = ["Row", "Session"]

Row = tuple[Any, ...]

# One appender at a time on PostgreSQL: a transaction-scoped advisory lock on this key.
_APPEND_LOCK = "SELECT pg_advisory_xact_lock(hashtext('frispor-ledger-append'))"


class Session:
    """A connection borrowed from `Database.session()`, in autocommit mode between transactions."""

    def __init__(
        self, *, pg: psycopg.Connection[Any] | None = None, lite: sqlite3.Connection | None = None
    ) -> None:
        """Wrap one connection: a pooled PostgreSQL one or a SQLite one."""
        self._pg, self._sqlite = pg, lite
        self._depth = 0
        self.backend = "postgres" if pg is not None else "sqlite"

    @property
    def is_postgres(self) -> bool:
        """Whether this is a PostgreSQL connection."""
        return self._pg is not None

    @staticmethod
    def _lite(statement: str) -> str:
        return statement.replace("%s", "?")

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run a SELECT and return all rows as tuples."""
        if self._pg is not None:
            # Binary results: bytea comes back as raw bytes, not hex text to decode.
            return self._pg.execute(statement, params, binary=True).fetchall()
        assert self._sqlite is not None
        return self._sqlite.execute(self._lite(statement), params).fetchall()

    def execute(self, statement: str, params: Sequence[Any] = (), *, binary: bool = False) -> None:
        """Run one statement; binary=True sends PostgreSQL its parameters in binary format."""
        if self._pg is not None:
            # No parameters, no placeholder parsing: DDL may hold a literal '%'.
            query = statement.replace("%s", "%b") if binary else statement
            self._pg.execute(query, params or None)
        else:
            assert self._sqlite is not None
            self._sqlite.execute(self._lite(statement), params)

    def executemany(self, statement: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for many parameter rows (pipelined on PostgreSQL)."""
        if self._pg is not None:
            with self._pg.cursor() as cursor:
                cursor.executemany(statement, rows)
        else:
            assert self._sqlite is not None
            self._sqlite.executemany(self._lite(statement), rows)

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
