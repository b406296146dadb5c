"""What an import found: every refused line, and what was (or would be) written."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Refusal:
    """One refused line: where, which field, which rule, and why (never the refused value)."""

    file: str
    line: int
    field: str | None
    rule: str
    message: str

    def as_text(self) -> str:
        """`file:line: field: rule: message`, as compilers write it."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field or '-'}: {self.rule}: {self.message}"


class FileRefusedError(Exception):
    """The file as a whole cannot be imported (encoding, format, size, kind, columns)."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.as_text())
        self.refusal = refusal


@dataclass
class ImportReport:
    """The outcome of one file: counts, refusals, and whether anything was stored."""

    file: str
    sha256: str
    kind: str
    dry_run: bool
    lines: int = 0
    decisions: int = 0  # lines that decided something new
    already_imported: int = 0  # lines whose key was imported before: skipped
    events: int = 0
    refused: list[Refusal] = field(default_factory=list)
    stored: bool = False
    import_id: str | None = None
    position: int | None = None

    @property
    def outcome(self) -> str:
        """refused, dry-run, already-imported or imported."""
        if self.refused:
            return "refused"
        if self.dry_run:
            return "dry-run"
        return "imported" if self.stored else "already-imported"

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON: its fields and its outcome."""
        return {**asdict(self), "outcome": self.outcome}

    def summary(self) -> str:
        """One Danish-first line for a person."""
        if self.refused:
            return (
                f"{self.file}: afvist, intet gemt — {len(self.refused)} linje(r) brød reglerne "
                f"(refused, nothing stored)"
            )
        if self.dry_run:
            return (
                f"{self.file}: prøvekørsel, intet gemt — {self.decisions} nye beslutninger, "
                f"{self.already_imported} allerede importeret (dry run)"
            )
        if not self.stored:
            return (
                f"{self.file}: allerede importeret, intet skrevet — "
                f"{self.already_imported} linjer (already imported, nothing written)"
            )
        return (
            f"{self.file}: importeret — {self.decisions} beslutninger, {self.events} hændelser, "
            f"{self.already_imported} allerede importeret; sidste position {self.position}"
        )
