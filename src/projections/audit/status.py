"""Status of a trial or institution rebuilt from the events alone, and compared with the views."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from frispor.domain.exemption import Exemption
from frispor.domain.inspection import Order, OrderStatus
from frispor.domain.institution import Institution
from frispor.domain.trial import Trial
from frispor.projections.audit.days import in_force_days
from frispor.projections.audit.record import Record
from frispor.projections.queries import ReadModels


def _phase(trial: Trial, day: date) -> str:
    if trial.status.value == "permanent":
        return "permanent"
    period = trial.in_force
    return "not started" if day < period.start else "running" if day <= period.end else "ended"


def _in_force(record: Record, day: date, trial_id: UUID, where: Any = None) -> list[str]:
    found = []
    for x in record.of_type(Exemption, day):
        days = in_force_days(x)
        if x.trial_id == trial_id and days and days[0] <= day <= days[1]:
            if where is None or where(x):
                found.append(str(x.id))
    return sorted(found)


def trial_from_events(record: Record, trial_id: UUID, day: date) -> dict[str, Any] | None:
    """A trial as of `day`, as the record (known at its moment) says, computed from events."""
    trial = record.state(trial_id, day)
    if not isinstance(trial, Trial):
        return None
    institutions = [i for i in record.of_type(Institution, day) if i.trial_id == trial_id]
    orders = [
        o
        for o in record.of_type(Order, day)
        if o.trial_id == trial_id and o.status is OrderStatus.OPEN
    ]
    return {
        "title": trial.title,
        "status": trial.status.value,
        "phase": _phase(trial, day),
        "period_end": trial.in_force.end.isoformat(),
        "institutions": sorted(str(i.id) for i in institutions),
        "exemptions_in_force": _in_force(record, day, trial_id),
        "open_orders": sorted(str(o.id) for o in orders),
    }


def institution_from_events(
    record: Record, institution_id: UUID, day: date
) -> dict[str, Any] | None:
    """An institution as of `day`, computed from the events."""
    inst = record.state(institution_id, day)
    if not isinstance(inst, Institution):
        return None
    orders = [
        o
        for o in record.of_type(Order, day)
        if o.institution_id == institution_id and o.status is OrderStatus.OPEN
    ]
    return {
        "name": inst.name,
        "trial_id": str(inst.trial_id),
        "exemptions_in_force": _in_force(
            record,
            day,
            inst.trial_id,
            lambda x: x.municipality == inst.municipality and x.institution_id in (None, inst.id),
        ),
        "open_orders": sorted(str(o.id) for o in orders),
    }


def trial_from_views(
    read: ReadModels, trial_id: UUID, day: date, record: Record
) -> dict[str, Any] | None:
    """The same trial as the read models answer for the same day and moment."""
    t = read.trial(str(trial_id), day, record.known_at)
    if t is None:
        return None
    ex = read.exemptions(day, trial=str(trial_id), known_at=record.known_at)
    return {
        "title": t["data"]["title"],
        "status": t["status"],
        "phase": t["phase"],
        "period_end": t["period_end"],
        "institutions": sorted(i["aggregate_id"] for i in t["institutions"]),
        "exemptions_in_force": sorted(e["aggregate_id"] for e in ex),
        "open_orders": sorted(read.open_orders(str(trial_id), day, record.known_at)),
    }


def institution_from_views(
    read: ReadModels, institution_id: UUID, day: date, record: Record
) -> dict[str, Any] | None:
    """The same institution as the read models answer."""
    i = read.institution(str(institution_id), day, record.known_at)
    if i is None:
        return None
    return {
        "name": i["data"]["name"],
        "trial_id": i["trial_id"],
        "exemptions_in_force": sorted(e["aggregate_id"] for e in i["exemptions_in_force"]),
        "open_orders": sorted(o["aggregate_id"] for o in i["open_orders"]),
    }


def differences(from_events: dict[str, Any] | None, from_views: dict[str, Any] | None) -> list[str]:
    """Field by field, where the two independent answers disagree."""
    if from_events is None or from_views is None:
        return (
            [] if from_events == from_views else [f"events: {from_events!r}, views: {from_views!r}"]
        )
    return [
        f"{key}: events say {from_events[key]!r}, read models say {from_views.get(key)!r}"
        for key in from_events
        if from_events[key] != from_views.get(key)
    ]
