"""Keeps the recorded-times read model: one row per event, nothing decoded."""

from __future__ import annotations

from collections.abc import Sequence
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

# Bytes of an event's JSON read: its recorded time is its first field (after a class version).
HEAD = 120
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

    def _select(self, start: int, stop: int) -> Sequence[Notification]:
        # Only the head of each event's JSON, where its recorded time is: the rest of it would
        # be most of what crosses the wire, for nothing.
        db = self.db
        position = "notification_id" if db.is_postgres else "rowid"
        with db.read() as cur:
            rows = cur.execute(
                f"SELECT {position}, originator_id, originator_version, substr(state, 1, {HEAD}) "
                f"FROM {db.events_table} WHERE {position} BETWEEN %s AND %s "
                f"ORDER BY {position} LIMIT %s",
                (start, stop, self.batch_size),
            )
        return [
            Notification(
                id=int(p),
                originator_id=UUID(str(a)),
                originator_version=int(v),
                topic="",
                state=bytes(s),
            )
            for p, a, v, s in rows
        ]

    def _apply(self, n: Notification, changes: dict[UUID, list[Change]]) -> None:
        # The recorded time is read from the stored JSON; the event is not decoded.
        recorded = iso_time(recorded_at(n.state))
        self._rows.append(
            (
                str(n.originator_id),
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
