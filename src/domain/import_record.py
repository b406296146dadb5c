"""An import of past decisions from a case system, itself recorded in the trail."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from frispor.domain.aggregate import Aggregate, Context, Created, Envelope
from frispor.domain.core import Core, Written


class Import(Aggregate):
    """Who imported which file (by its SHA-256), of which kind, and how many decisions."""

    class Recorded(Created):
        is_decision = False
        file_name: str = Field(min_length=1, max_length=300)
        sha256: str = Field(pattern="^[0-9a-f]{64}$")
        kind: str = Field(min_length=1, max_length=50)
        decisions: int = Field(ge=0)
        already_imported: int = Field(ge=0)

        def apply(self, record: Import) -> None:
            record.sha256 = self.sha256
            record.decisions = self.decisions

    sha256: str
    decisions: int

    @classmethod
    def record(cls, ctx: Context, **facts: Any) -> Import:
        """Record an import that was made."""
        return cls._start(cls.Recorded, ctx, **facts)


class ImportCases(Core):
    """The import's own fact, written in the same transaction as its decisions."""

    def record_import(self, envelope: Envelope, **facts: Any) -> Written:
        """Record in the trail that a file of decisions was imported."""
        return self._write(Import.record(self._ctx(envelope), **facts))
