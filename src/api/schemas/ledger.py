"""What the ledger routes answer: proofs and exports."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import Response
from pydantic import Field

from frispor.api.schemas.reads import Cursor, Public

Hex = str


class InclusionProof(Public):
    """An event's leaf and the hashes that lead from it to a checkpoint's root (RFC 9162)."""

    position: int
    leaf_index: int
    tree_size: int
    leaf: str = Field(description="the leaf's canonical JSON")
    root: Hex
    proof: list[Hex]


class ConsistencyProof(Public):
    """The hashes that show the smaller tree is a prefix of the larger (RFC 9162)."""

    from_: int = Field(alias="from")
    to: int
    old_root: Hex
    new_root: Hex
    proof: list[Hex]


class ExportCreated(Public):
    """The export cut: its number, the checkpoint it is for, and how many events it holds."""

    id: int
    position: int = Field(description="of the Export.Recorded event")
    kind: str = Field(description="full or subset")
    events: int
    checkpoint_size: int
    checkpoint_root: Hex


class ExportPublic(Public):
    """One finished export and whom it was cut for."""

    id: int
    authority: str | None
    area: str | None
    from_: date | None = Field(alias="from")
    to: date | None
    kind: str | None
    events: int
    created: datetime | None


class ExportsPage(Public):
    """A page of exports."""

    items: list[ExportPublic]
    next_cursor: Cursor


class TarGz(Response):
    """A .tar.gz file: a tar archive, gzip-compressed, sent as application/gzip."""

    media_type = "application/gzip"
