"""`frispor review`: the legal-certainty review, one pass over the findings read model."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from frispor.cli.options import InstitutionOption, TrialOption
from frispor.cli.settings import settings as cli_settings
from frispor.domain.application import Frispor
from frispor.progress import shown
from frispor.projections.areas import trial_areas
from frispor.projections.audit.finding import Finding
from frispor.projections.audit.html import report
from frispor.projections.catalog import VIEWS, ensure
from frispor.projections.findings_query import ReviewQuery, review_all
from frispor.projections.findings_runner import runner_for
from frispor.store.db import Database
from frispor.store.open import open_app

out_console = Console()
# Progress and notes go to standard error, and only on a terminal: a pipe gets the output alone.
err = Console(stderr=True)
FORMATS = ("table", "json", "csv", "html")
CSV_COLUMNS = ("id", "severity", "code", "day", "trial_id", "institution_id", "title")


def catch_up(app: Frispor, db: Database, names: list[str]) -> None:
    """Bring these read models to the head of the log (a server may be doing it too)."""
    ensure(db)
    head = app.recorder.max_notification_id() or 0
    with shown() as bar:
        for name in names:
            bar.begin(f"{name} read model", head)
            runner_for(app, db, VIEWS[name]).catch_up(progress=bar.advance)


def as_csv(findings: list[dict[str, Any]]) -> str:
    """The findings as CSV, one a line, the events' positions space-separated."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, "explanation", "positions"])
    for f in findings:
        positions = " ".join(map(str, f["positions"]))
        writer.writerow([*(f[c] for c in CSV_COLUMNS), f["explanation"], positions])
    return buffer.getvalue()


def register(cli: typer.Typer) -> None:
    """Add review to the CLI."""

    @cli.command()
    def review(
        format: Annotated[str, typer.Option(help="table, json, csv or html")] = "table",
        as_of: Annotated[str | None, typer.Option(help="review as of this day")] = None,
        known_at: Annotated[str | None, typer.Option(help="as recorded at this moment")] = None,
        trial: TrialOption = None,
        institution: InstitutionOption = None,
        municipality: Annotated[str | None, typer.Option(help="only this municipality")] = None,
        area: Annotated[str | None, typer.Option(help="only trials about this area")] = None,
        severity: Annotated[str | None, typer.Option(help="high, medium or low")] = None,
        kind: Annotated[str | None, typer.Option(help="one kind, e.g. order-overdue")] = None,
        out: Annotated[Path | None, typer.Option(help="write to this file")] = None,
    ) -> None:
        """The legal-certainty review: findings, each naming the events behind it."""
        if format not in FORMATS:
            err.print(f"[red]--format must be one of {', '.join(FORMATS)}[/]")
            raise typer.Exit(2)
        try:
            day = date.fromisoformat(as_of) if as_of else datetime.now(UTC).date()
            moment = datetime.fromisoformat(known_at) if known_at else None
        except ValueError as error:
            err.print(f"[red]--as-of/--known-at: {error}[/]")
            raise typer.Exit(2) from None
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        settings = cli_settings()
        app = open_app(settings.eventsourcing_env())
        db = settings.database()
        try:
            # The report draws every trial's parts from the other read models too.
            catch_up(app, db, list(VIEWS) if format == "html" else ["findings"])
            within = None
            if area is not None:  # a trial's areas: its network's theme and its institutions'
                areas = trial_areas(db, moment)
                within = frozenset(t for t, of in areas.items() if area in of)
            query = ReviewQuery(
                day,
                moment,
                trial,
                institution,
                municipality,
                within=within,
                severity=severity,
                kind=kind,
                late_after_days=settings.late_recording_days,
            )
            findings = review_all(db, query)
            text = _text(db, query, findings, format)
        finally:
            db.close()
            app.close()
        if text is None:
            table = Table(title=f"Legal-certainty review as of {day}")
            for col in ("severity", "finding", "day", "explanation", "events"):
                table.add_column(col, overflow="fold")
            for f in findings:
                positions = ", ".join(map(str, f["positions"]))
                table.add_row(f["severity"], f["code"], f["day"], f["explanation"], positions)
            if out is None:
                out_console.print(table)
                out_console.print(f"{len(findings)} findings")
                return
            text = "\n".join(
                f"{f['severity']}\t{f['code']}\t{f['day']}\t{f['explanation']}" for f in findings
            )
        if out is not None:
            out.write_text(text, encoding="utf-8")
            err.print(f"{len(findings)} findings written to {out}")
        else:
            typer.echo(text, nl=not text.endswith("\n"))


def _text(
    db: Database, query: ReviewQuery, findings: list[dict[str, Any]], format: str
) -> str | None:
    """The review in a format other than the table (None: the table)."""
    if format == "json":
        return json.dumps(findings, ensure_ascii=False, indent=2)
    if format == "csv":
        return as_csv(findings)
    if format == "html":
        # The timelines and charts from the read models: one query each for every trial.
        found = [Finding.from_dict(f) for f in findings]
        return report(db, query, found, "Retssikkerhedsmæssig gennemgang")
    return None
