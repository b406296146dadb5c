"""What an import answers: its report, and the problem of a refused one."""

from __future__ import annotations

from pydantic import BaseModel, Field

from frispor.api.schemas.problem import Problem


class RefusalPublic(BaseModel):
    """One refused line."""

    file: str
    line: int = Field(description="1 is a CSV file's header; 0 is the file as a whole")
    field: str | None
    rule: str
    message: str


class ImportReportPublic(BaseModel):
    """What an import found and wrote."""

    file: str
    sha256: str
    kind: str = Field(description="the CSV file's kind, or jsonl")
    outcome: str = Field(description="imported, already-imported, dry-run or refused")
    dry_run: bool
    lines: int
    decisions: int = Field(description="lines that decided something new")
    already_imported: int = Field(description="lines whose key was imported before: skipped")
    events: int = Field(description="events written, the import's own included")
    stored: bool
    import_id: str | None
    position: int | None = Field(description="the last position written")
    refused: list[RefusalPublic]


class ImportRefused(Problem, ImportReportPublic):
    """A refused import (rule import-refused): the problem, and the report naming every line."""


IMPORT_REFUSED_REF = {"$ref": "#/components/schemas/ImportRefused"}
