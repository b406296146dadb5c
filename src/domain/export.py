"""An export to a supervisory authority, itself recorded in the trail."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from frispor.domain.aggregate import Aggregate, Context, Created
from frispor.domain.values import Name


class Export(Aggregate):
    """Who exported what, for whom, at which checkpoint."""

    class Recorded(Created):
        is_decision = False
        export_number: int = Field(ge=1)
        authority: Name
        area: str | None = None
        period_from: date | None = None
        period_to: date | None = None
        kind: str = Field(pattern="^(full|subset)$")
        events: int = Field(ge=0)
        checkpoint_size: int = Field(ge=0)
        checkpoint_root: str = Field(pattern="^[0-9a-f]{64}$")
        tagmanifest_sha256: str = Field(pattern="^[0-9a-f]{64}$")

        def apply(self, export: Export) -> None:
            export.export_number = self.export_number
            export.authority = self.authority
            export.checkpoint_size = self.checkpoint_size

    export_number: int
    authority: str
    checkpoint_size: int

    @classmethod
    def record(cls, ctx: Context, **facts: Any) -> Export:
        """Record an export that was made."""
        return cls._start(cls.Recorded, ctx, **facts)
