"""Commands the demo's scripts and the synthetic histories build alike."""

from __future__ import annotations

from frispor.domain.commands import EnrolInstitution
from frispor.domain.values import InstitutionKind, Ownership


def plejehjem(
    name: str, municipality: str, cvr: str, ownership: Ownership = Ownership.KOMMUNAL
) -> EnrolInstitution:
    """Enrol a plejehjem, known by its CVR (the municipality's own unless said otherwise)."""
    return EnrolInstitution(
        name=name,
        kind=InstitutionKind.PLEJEHJEM,
        municipality=municipality,
        ownership=ownership,
        cvr=cvr,
    )
