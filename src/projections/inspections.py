"""Read model of inspections and the orders they gave."""

from __future__ import annotations

from typing import Any

from frispor.domain.inspection import Inspection, Order
from frispor.projections.view import StatusRow, View


def status_rows(agg: Inspection | Order) -> list[StatusRow]:
    """One row per inspection or order, as it stands."""
    data: dict[str, Any]
    if isinstance(agg, Inspection):
        status = "performed" if agg.performed_on else "planned"
        day = agg.performed_on or agg.planned_on
        data = {
            "authority": agg.authority,
            "kind": agg.kind.value,
            "announced": agg.announced,
            "notice_date": agg.notice_date,
            "planned_on": agg.planned_on,
            "performed_on": agg.performed_on,
            "assessment": agg.assessment.value if agg.assessment else None,
            "report_published_on": agg.report_published_on,
        }
        row = ("inspection", str(agg.trial_id), str(agg.institution_id), status, str(day))
        return [("inspection", (*row, str(agg.id)), data)]
    data = {
        "requirement": agg.requirement,
        "deadline": agg.deadline,
        "closed_on": agg.closed_on,
    }
    head = ("order", str(agg.trial_id), str(agg.institution_id), agg.status.value)
    return [("order", (*head, str(agg.deadline), str(agg.inspection_id)), data)]


VIEW = View(
    name="inspections",
    aggregates=(Inspection, Order),
    columns=(
        ("kind", "TEXT"),
        ("trial_id", "TEXT"),
        ("institution_id", "TEXT"),
        ("status", "TEXT"),
        ("day", "TEXT"),
        ("inspection_id", "TEXT"),
    ),
    status_rows=status_rows,
    indexes=("institution_id",),
)
