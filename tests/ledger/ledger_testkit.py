"""Helpers for the ledger suites: extra events, raw SQL for tampering, resealing a bag."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

from frispor.domain.aggregate import Envelope
from frispor.domain.application import Frispor
from frispor.domain.commands import EstablishProgramme
from frispor.domain.values import Actor, LegalReference, Period, ProgrammeKind, Role, RuleCategory
from frispor.ledger import bag
from frispor.ledger.checkup import ledger_problems
from frispor.ledger.keys import load_private_key
from frispor.ledger.service import LedgerService
from frispor.settings import Settings
from frispor.store.open import open_app

ORIGIN = "frispor.test/trail"
# The command line as a user runs it, in a process of its own: the ledger's tests import no CLI.
FRISPOR = [sys.executable, "-c", "from frispor.cli.main import main; main()"]
MINISTRY = "Økonomi- og Indenrigsministeriet"
BASIS = LegalReference.parse("eli/lta/2017/658", "§ 1", "lov om frikommunenetværk")


def envelope() -> Envelope:
    """A ministry decision's envelope for extra events in tests."""
    return Envelope(
        actor=Actor(id="u-7", role=Role.RECORDER, organisation=MINISTRY),
        legal_basis=(BASIS,),
        justification="test",
        decided_on=date(2019, 1, 2),
    )


def raw_sql(database_url: str) -> Callable[[str, tuple[object, ...]], list[tuple[object, ...]]]:
    """Run SQL as the database superuser, in the events' schema (for tampering)."""

    def run(statement: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        if database_url.startswith("sqlite"):
            conn = sqlite3.connect(database_url.removeprefix("sqlite:///"))
            try:
                with conn:
                    return conn.execute(statement, params).fetchall()
            finally:
                conn.close()
        url, schema = database_url.split("?schema=")
        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute(f'SET search_path TO "{schema}"')
            cursor = pg.execute(statement.replace("?", "%s"), params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    return run


def unguard(database_url: str, *tables: str) -> None:
    """Take the append-only triggers off ledger tables, as the database superuser can."""
    run = raw_sql(database_url)
    for table in tables:
        if database_url.startswith("sqlite"):
            run(f"DROP TRIGGER IF EXISTS {table}_no_update", ())
            run(f"DROP TRIGGER IF EXISTS {table}_no_delete", ())
        else:
            run(f"ALTER TABLE {table} DISABLE TRIGGER USER", ())


def check(database_url: str) -> list[str]:
    """What `frispor check` says of the ledger, with the settings of the environment."""
    settings = Settings(DATABASE_URL=database_url)
    app, db = open_app(settings.eventsourcing_env()), settings.database()
    try:
        return ledger_problems(app, db, settings)
    finally:
        db.close()
        app.close()


def tamper_event_state(database_url: str, position: int, state: bytes) -> None:
    """Overwrite a stored event as a malicious operator would: disable the guard first."""
    run = raw_sql(database_url)
    if database_url.startswith("sqlite"):
        run("DROP TRIGGER frispor_no_update", ())
        run("UPDATE stored_events SET state = ? WHERE rowid = ?", (state, position))
    else:
        run("ALTER TABLE frispor_events DISABLE TRIGGER frispor_append_only", ())
        run("UPDATE frispor_events SET state = ? WHERE notification_id = ?", (state, position))


def stored_state(database_url: str, position: int) -> bytes:
    """The stored state bytes of the event at a position."""
    run = raw_sql(database_url)
    if database_url.startswith("sqlite"):
        [(state,)] = run("SELECT state FROM stored_events WHERE rowid = ?", (position,))
    else:
        [(state,)] = run("SELECT state FROM frispor_events WHERE notification_id = ?", (position,))
    assert isinstance(state, bytes)
    return state


def reseal(root: Path, private_pem: bytes) -> None:
    """Recompute both manifests and re-sign, as someone holding the key could."""
    data = {
        p.relative_to(root).as_posix(): bag.sha256_file(p)[0]
        for p in sorted((root / "data").rglob("*"))
        if p.is_file()
    }
    (root / bag.MANIFEST).write_bytes(bag.format_manifest(data))
    info = bag.parse_bag_info((root / bag.BAG_INFO).read_bytes())
    sizes = [p.stat().st_size for p in (root / "data").rglob("*") if p.is_file()]
    info["Payload-Oxum"] = f"{sum(sizes)}.{len(sizes)}"
    (root / bag.BAG_INFO).write_bytes(bag.format_bag_info(list(info.items())))
    skip = {bag.TAGMANIFEST, bag.SIGNATURE}
    tags = {
        p.relative_to(root).as_posix(): bag.sha256_file(p)[0]
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and not p.relative_to(root).as_posix().startswith("data/")
        and p.relative_to(root).as_posix() not in skip
    }
    tagmanifest = bag.format_manifest(tags)
    (root / bag.TAGMANIFEST).write_bytes(tagmanifest)
    (root / bag.SIGNATURE).write_bytes(load_private_key(private_pem).sign(tagmanifest))


def add_programme(app: Frispor, name: str = "Ekstra") -> int:
    """Record one more event (a programme established now); return its position."""
    written = app.establish_programme(
        envelope(),
        EstablishProgramme(
            name=name,
            kind=ProgrammeKind.FRIKOMMUNE,
            enabling_act=BASIS,
            period=Period(start=date(2019, 1, 1), end=date(2022, 12, 31)),
            ministry=MINISTRY,
            protected_categories=(RuleCategory.MAGTANVENDELSE,),
        ),
    )
    return written.position


def frispor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `frispor` with these arguments; its stdout and stderr together, as a user sees them."""
    return subprocess.run(
        [*FRISPOR, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


@contextmanager
def following(app: Frispor, settings: Settings) -> Iterator[LedgerService]:
    """The ledger's followers running as a server runs them, stopped at the end."""
    db = settings.database()
    service = LedgerService(app, db, settings)
    service.start()
    try:
        yield service
    finally:
        service.stop()
        db.close()


def health(service: LedgerService, part: str) -> dict[str, Any]:
    """One part of the ledger's section of /health, as its JSON reads."""
    found: dict[str, Any] = json.loads(json.dumps(service.status()))[part]
    return found
