"""`frispor tokens create|list|revoke`: credentials whose hash alone is kept, shown once."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime, time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from frispor.cli.settings import settings as cli_settings
from frispor.credentials.tokens import TokenStore
from frispor.domain.values import Area, Role
from frispor.imports.cells import read_cell
from frispor.store.db import Database

tokens = typer.Typer(help="Credentials: create (shown once, hash stored), list, revoke.")
console = Console()
err = Console(stderr=True)


def _store() -> tuple[TokenStore, Database]:
    db = cli_settings().database()
    return TokenStore(db), db


def _expiry(text: str) -> datetime:
    """A day (dd-mm-yyyy or yyyy-mm-dd: the end of it, Copenhagen time) or an ISO moment."""
    from zoneinfo import ZoneInfo

    try:
        moment = datetime.fromisoformat(str(read_cell("date", text)))
    except ValueError:
        err.print(f"[red]--expires {text!r}: write a day as dd-mm-yyyy or yyyy-mm-dd[/]")
        raise typer.Exit(2) from None
    if len(text.strip()) <= 10:  # a day: valid through its end
        moment = datetime.combine(moment.date(), time.max)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("Europe/Copenhagen"))
    if moment <= datetime.now(UTC):
        err.print(f"[red]--expires {text!r} has passed[/]")
        raise typer.Exit(2)
    return moment


@tokens.command()
def create(
    role: Annotated[Role, typer.Option(help="recorder, auditor, authority or admin")],
    organisation: Annotated[str, typer.Option(help="e.g. kommune:101 or a ministry's name")],
    area: Annotated[Area | None, typer.Option(help="an authority's area")] = None,
    expires: Annotated[str | None, typer.Option(help="last day (dd-mm-yyyy) or a moment")] = None,
    subject: Annotated[str | None, typer.Option(help="the holder's pseudonymous id")] = None,
) -> None:
    """Create a token; it is printed once and only its SHA-256 is stored."""
    if not organisation.strip():
        err.print("[red]--organisation may not be empty[/]")
        raise typer.Exit(2)
    until = _expiry(expires) if expires else None
    store, db = _store()
    try:
        token, issued = store.create(
            role,
            organisation.strip(),
            subject=subject,
            area=area.value if area else None,
            expires=until,
            created_by=getpass.getuser(),
        )
    finally:
        db.close()
    err.print(
        f"Token {issued.id} for {issued.subject} ({role.value}, {issued.organisation}); "
        "it is shown only this once:",
        highlight=False,
    )
    print(token)


@tokens.command("list")
def list_(
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """List the tokens: id, subject, role, organisation, area, created, expires, last used."""
    store, db = _store()
    try:
        issued = store.listing()
    finally:
        db.close()
    if output == "json":
        print(json.dumps([i.as_dict() for i in issued], ensure_ascii=False, indent=2))
        return
    table = Table(
        "id",
        "subject",
        "role",
        "organisation",
        "area",
        "created",
        "expires",
        "last used",
        "revoked",
    )
    for i in issued:
        table.add_row(
            i.id,
            i.subject,
            i.role,
            i.organisation,
            i.area or "",
            i.created,
            i.expires or "",
            i.last_used or "",
            i.revoked or "",
        )
    console.print(table)


@tokens.command()
def revoke(
    token_id: Annotated[str, typer.Argument(help="the id `tokens list` shows")],
    reason: Annotated[str, typer.Option(help="why, for the record")] = "",
) -> None:
    """Revoke a token: refused from the next request on, by every server process."""
    store, db = _store()
    try:
        done = store.revoke(token_id, revoked_by=getpass.getuser(), reason=reason)
    finally:
        db.close()
    if not done:
        err.print(f"[red]no live token {token_id!r} (see frispor tokens list)[/]")
        raise typer.Exit(2)
    console.print(f"Token {token_id} revoked.")


def register(cli: typer.Typer) -> None:
    """Add `frispor tokens`."""
    cli.add_typer(tokens, name="tokens")
