"""`frispor import` and its templates: past decisions from case systems, CSV per kind or JSONL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from frispor.api.import_kinds import KINDS, envelope_of
from frispor.cli.settings import settings as cli_settings
from frispor.domain.values import Actor, Role
from frispor.imports.engine import ImportJob, run_import
from frispor.imports.kinds import lines_schema
from frispor.imports.report import FileRefusedError, ImportReport

console = Console()
err = Console(stderr=True)


def import_(
    paths: Annotated[list[Path], typer.Argument(help="CSV files (KIND.csv) or JSON Lines files")],
    organisation: Annotated[
        str, typer.Option(help="the organisation whose decisions these are (the recorder's)")
    ],
    subject: Annotated[str, typer.Option(help="who imports (a pseudonymous id)")] = "import",
    kind: Annotated[
        str | None, typer.Option(help="the kind of a CSV file, if its name does not say")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="check every line, store nothing")] = False,
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """Import past decisions; each file is stored whole or not at all (exit 2 if refused)."""
    from frispor.cli.main import app_for

    if kind is not None and kind not in KINDS:
        err.print(f"[red]--kind {kind!r}: one of {', '.join(KINDS)}[/]", soft_wrap=True)
        raise typer.Exit(2)
    settings = cli_settings()
    actor = Actor(id=subject, role=Role.RECORDER, organisation=organisation)
    app = app_for(settings)
    failed = False
    reports: list[ImportReport] = []
    keys: dict[tuple[str, str], tuple[str, str]] = {}
    try:
        for path in paths:
            if not path.is_file():
                err.print(f"[red]{path}: no such file[/]")
                raise typer.Exit(2)
            job = ImportJob(
                path,
                actor,
                KINDS,
                envelope_of,
                kind=kind,
                dry_run=dry_run,
                max_bytes=settings.max_import_bytes,
                keys=keys,
            )
            try:
                report = _with_progress(app, job)
            except FileRefusedError as error:
                err.print(f"[red]{error}[/]", soft_wrap=True, highlight=False)
                raise typer.Exit(2) from None
            reports.append(report)
            failed |= bool(report.refused)
            if output == "text":
                for refusal in report.refused:
                    err.print(refusal.as_text(), soft_wrap=True, highlight=False, markup=False)
                console.print(report.summary(), soft_wrap=True, highlight=False)
            if report.refused:
                break  # later files may refer to this one's lines
    finally:
        app.close()
    if output == "json":
        print(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2))
    if failed:
        raise typer.Exit(2)


def _with_progress(app: object, job: ImportJob) -> ImportReport:
    from frispor.domain.application import Frispor

    assert isinstance(app, Frispor)
    if not err.is_terminal:
        return run_import(app, job)
    size = job.path.stat().st_size
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn())
    with Progress(*columns, TimeRemainingColumn(), console=err, transient=True) as bar:
        task = bar.add_task(job.path.name, total=size)
        job.progress = lambda _lines, done: bar.update(task, completed=done)
        return run_import(app, job)


def template(
    kind: Annotated[
        str | None, typer.Argument(help="a kind; without it, the list of kinds")
    ] = None,
    schema: Annotated[
        bool, typer.Option(help="print the JSON Schema of a JSON Lines line")
    ] = False,
) -> None:
    """Print a CSV template for a kind of decision, or the JSON Schema of the import's lines."""
    if schema:
        print(json.dumps(lines_schema(KINDS), ensure_ascii=False, indent=2))
        return
    if kind is None:
        for name, k in KINDS.items():
            console.print(f"{name:<20} {k.summary}", highlight=False)
        return
    if kind not in KINDS:
        err.print(f"[red]no kind {kind!r}; one of {', '.join(KINDS)}[/]", soft_wrap=True)
        raise typer.Exit(2)
    print(KINDS[kind].template(), end="")


def register(cli: typer.Typer) -> None:
    """Add the import commands."""
    cli.command("import")(import_)
    cli.command("import-template")(template)
