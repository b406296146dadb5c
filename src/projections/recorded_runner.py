"""Keeps the recorded-times read model: one row per event, nothing decoded."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from frispor.domain.application import Frispor
from frispor.projections.audit.record import recorded_at
from frispor.projections.recorded import VIEW
from frispor.projections.rows import COLUMNS, Change
from frispor.projections.runner import Runner
from frispor.projections.view import END_DAY, END_TIME, View, iso_time
from frispor.store.db import Cursor, Database

ROW_COLUMNS = [*COLUMNS, *(name for name, _ in VIEW.columns), "data"]


class RecordedRunner(Runner):
    """A runner whose rows are the events themselves: each one's recorded time and place."""

    def __init__(
        self,
        app: Frispor,
        db: Database,
        view: View = VIEW,
        table: str | None = None,
        batch_size: int = 500,
        cache_size: int = 0,
    ) -> None:
        # Bigger batches than the views': a row per event costs little to write.
        super().__init__(app, db, view, table, max(batch_size, 2_000), cache_size)
        self.wanted = []  # every event
        self._rows: list[tuple[Any, ...]] = []

    def _reset(self) -> None:
        super()._reset()
        self._rows = []

    def _concerns(self, n: Notification) -> bool:
        return True

    def _apply(self, n: Notification, changes: dict[UUID, list[Change]]) -> None:
        # The recorded time is read from the stored JSON; the event is not decoded.
        recorded = iso_time(recorded_at(n.state))
        self._rows.append(
            (
                str(UUID(str(n.originator_id))),  # the same text on both stores
                "event",
                recorded[:10],
                END_DAY,
                recorded,
                END_TIME,
                n.id,
                None,
                n.originator_version,
                "{}",
            )
        )

    def _write(self, cur: Cursor, table: str, changes: dict[UUID, list[Change]]) -> None:
        rows, self._rows = self._rows, []
        if rows:
            cur.insert_rows(table, ROW_COLUMNS, rows)
