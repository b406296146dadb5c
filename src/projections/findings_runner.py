"""Keeps the findings read model: per event, the findings of the groups it belongs to again."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from frispor.domain.aggregate import Event
from frispor.domain.application import Frispor
from frispor.domain.mapper import decode_event
from frispor.domain.trial import Trial
from frispor.projections.audit.record import Record
from frispor.projections.audit.spans import spans_of
from frispor.projections.db import Cursor, Database
from frispor.projections.findings import VIEW, version_of
from frispor.projections.history import feed
from frispor.projections.rows import Change, write_batch
from frispor.projections.runner import Runner
from frispor.projections.view import Version, View, iso_time

Rows = dict[tuple[str, str], Version]


@dataclass
class Group:
    """A group's events so far (as a record) and the rows they make."""

    record: Record = field(default_factory=lambda: Record(None))
    rows: Rows = field(default_factory=dict)


class FindingsRunner(Runner):
    """A runner whose rows are a group's findings, recomputed for each event of the group."""

    def __init__(
        self,
        app: Frispor,
        db: Database,
        view: View = VIEW,
        table: str | None = None,
        batch_size: int = 500,
        cache_size: int = 2_000,
    ) -> None:
        super().__init__(app, db, view, table, batch_size, cache_size)
        self.wanted = []  # every event: any of them may have been recorded late
        self._groups: OrderedDict[UUID, Group] = OrderedDict()
        self._member_of: dict[UUID, list[UUID]] = {}  # aggregate → its groups
        self._joined: list[tuple[str, str]] = []  # (aggregate, group) found in this batch

    def _reset(self) -> None:
        super()._reset()
        self._groups.clear()
        self._member_of.clear()
        self._joined.clear()

    def _concerns(self, n: Notification) -> bool:
        return True

    def _write(self, cur: Cursor, table: str, changes: dict[UUID, list[Change]]) -> None:
        if self._joined:
            cur.executemany(
                f"INSERT INTO {table}_members (aggregate_id, group_id) VALUES (%s, %s)",
                self._joined,
            )
            self._joined = []
        write_batch(cur, table, self.view, changes)

    def _apply(self, n: Notification, changes: dict[UUID, list[Change]]) -> None:
        agg = UUID(str(n.originator_id))
        event = decode_event(n.topic, agg, n.originator_version, n.state)
        for group_id in self._groups_of(agg, event, n.id):
            group = self._group(group_id, n.id)
            group.record.events.setdefault(agg, []).append(event)
            group.record.positions[event.event_id] = n.id
            rows = rows_of(group.record, group_id)
            old = group.rows
            delta = {i: rows.get(i) for i in old.keys() | rows.keys() if old.get(i) != rows.get(i)}
            group.rows = rows
            recorded = iso_time(event.timestamp)
            # Version 2: the table may hold rows of the group already (its first event is
            # another aggregate's), so the batch writer reads them.
            changes.setdefault(group_id, []).append((recorded, n.id, 2, delta))

    def _groups_of(self, agg: UUID, event: Event, position: int) -> list[UUID]:
        """The groups an aggregate belongs to; on its first event, which it joins."""
        if event.originator_version == 1:
            home = _home(agg, event)
            self._join(agg, home)
            if isinstance(event, Trial.Approved):
                # A grantor's competence is judged against the trial's network and programme.
                for parent in (event.network_id, event.programme_id):
                    self._member_of.setdefault(parent, self._stored_groups(parent))
                    self._join(parent, agg)
            return [home]
        if agg not in self._member_of:
            self._member_of[agg] = self._stored_groups(agg)
        return list(self._member_of[agg])

    def _join(self, agg: UUID, group_id: UUID) -> None:
        groups = self._member_of.setdefault(agg, [])
        if group_id not in groups:
            groups.append(group_id)
            self._joined.append((str(agg), str(group_id)))

    def _stored_groups(self, agg: UUID) -> list[UUID]:
        rows = self._read("SELECT group_id FROM {}_members WHERE aggregate_id = %s", str(agg))
        return [UUID(r) for r in rows]

    def _read(self, sql: str, value: str) -> list[str]:
        with self.db.transaction() as cur:
            table = self._at[0] if self._at else ""
            return [str(r[0]) for r in cur.execute(sql.format(table), (value,))]

    def _group(self, group_id: UUID, position: int) -> Group:
        """The group as followed so far, or read back from the log up to `position`."""
        group = self._groups.get(group_id)
        if group is None:
            members = {
                UUID(a)
                for a in self._read(
                    "SELECT aggregate_id FROM {}_members WHERE group_id = %s", str(group_id)
                )
            }
            members |= {UUID(a) for a, g in self._joined if g == str(group_id)}
            group = Group()
            logged, _ = feed(self.db, 0, 1 << 62, aggregate_ids=sorted(members))
            for entry in logged:
                if entry.position < position:
                    group.record.events.setdefault(entry.event.originator_id, []).append(
                        entry.event
                    )
                    group.record.positions[entry.event.event_id] = entry.position
            group.rows = rows_of(group.record, group_id)
            self._groups[group_id] = group
        self._groups.move_to_end(group_id)
        while len(self._groups) > self._cache_size:
            self._groups.popitem(last=False)
        return group


def rows_of(record: Record, group_id: UUID) -> Rows:
    """The rows of a group's findings as its events so far make them."""
    versions = [version_of(s) for s in spans_of(record, group_id)]
    return {v.identity: v for v in versions}


def _home(agg: UUID, created: Any) -> UUID:
    """The group an aggregate belongs to: its trial's, or its own."""
    if isinstance(created, Trial.Approved):
        return agg
    trial = getattr(created, "trial_id", None)
    return trial if isinstance(trial, UUID) else agg


def runner_for(
    app: Frispor,
    db: Database,
    view: View,
    table: str | None = None,
    batch_size: int = 500,
    cache_size: int | None = None,
) -> Runner:
    """The runner that keeps a read model (a cache of its own default size unless given)."""
    kind = FindingsRunner if view.name == VIEW.name else Runner
    if cache_size is None:
        return kind(app, db, view, table, batch_size)
    return kind(app, db, view, table, batch_size, cache_size)
