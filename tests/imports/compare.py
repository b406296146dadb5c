"""The same status and findings in two stores whose ids differ: compared by what things are."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from frispor.domain.aggregate import Aggregate
from frispor.domain.application import Frispor
from frispor.domain.exemption import Exemption
from frispor.domain.inspection import Order
from frispor.domain.institution import Institution
from frispor.domain.trial import Trial
from frispor.projections.audit.record import load_record
from frispor.projections.audit.review import review
from frispor.projections.audit.status import trial_from_events

AFTER_IMPORTS = date(2099, 12, 31)
DAYS = [date(2017, 10, 1), date(2018, 3, 1), date(2018, 6, 1), date(2019, 6, 1), date(2026, 1, 1)]


def _name(agg: Aggregate | None) -> str:
    if isinstance(agg, Trial):
        return f"trial {agg.title}"
    if isinstance(agg, Institution):
        return f"institution {agg.name}"
    if isinstance(agg, Exemption):
        return f"exemption {agg.rule} {agg.municipality}"
    if isinstance(agg, Order):
        return f"order {agg.requirement}"
    return type(agg).__name__


def snapshot(app: Frispor) -> tuple[dict[str, Any], Counter[tuple[str, ...]]]:
    """Every trial's status on several days, and the findings but late recordings, by name.

    A retroactive correction is compared without its day: that is the day it was recorded,
    which in an import is the import's, as with the late recordings.
    """
    record = load_record(app)
    names = {i: _name(record.state(i)) for i in record.events}
    status: dict[str, Any] = {}
    for trial in record.of_type(Trial):
        for day in DAYS:
            found = trial_from_events(record, trial.id, day)
            if found is None:
                continue
            for field in ("institutions", "exemptions_in_force", "open_orders"):
                found[field] = sorted(names[type(trial.id)(i)] for i in found[field])
            status[f"{trial.title} {day}"] = found
    findings = Counter(
        (
            f.code,
            f.severity,
            # A correction is dated when it was recorded: in the copy, at the import.
            f.day if f.code != "retroactive-correction" else "",
            names.get(_uuid(f.trial_id), "-"),
            names.get(_uuid(f.institution_id), "-"),
        )
        # A day after any import: a correction's finding arises on the day it is recorded.
        for f in review(record, as_of=AFTER_IMPORTS)
        if f.code != "late-recording"
    )
    return status, findings


def _uuid(value: str | None) -> Any:
    from uuid import UUID

    return UUID(value) if value else None
