"""Where the events live: the eventsourcing environment for a database URL."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from frispor.domain.errors import InvalidValueError

APP_NAME = "frispor"
EVENTS_TABLE_POSTGRES = f"{APP_NAME}_events"
EVENTS_TABLE_SQLITE = "stored_events"


def store_env(database_url: str, *, pool_size: int = 5) -> dict[str, str]:
    """The eventsourcing environment for a `sqlite:///path` or `postgresql://…` URL."""
    env = {"MAPPER_TOPIC": "frispor.domain.mapper:PydanticMapper"}
    url = urlsplit(database_url)
    if url.scheme == "sqlite":
        # sqlite:///name.sqlite is relative to the working directory, sqlite:////abs is absolute.
        path = url.path[1:] if url.path.startswith("/") else url.path
        if url.netloc:
            raise InvalidValueError(
                "write a SQLite URL as sqlite:///relative or sqlite:////absolute",
                field="DATABASE_URL",
            )
        env |= {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path or ":memory:",
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    elif url.scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        env |= {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            # One round trip per save; concurrent saves group-committed (domain/recorder.py).
            "APPLICATION_RECORDER_TOPIC": "frispor.store.recorder:FastPostgresRecorder",
            "POSTGRES_DBNAME": url.path.lstrip("/") or "frispor",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_POOL_SIZE": str(pool_size),
            "POSTGRES_MAX_OVERFLOW": "10",
            # The pool's wait for a connection: the library tries a load 10 times, so a request
            # during an outage gives up after ~12 s, not ~50 s; a pooled connection is checked
            # before use, so one the server closed (a restart) is replaced, not handed out.
            "POSTGRES_CONNECT_TIMEOUT": "1",
            "POSTGRES_PRE_PING": "y",
            "POSTGRES_SCHEMA": _query(url.query).get("schema", ""),
        }
    else:
        raise InvalidValueError(
            f"DATABASE_URL scheme {url.scheme!r}: use sqlite:///file or postgresql://…",
            field="DATABASE_URL",
        )
    return env


def _query(query: str) -> dict[str, str]:
    pairs = (p.split("=", 1) for p in query.split("&") if "=" in p)
    return {k: unquote(v) for k, v in pairs}


def is_postgres(database_url: str) -> bool:
    """Whether the URL points at PostgreSQL."""
    return urlsplit(database_url).scheme.startswith("postgres")
