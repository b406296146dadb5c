"""Where the events live: a DATABASE_URL taken apart once, and the eventsourcing environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import psycopg

from frispor.domain.errors import InvalidValueError

APP_NAME = "frispor"
EVENTS_TABLE_POSTGRES = f"{APP_NAME}_events"
EVENTS_TABLE_SQLITE = "stored_events"
_POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


@dataclass(frozen=True)
class StoreURL:
    """A DATABASE_URL: SQLite's file, or PostgreSQL's server and schema."""

    url: str = field(repr=False)  # it may hold the password
    is_postgres: bool
    path: str = ""  # SQLite: the file, or ":memory:"
    # PostgreSQL: the URL without its `schema` parameter, for psycopg.
    conninfo: str = field(default="", repr=False)
    schema: str = ""  # PostgreSQL: the `schema` parameter, "" for the role's default
    host: str = "127.0.0.1"
    port: int = 5432
    dbname: str = "frispor"
    user: str = "postgres"
    password: str = field(default="", repr=False)

    @property
    def in_memory(self) -> bool:
        """Whether this is a SQLite database in memory (nothing another connection shares)."""
        return not self.is_postgres and (self.path == ":memory:" or "mode=memory" in self.path)


def parse_url(database_url: str) -> StoreURL:
    """Take DATABASE_URL apart; a URL of another scheme is refused naming the two it may be."""
    url = urlsplit(database_url)
    if url.scheme == "sqlite":
        # sqlite:///name.sqlite is relative to the working directory, sqlite:////abs is absolute.
        if url.netloc:
            raise InvalidValueError(
                "write a SQLite URL as sqlite:///relative or sqlite:////absolute",
                field="DATABASE_URL",
            )
        path = url.path[1:] if url.path.startswith("/") else url.path
        return StoreURL(database_url, is_postgres=False, path=path or ":memory:")
    if url.scheme in _POSTGRES_SCHEMES:
        query = dict(parse_qsl(url.query))
        schema = query.pop("schema", "")
        conninfo = urlunsplit(url._replace(scheme="postgresql", query=urlencode(query)))
        return StoreURL(
            database_url,
            is_postgres=True,
            conninfo=conninfo,
            schema=schema,
            host=url.hostname or "127.0.0.1",
            port=url.port or 5432,
            dbname=url.path.lstrip("/") or "frispor",
            user=unquote(url.username or "postgres"),
            password=unquote(url.password or ""),
        )
    raise InvalidValueError(
        f"DATABASE_URL scheme {url.scheme!r}: use sqlite:///file or postgresql://…",
        field="DATABASE_URL",
    )


def store_env(database_url: str, *, pool_size: int = 5) -> dict[str, str]:
    """The eventsourcing environment for a `sqlite:///path` or `postgresql://…` URL."""
    env = {"MAPPER_TOPIC": "frispor.domain.mapper:PydanticMapper"}
    parsed = parse_url(database_url)
    if not parsed.is_postgres:
        return env | {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": parsed.path,
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    return env | {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        # One round trip per save; concurrent saves group-committed (store/recorder.py).
        "APPLICATION_RECORDER_TOPIC": "frispor.store.recorder:FastPostgresRecorder",
        "POSTGRES_DBNAME": parsed.dbname,
        "POSTGRES_HOST": parsed.host,
        "POSTGRES_PORT": str(parsed.port),
        "POSTGRES_USER": parsed.user,
        "POSTGRES_PASSWORD": parsed.password,
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": "10",
        # The pool's wait for a connection: the library tries a load 10 times, so a request
        # during an outage gives up after ~12 s, not ~50 s; a pooled connection is checked
        # before use, so one the server closed (a restart) is replaced, not handed out.
        "POSTGRES_CONNECT_TIMEOUT": "1",
        "POSTGRES_PRE_PING": "y",
        "POSTGRES_SCHEMA": parsed.schema,
    }


def is_postgres(database_url: str) -> bool:
    """Whether the URL points at PostgreSQL."""
    return parse_url(database_url).is_postgres


def connect_postgres(
    env: Mapping[str, str], *, autocommit: bool = False
) -> psycopg.Connection[Any]:
    """A connection of its own to the PostgreSQL server an eventsourcing environment names."""
    return psycopg.connect(
        host=env["POSTGRES_HOST"],
        port=env.get("POSTGRES_PORT", "5432"),
        dbname=env["POSTGRES_DBNAME"],
        user=env["POSTGRES_USER"],
        password=env.get("POSTGRES_PASSWORD") or None,
        connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT", "5")),
        autocommit=autocommit,
    )
