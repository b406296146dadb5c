"""Read model of institutions enrolled in trials."""

from __future__ import annotations

from frispor.domain.institution import Institution
from frispor.projections.view import StatusRow, View


def status_rows(i: Institution) -> list[StatusRow]:
    """One row: the institution and where it is enrolled."""
    data = {
        "name": i.name,
        "cvr": i.cvr,
        "p_number": i.p_number,
        "ownership": i.ownership.value,
        "network_id": str(i.network_id),
    }
    return [("institution", (str(i.trial_id), i.municipality, i.kind.value), data)]


VIEW = View(
    name="institutions",
    aggregates=(Institution,),
    columns=(("trial_id", "TEXT"), ("municipality", "TEXT"), ("kind", "TEXT")),
    status_rows=status_rows,
)
