"""The `frispor` command line: every command reads DATABASE_URL and FRISPOR_* settings."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from frispor.cli import audit as cli_audit
from frispor.cli import imports as cli_import
from frispor.cli import ledger as cli_ledger
from frispor.cli import review as cli_review
from frispor.cli import tokens as cli_tokens
from frispor.cli.affinity import pin
from frispor.cli.settings import forget as forget_settings
from frispor.cli.settings import settings as cli_settings
from frispor.domain.application import Frispor
from frispor.ledger.service import LedgerService
from frispor.progress import shown
from frispor.projections.catalog import VIEWS, ensure
from frispor.projections.maintenance import check as check_view
from frispor.projections.maintenance import rebuild as rebuild_view
from frispor.projections.service import ProjectionService, lag
from frispor.settings import Settings, TokenEntry
from frispor.store.db import OUTAGES, Database
from frispor.store.open import open_app

cli = typer.Typer(
    help="frispor: the event-sourced audit trail of Denmark's rule-exemption trials.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()


def place(settings: Settings) -> None:
    """Keep this process on the CPUs FRISPOR_CPUS names, if it names any."""
    if settings.cpus is None:
        return
    try:
        pin(settings.cpus)
    except ValueError as error:  # a CPU this process may not use
        console.print(f"[red]FRISPOR_CPUS: {error}[/]")
        raise typer.Exit(2) from None


def app_for(settings: Settings) -> Frispor:
    """The Application on the store that DATABASE_URL names."""
    return open_app(settings.eventsourcing_env())


@cli.command()
def demo(
    synthetic: Annotated[
        int | None,
        typer.Option(
            min=1, help="instead: write about N events of synthetic histories, to measure at scale"
        ),
    ] = None,
) -> None:
    """Load the seed trials of the source texts (once) and print a summary."""
    from frispor.cli.summary import print_summary
    from frispor.demo import load_demo

    settings = cli_settings()
    app = app_for(settings)
    if synthetic is not None:
        try:
            fill_synthetic(app, synthetic, settings.database_url)
        finally:
            app.close()
        return
    try:
        result = load_demo(app)
        if result.partial:
            console.print("[red]The demo was only partly loaded before; use a fresh database.[/]")
            raise typer.Exit(1)
        if result.already_loaded:
            console.print(
                f"The demo was already loaded in {settings.database_url}; nothing written."
            )
        else:
            console.print(
                f"Loaded the demo into {settings.database_url} "
                f"(last position {result.last_position})."
            )
        print_summary(app, console)
        if result.refused:
            console.print("[bold]Refused by the rules (nothing stored):[/]")
            for label, error in result.refused:
                console.print(f"  ✗ {label}: [red]{error.rule}[/] — {error}")
    finally:
        app.close()


def open_read_side(settings: Settings) -> tuple[Frispor, Database]:
    """The Application and the read models' database, with the view tables in place."""
    app = app_for(settings)
    db = settings.database()
    ensure(db)
    return app, db


@cli.command()
def project(
    names: Annotated[list[str] | None, typer.Argument(help="read models (default: all)")] = None,
) -> None:
    """Run the projection runners (and, for all, the ledger) as their own process (Ctrl-C)."""
    settings = cli_settings()
    place(settings)
    app, db = open_read_side(settings)
    unknown = [n for n in names or [] if n not in VIEWS]
    if unknown:
        console.print(f"[red]no read model {unknown[0]!r}; known: {', '.join(VIEWS)}[/]")
        raise typer.Exit(2)
    service = ProjectionService(app, db, names or None)
    service.start()
    # All of them, as `frispor serve` runs them: the read models and the ledger's tree, so
    # that a server with FRISPOR_RUN_PROJECTIONS=false and this process do the whole job.
    ledger = None if names else LedgerService(app, db, settings)
    if ledger is not None:
        ledger.start()
    followed = [v.name for v in service.views] + (["ledger"] if ledger else [])
    console.print(f"Following the event log for: {', '.join(followed)}")
    try:
        while True:
            time.sleep(5)
            behind = {n: r["behind"] for n, r in lag(app, db).items() if r["behind"]}
            if behind:
                console.print(f"behind: {behind}")
    except KeyboardInterrupt:
        pass
    finally:
        if ledger is not None:
            ledger.stop()
        service.stop()
        db.close()
        app.close()


def fill_synthetic(app: Frispor, events: int, url: str) -> None:
    """Write about `events` events of synthetic histories, with a bar on a terminal."""
    from frispor.demo.bulk import generate_bulk

    started, first = time.monotonic(), (app.recorder.max_notification_id() or 0) + 1
    with shown("synthetic histories", events) as bar:
        written = generate_bulk(app, events, seed=None, progress=bar.advance)
    seconds = time.monotonic() - started
    last = app.recorder.max_notification_id() or 0
    console.print(
        f"Wrote {written:,} synthetic events into {url} (positions {first:,}-{last:,}) "
        f"in {seconds:.1f} s."
    )


@cli.command()
def rebuild(
    names: Annotated[list[str] | None, typer.Argument(help="read models to rebuild")] = None,
    all_: Annotated[bool, typer.Option("--all", help="rebuild every read model")] = False,
) -> None:
    """Rebuild read models from zero into new tables while the old ones serve, then switch."""
    chosen = list(VIEWS) if all_ else list(names or [])
    if not chosen or any(n not in VIEWS for n in chosen):
        console.print(f"[red]name read models ({', '.join(VIEWS)}) or --all[/]")
        raise typer.Exit(2)
    settings = cli_settings()
    app, db = open_read_side(settings)
    try:
        head = app.recorder.max_notification_id() or 0
        with shown() as bar:
            for name in chosen:
                bar.begin(f"rebuild {name}", head)
                table = rebuild_view(app, db, name, bar.advance)
                console.print(f"{name}: now served from {table}")
    finally:
        db.close()
        app.close()


@cli.command()
def check() -> None:
    """Read models equal a fresh replay; the ledger matches the events; exit 1 on any difference."""
    settings = cli_settings()
    app, db = open_read_side(settings)
    problems = cli_ledger.ledger_check(app, db, settings)
    for problem in problems:
        console.print(f"[red]ledger: {problem}[/]")
    console.print("ledger: " + ("[red]TAMPERED OR INCONSISTENT[/]" if problems else "consistent"))
    failed = bool(problems)
    try:
        for name in VIEWS:
            result = check_view(app, db, name)
            for line in result.differences:
                console.print(f"[red]{line}[/]")
            failed |= bool(result.differences)
            state = "[red]DIFFERENT[/]" if result.differences else "consistent"
            console.print(
                f"{name}: {state} ({result.rows} rows compared at position {result.position})"
            )
    finally:
        db.close()
        app.close()
    if failed:
        raise typer.Exit(1)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    demo: Annotated[
        bool, typer.Option(help="load the demo, mint a token per role, make a signing key")
    ] = False,
) -> None:
    """Serve the HTTP API with the projection runners (SQLite by default, or DATABASE_URL)."""
    import uvicorn

    from frispor.api.app import create_app
    from frispor.cli import demo as cli_demo

    settings = cli_settings()
    place(settings)  # first, so that every thread it starts inherits the placement
    extra: list[TokenEntry] = []
    if demo:
        settings = cli_demo.signing_key(settings, console)
        extra = cli_demo.load(settings, console, host, port)
    elif not _any_credential(settings):
        console.print(
            "[yellow]Ingen adgang er sat op: ingen kan logge ind. Lav et token med "
            "`frispor tokens create`, sæt FRISPOR_TOKENS(_FILE) eller FRISPOR_JWKS, eller brug "
            "--demo. (No credential is configured: nobody can sign in.)[/]",
            soft_wrap=True,
        )
    console.print(f"frispor API on http://{host}:{port}  (manual: http://{host}:{port}/docs)")
    console.print(f"frispor web view on {cli_demo.web_base(host, port)}/", soft_wrap=True)
    uvicorn.run(create_app(settings, extra), host=host, port=port, log_level="warning")


def _any_credential(settings: Settings) -> bool:
    """Whether anyone can sign in: tokens in the settings or the database, or OIDC."""
    from frispor.credentials.tokens import TokenStore

    if settings.jwks or settings.all_tokens():
        return True
    db = settings.database()
    try:
        return TokenStore(db).any_live()
    finally:
        db.close()


@cli.callback()
def _root() -> None:
    """frispor: the event-sourced audit trail of Denmark's rule-exemption trials."""
    forget_settings()


cli_audit.register(cli)
cli_review.register(cli)
cli_ledger.register(cli)
cli_import.register(cli)
cli_tokens.register(cli)


def main() -> None:
    """Console-script entry point: bad input and an unreachable database are one line, exit 2."""
    try:
        cli()
    except ValidationError as error:
        if error.title != Settings.__name__:
            _one_line(f"ugyldigt input (invalid input): {error.errors()[0]['msg']}")
        _settings_problem(error)
    except ValueError as error:  # a date, a moment, a URL the command could not read
        _one_line(f"ugyldig værdi (invalid value): {error}")
    except Exception as error:
        if not isinstance(error, OUTAGES):
            raise
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        _one_line(f"databasen kan ikke bruges (database unavailable): {first}")


def _one_line(message: str) -> None:
    Console(stderr=True).print(message, soft_wrap=True, highlight=False, markup=False)
    raise SystemExit(2)


def _settings_problem(error: ValidationError) -> None:
    """Say which setting of the environment is wrong and why, without a traceback."""
    for problem in error.errors():
        name = "_".join(str(part) for part in problem["loc"]).upper()
        name = name if name == "DATABASE_URL" else f"FRISPOR_{name}"
        message = problem["msg"].removeprefix("Value error, ")
        console.print(f"[red]{name}: {message}[/]", soft_wrap=True)
    raise SystemExit(2) from None
