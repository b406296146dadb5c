"""Which areas a trial is about: its network's theme, the areas declared when it was approved,
and the areas of the kinds of institution it enrols.

An area belongs to what a trial is about, not only to the theme of its network: København's
trial of announced nursing-home inspections runs in a network about coherent services
(`sammenhaeng`), yet it enrols a plejehjem, so it is a trial of elderly care (`aeldre`) too.

The areas are read as known at a moment (recorded time) and over every day of the trial (all
valid time): what the record said the trial was about, not what it was about on one day.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from frispor.projections.catalog import active_tables
from frispor.projections.view import END_TIME, iso_time
from frispor.store.db import Cursor, Database

# The area an institution's kind belongs to; `andet` (other) adds none.
KIND_AREAS: dict[str, str] = {
    "plejehjem": "aeldre",
    "hjemmepleje": "aeldre",
    "dagtilbud": "dagtilbud",
    "botilbud": "botilbud",
    "bolig": "bolig",
}

# The read models that file an aggregate under a trial, for `trial_of`.
_FILED_UNDER_TRIAL = ("institutions", "exemptions", "goals", "inspections")


def _recorded(known_at: datetime | None) -> tuple[str, list[Any]]:
    if known_at is None:
        return "recorded_to = %s", [END_TIME]
    moment = iso_time(known_at if known_at.tzinfo else known_at.replace(tzinfo=UTC))
    return "recorded_from <= %s AND %s < recorded_to", [moment, moment]


def trial_areas(
    db: Database, known_at: datetime | None = None, trial_id: str | None = None
) -> dict[str, frozenset[str]]:
    """{trial id: its areas} of every trial the record knew at the moment (or of one trial)."""
    when, params = _recorded(known_at)
    one, key = (" AND aggregate_id = %s", [trial_id]) if trial_id else ("", [])
    of_trial, trial_key = (" AND trial_id = %s", [trial_id]) if trial_id else ("", [])
    with db.read() as cur:
        tables = active_tables(cur)
        trials = cur.execute(
            f"SELECT aggregate_id, area, data FROM {tables['trials']} WHERE {when}{one}",
            [*params, *key],
        )
        kinds = cur.execute(
            f"SELECT DISTINCT trial_id, kind FROM {tables['institutions']} WHERE {when}{of_trial}",
            [*params, *trial_key],
        )
    areas: dict[str, set[str]] = {}
    for trial, area, data in trials:
        found = areas.setdefault(str(trial), set())
        found.add(str(area))
        found.update(json.loads(data).get("declared_areas", ()))
    for trial, kind in kinds:
        if str(trial) in areas and str(kind) in KIND_AREAS:
            areas[str(trial)].add(KIND_AREAS[str(kind)])
    return {trial: frozenset(found) for trial, found in areas.items()}


def trial_of(db: Database, aggregate_id: str) -> str | None:
    """The trial an aggregate is, or is filed under in the read models; None for neither."""
    with db.read() as cur:
        return _trial_of(cur, aggregate_id)


def _trial_of(cur: Cursor, aggregate_id: str) -> str | None:
    tables = active_tables(cur)
    if cur.execute(f"SELECT 1 FROM {tables['trials']} WHERE aggregate_id = %s", [aggregate_id]):
        return aggregate_id
    for name in _FILED_UNDER_TRIAL:
        rows = cur.execute(
            f"SELECT trial_id FROM {tables[name]} WHERE aggregate_id = %s LIMIT 1", [aggregate_id]
        )
        if rows:
            return str(rows[0][0])
    return None
