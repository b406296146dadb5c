"""Read model of result goals: terms (with revisions) and every measurement."""

from __future__ import annotations

from typing import Any

from domain.aggregate import Event
from domain.goal import Goal, GoalTerms, Measurement
from projections.view import FactRow, StatusRow, View


def status_rows(g: Goal) -> list[StatusRow]:
    """One row: the goal's terms as they stand."""
    columns = ("goal", str(g.trial_id), str(g.institution_id) if g.institution_id else None)
    data = {"terms": _terms_json(g.terms), "revisions": len(g.revisions) - 1}
    return [("goal", columns, data)]


# The status row is asked for after every measurement, and the terms (unchanged by most)
# cost more to dump than the rest of the event: dumped once per terms object, which is frozen.
# Each entry holds its object, so no other object takes its id while it is here.
_DUMPED: dict[int, tuple[GoalTerms, dict[str, Any]]] = {}


def _terms_json(terms: GoalTerms) -> dict[str, Any]:
    """`terms.model_dump(mode="json")`, shared: not to be changed by its callers."""
    hit = _DUMPED.get(id(terms))
    if hit is not None and hit[0] is terms:
        return hit[1]
    if len(_DUMPED) >= 10_000:
        _DUMPED.clear()
    dumped = terms.model_dump(mode="json")
    _DUMPED[id(terms)] = terms, dumped
    return dumped


def measurement_rows(g: Goal) -> list[FactRow]:
    """A row per measurement, valid over the period it measures."""
    return [_row(g, m) for m in g.measurements]


def _row(g: Goal, m: Measurement) -> FactRow:
    institution = str(g.institution_id) if g.institution_id else None
    columns = ("measurement", str(g.trial_id), institution)
    data = {"value": str(m.value), "source": m.source, "quality": m.quality.value}
    return (f"m{m.recorded_version}", m.period.start, m.period.end, columns, data)


def new_measurement(g: Goal, event: Event) -> list[FactRow]:
    """The one measurement row an event adds (none for a revision)."""
    if isinstance(event, Goal.MeasurementRecorded):
        return [_row(g, g.measurements[-1])]
    return []


VIEW = View(
    name="goals",
    aggregates=(Goal,),
    columns=(("kind", "TEXT"), ("trial_id", "TEXT"), ("institution_id", "TEXT")),
    status_rows=status_rows,
    fact_rows=measurement_rows,
    new_facts=new_measurement,
    indexes=("trial_id",),
)
