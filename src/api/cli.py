"""The `frispor` command line: every command reads DATABASE_URL and FRISPOR_* settings."""

from __future__ import annotations

import typer
from rich.console import Console

from api.settings import Settings
from domain.application import Frispor

cli = typer.Typer(
    help="frispor: the event-sourced audit trail of Denmark's rule-exemption trials.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()


def open_app(settings: Settings | None = None) -> Frispor:
    """The Application on the store that DATABASE_URL names."""
    return Frispor((settings or Settings()).eventsourcing_env())


@cli.command()
def demo() -> None:
    """Load the seed trials of the source texts (once) and print a summary."""
    from api.demo import load_demo
    from api.summary import print_summary

    settings = Settings()
    app = open_app(settings)
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


@cli.callback()
def _root() -> None:
    """frispor: the event-sourced audit trail of Denmark's rule-exemption trials."""


def main() -> None:
    """Console-script entry point."""
    cli()
