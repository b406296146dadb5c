"""Read model of the exemptions register: rule, level, grantor, conditions, validity, status."""

from __future__ import annotations

from datetime import timedelta

from frispor.domain.exemption import Exemption, ExemptionStatus
from frispor.projections.view import StatusRow, View


def in_force(x: Exemption) -> tuple[str | None, str | None]:
    """The days the exemption is in force as its state stands, or (None, None)."""
    if x.validity is None or x.status not in (
        ExemptionStatus.GRANTED,
        ExemptionStatus.REVOKED,
        ExemptionStatus.EXPIRED,
    ):
        return None, None
    start, end = x.validity.start, x.validity.end
    if x.status is ExemptionStatus.REVOKED and x.ended_on is not None:
        end = min(end, x.ended_on - timedelta(days=1))
    if x.status is ExemptionStatus.EXPIRED and x.ended_on is not None:
        end = min(end, x.ended_on)
    if end < start:
        return None, None
    return start.isoformat(), end.isoformat()


def status_rows(x: Exemption) -> list[StatusRow]:
    """One row: the exemption as it stands."""
    start, end = in_force(x)
    columns = (
        str(x.trial_id),
        str(x.institution_id) if x.institution_id else None,
        x.municipality,
        x.category.value,
        x.level.value,
        x.status.value,
        start,
        end,
    )
    data = {
        "rule": {"act": x.rule.act, "path": x.rule.path, "text": str(x.rule)},
        "description": x.description,
        "grantor": x.grantor,
        "conditions": list(x.conditions),
        "validity": x.validity.model_dump(mode="json") if x.validity else None,
        "ended_on": x.ended_on,
        "programme_id": str(x.programme_id),
    }
    return [("exemption", columns, data)]


VIEW = View(
    name="exemptions",
    aggregates=(Exemption,),
    columns=(
        ("trial_id", "TEXT"),
        ("institution_id", "TEXT"),
        ("municipality", "TEXT"),
        ("category", "TEXT"),
        ("level", "TEXT"),
        ("status", "TEXT"),
        ("in_force_from", "TEXT"),
        ("in_force_to", "TEXT"),
    ),
    status_rows=status_rows,
    indexes=("institution_id",),
)
