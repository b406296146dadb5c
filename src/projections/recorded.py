"""Read model of when each event was recorded: its position, aggregate, version, recorded time.

`frispor diff` asks it which aggregates had events recorded between two moments, instead of
reading the whole log for every event's recorded time. One row per event, in the columns every
read model has (so `rebuild` and `check` treat it like the others): `recorded_from` is the
event's recorded time, `position` its place in the log, `version` its aggregate's version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from frispor.domain.topics import AGGREGATES
from frispor.projections.view import StatusRow, View


def _none(_: Any) -> list[StatusRow]:
    return []


@dataclass(frozen=True)
class RecordedView(View):
    """The table of recorded times, indexed by recorded time and by aggregate."""

    def ddl(self, table: str) -> list[str]:
        """The statements that create its table and its one index."""
        return [
            self.table_ddl(table),
            # A diff reads the events recorded in a span of time: a range of this index.
            f"CREATE INDEX IF NOT EXISTS {table}_recorded ON {table} (recorded_from)",
            # ... and then the last version of each of those aggregates recorded by its end.
            f"CREATE INDEX IF NOT EXISTS {table}_aggregate "
            f"ON {table} (aggregate_id, recorded_from)",
        ]


VIEW = RecordedView(
    name="recorded",
    aggregates=AGGREGATES,  # every event of every aggregate
    columns=(("version", "BIGINT"),),
    status_rows=_none,
    time_index=False,
)
