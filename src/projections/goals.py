"""Read model of result goals: terms (with revisions) and every measurement."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from frispor.domain.aggregate import Event
from frispor.domain.goal import Goal, GoalTerms
from frispor.domain.values import Period, Quality
from frispor.projections.view import FactRow, StatusRow, View


def status_rows(g: Goal) -> list[StatusRow]:
    """One row: the goal's terms as they stand."""
    columns = ("goal", *_filed_under(g))
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


# The trial and institution a goal is filed under, as text: asked for with every measurement.
# Keyed by the goal object's id; each entry holds the two ids it was made from and is used only
# for those very objects, so an entry left by a goal gone (whose id a new one may take) is safe.
_FILED: dict[int, tuple[UUID, UUID | None, tuple[str, str | None]]] = {}


def _filed_under(g: Goal) -> tuple[str, str | None]:
    """(trial id, institution id or None) as text."""
    hit = _FILED.get(id(g))
    if hit is not None and hit[0] is g.trial_id and hit[1] is g.institution_id:
        return hit[2]
    if len(_FILED) >= 50_000:
        _FILED.clear()
    filed = str(g.trial_id), str(g.institution_id) if g.institution_id else None
    _FILED[id(g)] = g.trial_id, g.institution_id, filed
    return filed


def new_measurement(g: Goal, event: Event) -> list[FactRow]:
    """The row of one measurement, keyed by its event's own version, whenever it was recorded."""
    assert isinstance(event, Goal.MeasurementRecorded)
    return [
        _row(g, event.originator_version, event.period, event.value, event.source, event.quality)
    ]


def _row(
    g: Goal, version: int, period: Period, value: Decimal, source: str, quality: Quality
) -> FactRow:
    columns = ("measurement", *_filed_under(g))
    data = {"value": str(value), "source": source, "quality": quality.value}
    return (f"m{version}", period.start, period.end, columns, data)


VIEW = View(
    name="goals",
    aggregates=(Goal,),
    columns=(("kind", "TEXT"), ("trial_id", "TEXT"), ("institution_id", "TEXT")),
    status_rows=status_rows,
    fact_events=(Goal.MeasurementRecorded,),
    new_facts=new_measurement,
    time_index=False,  # goals are asked for by goal or by trial, never all as of a day
)
