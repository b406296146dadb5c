"""Keeps the findings read model: per event, its own findings and its trial's again.

A trial's group (the trial and every aggregate in it) is recomputed from its events as they
come; its network and programme are read, not copied: their events are kept once, shared by
every group of theirs, so a network's enrolment count does not touch its hundreds of trials.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from frispor.domain.aggregate import Aggregate, Corrected, Event
from frispor.domain.application import Frispor
from frispor.domain.goal import Goal
from frispor.domain.mapper import decode_event
from frispor.domain.programme import Network, Programme
from frispor.domain.trial import Trial
from frispor.projections.audit.record import Record
from frispor.projections.audit.spans import event_spans, state_spans
from frispor.projections.findings import VIEW, Delta, key_of, version_of
from frispor.projections.findings_groups import Group, moved, touched
from frispor.projections.findings_tail import tail_of
from frispor.projections.history import logged_before
from frispor.projections.recorded import VIEW as RECORDED
from frispor.projections.recorded_runner import RecordedRunner
from frispor.projections.rows import Change, write_batch
from frispor.projections.runner import CORRECTED_TOPIC, Runner, Write, uuid_of
from frispor.projections.timeline import corrected
from frispor.projections.view import Version, View, iso_time
from frispor.store.db import Cursor, Database

MEASURED = get_topic(Goal.MeasurementRecorded)
PARENTS = tuple(f"{a.__module__}:{a.__qualname__}." for a in (Programme, Network))


class FindingsRunner(Runner):
    """A runner whose rows are findings, kept per group of aggregates."""

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
        self._home: dict[UUID, UUID] = {}  # aggregate → its group
        self._joined: list[tuple[str, str]] = []  # (aggregate, group) found in this batch
        self._sent: list[tuple[str, str]] = []  # those of the batch last handed to be written
        self._parent: dict[UUID, bool] = {}  # whether an aggregate is a programme or network
        self._shared: dict[UUID, Record] = {}  # a programme's or network's events
        self._latest: dict[UUID, Aggregate] = {}  # its state after them

    def _reset(self) -> None:
        super()._reset()
        for cache in (self._groups, self._home, self._parent, self._shared, self._latest):
            cache.clear()
        self._joined, self._sent = [], []

    def _concerns(self, n: Notification) -> bool:
        return True

    def _analyzed(self, table: str) -> list[str]:
        return [table, f"{table}_members"]

    def _prepared(self, changes: dict[UUID, list[Change]]) -> Write:
        # Until it commits (while the next batch is computed), its members are not in the
        # table: they are looked up here meanwhile.
        joined = self._sent = self._joined
        self._joined = []

        def write(cur: Cursor, table: str) -> None:
            if joined:
                cur.insert_rows(f"{table}_members", ("aggregate_id", "group_id"), joined)
            write_batch(cur, table, self.view, changes)

        return write

    def _unwritten(self) -> list[tuple[str, str]]:
        """The (aggregate, group) pairs the members table may not hold yet."""
        return [*self._sent, *self._joined]

    def _apply(self, n: Notification, changes: dict[UUID, list[Change]]) -> None:
        agg = uuid_of(n.originator_id)
        # A measurement's findings need none of its envelope (its day is its period's end):
        # left unread, as for the goals read model; any other event's day is its decision's.
        facts_only = n.topic == MEASURED
        event = decode_event(n.topic, agg, n.originator_version, n.state, facts_only=facts_only)
        recorded = iso_time(event.timestamp)
        if self._is_parent(agg, n.topic):
            record = self._parent_record(agg, n.id)
            record.events.setdefault(agg, []).append(event)
            record.positions[event.event_id] = n.id
            latest = self._latest.pop(agg, None)
            if latest is not None and not isinstance(event, Corrected):
                self._latest[agg] = moved(latest, event)
            if event.originator_version == 1:
                self._join(agg, agg)
            delta: Delta = {v.identity: v for v in _versions(event_spans(record, event))}
            changes.setdefault(agg, []).append((recorded, n.id, 2, delta))
            if isinstance(event, Corrected):  # its trials' grantors may be judged anew
                for trial in self._trials_of(agg):
                    group = self._group(trial, n.id + 1)
                    delta = self._state(group, group.subjects())
                    changes.setdefault(trial, []).append((recorded, n.id, 2, delta))
            return
        home = self._home_of(agg, event)
        # A trial's group starts with its approval: nothing before it to read back.
        group = self._group(home, n.id, fresh=home == agg and event.originator_version == 1)
        group.record.events.setdefault(agg, []).append(event)
        group.record.positions[event.event_id] = n.id
        group.changed(agg, event)
        if isinstance(event, Trial.Approved):
            group.parents = (event.network_id, event.programme_id)
            for parent in group.parents:
                self._join(parent, agg)
        delta = {v.identity: v for v in _versions(event_spans(group.record, event))}
        if group.parents:
            measured = self._measured(group, agg, event)
            if measured is None:
                measured = self._state(group, touched(group, agg))
                if isinstance(event, Goal.MeasurementRecorded):
                    self._tail(group, agg)
            delta |= measured
        changes.setdefault(home, []).append((recorded, n.id, 2, delta))

    def _measured(self, group: Group, goal: UUID, event: Event) -> Delta | None:
        """A goal's changed rows after a measurement, from its tail; None if it has none."""
        tail = group.tails.get(goal)
        if tail is None or not isinstance(event, Goal.MeasurementRecorded):
            return None
        record = group.record
        state = record.state(goal)
        if not isinstance(state, Goal) or len(state.measurements) != len(tail.ends) + 1:
            return None
        m = state.measurements[-1]
        if m.period is not event.period and m.period != event.period:  # moved: the same
            return None
        return tail.measured(m, record.position(record.events[goal][m.recorded_version - 1]))

    def _tail(self, group: Group, goal: UUID) -> None:
        """Give a goal, its rows just recomputed, a tail for its next measurements."""
        if goal in group.untailed or goal not in group.rows:
            return
        tail = tail_of(group.record, goal, group.rows[goal])
        if tail is None:
            group.untailed.add(goal)
        else:
            group.tails[goal] = tail

    def _state(self, group: Group, subjects: list[UUID]) -> Delta:
        """Recompute the state findings of some of a trial's aggregates; what changed."""
        record = group.record
        for parent in group.parents:
            record.events[parent] = self._parent_record(parent, None).events.get(parent, [])
            group.memo[parent] = {None: self._parent_state(parent)}
        delta: Delta = {}
        trial = next(iter(record.events))  # the group's id: the trial, first in
        for subject in subjects:
            old = group.rows_of(subject)
            new = {}
            for span in state_spans(record, trial, subject):
                key = key_of(span)
                new[key] = old.get(key) or version_of(span)
            group.rows[subject] = new
            if new.keys() != old.keys():
                was = {v.identity: v for v in old.values()}
                now = {v.identity: v for v in new.values()}
                delta |= {
                    i: now.get(i) for i in was.keys() | now.keys() if was.get(i) != now.get(i)
                }
        return delta

    def _is_parent(self, agg: UUID, topic: str) -> bool:
        if agg not in self._parent:
            if topic and topic != CORRECTED_TOPIC:  # an event's topic names its aggregate's kind
                self._parent[agg] = topic.startswith(PARENTS)
            else:
                first = self.app.recorder.select_events(agg, limit=1)
                self._parent[agg] = bool(first) and first[0].topic.startswith(PARENTS)
        return self._parent[agg]

    def _parent_record(self, agg: UUID, position: int | None) -> Record:
        """A programme's or network's events so far (read back before `position`)."""
        record = self._shared.get(agg)
        if record is None:
            record = self._shared[agg] = Record(None)
            for entry in logged_before(self.db, {agg}, position):
                record.events.setdefault(agg, []).append(entry.event)
                record.positions[entry.event.event_id] = entry.position
        return record

    def _parent_state(self, agg: UUID) -> Aggregate | None:
        if agg not in self._latest:
            events = self._parent_record(agg, None).events.get(agg)
            if not events:
                return None
            self._latest[agg] = Aggregate.replay(corrected(events))
        return self._latest[agg]

    def _home_of(self, agg: UUID, event: Event) -> UUID:
        """The group an aggregate belongs to; on its first event, it joins it."""
        if agg not in self._home:
            if event.originator_version == 1:
                self._join(agg, _home(agg, event))
            else:
                rows = self._read("SELECT group_id FROM {}_members WHERE aggregate_id = %s", agg)
                self._home[agg] = UUID(rows[0]) if rows else agg
        return self._home[agg]

    def _join(self, agg: UUID, group_id: UUID) -> None:
        if not self._is_parent(agg, ""):
            self._home[agg] = group_id
        self._joined.append((str(agg), str(group_id)))

    def _trials_of(self, parent: UUID) -> list[UUID]:
        rows = self._read("SELECT group_id FROM {}_members WHERE aggregate_id = %s", parent)
        unwritten = {UUID(g) for a, g in self._unwritten() if a == str(parent)}
        stored = {UUID(r) for r in rows} | unwritten
        return sorted(stored - {parent})

    def _read(self, sql: str, value: UUID) -> list[str]:
        with self.db.transaction() as cur:
            table = self._at[0] if self._at else ""
            return [str(r[0]) for r in cur.execute(sql.format(table), (str(value),))]

    def _group(self, group_id: UUID, position: int, fresh: bool = False) -> Group:
        """The group as followed so far, new, or read back from the log before `position`."""
        group = self._groups.get(group_id)
        if group is None:
            group = Group() if fresh else self._load(group_id, position)
            self._groups[group_id] = group
        self._groups.move_to_end(group_id)
        while len(self._groups) > self._cache_size:
            self._groups.popitem(last=False)
        return group

    def _load(self, group_id: UUID, position: int) -> Group:
        rows = self._read("SELECT aggregate_id FROM {}_members WHERE group_id = %s", group_id)
        unwritten = self._unwritten()
        members = {UUID(a) for a in rows} | {UUID(a) for a, g in unwritten if g == str(group_id)}
        members = {m for m in members if not self._is_parent(m, "")}
        group = Group()
        group.record.events[group_id] = []  # first: the group's id leads its record
        for entry in logged_before(self.db, members | {group_id}, position):
            group.record.events.setdefault(entry.event.originator_id, []).append(entry.event)
            group.record.positions[entry.event.event_id] = entry.position
        first = group.record.events[group_id]
        if first and isinstance(first[0], Trial.Approved):
            group.parents = (first[0].network_id, first[0].programme_id)
            self._state(group, group.subjects())
        return group


def _versions(spans: Any) -> list[Version]:
    return [version_of(s) for s in spans]


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
    kinds: dict[str, type[Runner]] = {VIEW.name: FindingsRunner, RECORDED.name: RecordedRunner}
    kind = kinds.get(view.name, Runner)
    if cache_size is None:
        return kind(app, db, view, table, batch_size)
    return kind(app, db, view, table, batch_size, cache_size)
