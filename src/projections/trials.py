"""Read model of trials: status, period with extensions, participants."""

from __future__ import annotations

from frispor.domain.trial import Trial
from frispor.projections.view import StatusRow, View


def status_rows(t: Trial) -> list[StatusRow]:
    """One row: the trial as it stands."""
    in_force = t.in_force
    columns = (
        str(t.programme_id),
        str(t.network_id),
        t.area.value,
        t.status.value,
        in_force.start.isoformat(),
        in_force.end.isoformat(),
        t.title.casefold(),
        "".join(f"|{m}" for m in t.municipalities) + "|",
    )
    data = {
        "title": t.title,
        "purpose": t.purpose,
        "period": {"start": t.period.start, "end": t.period.end},
        "ended_on": t.ended_on,
        "municipalities": list(t.municipalities),
        "declared_areas": [a.value for a in t.areas],
    }
    return [("trial", columns, data)]


VIEW = View(
    name="trials",
    aggregates=(Trial,),
    columns=(
        ("programme_id", "TEXT"),
        ("network_id", "TEXT"),
        ("area", "TEXT"),
        ("status", "TEXT"),
        ("period_start", "TEXT"),
        ("period_end", "TEXT"),
        ("title", "TEXT"),  # casefolded: the web view's search
        ("municipalities", "TEXT"),  # "|0101|0147|": the web view's filter, no JSON parsed
    ),
    status_rows=status_rows,
    hidden=("title", "municipalities"),
    orders=("recorded_to, period_start, aggregate_id",),
)
