"""Options several audit commands share, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

TrialOption = Annotated[str | None, typer.Option(help="only this trial (its id)")]
InstitutionOption = Annotated[str | None, typer.Option(help="only this institution (its id)")]
