"""A read model's table: rows derived from one aggregate's state, kept bitemporally.

Every row carries valid time (valid_from..valid_to, days, inclusive) and recorded time
(recorded_from..recorded_to, when the record said so). A change never overwrites a row: the old
version is closed at the recorded time of the event that changed it and a new one is inserted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

import orjson
from eventsourcing.utils import get_topic

from frispor.domain.aggregate import Aggregate, Corrected, Event
from frispor.projections.timeline import corrected, segments

END_DAY = "9999-12-31"
END_TIME = "9999-12-31T23:59:59.999999+00:00"

# A status row of one state: (row key, typed column values, JSON data).
StatusRow = tuple[str, tuple[Any, ...], dict[str, Any]]
# A fact row with its own valid period: (row key, valid from, valid to, columns, data).
FactRow = tuple[str, date, date, tuple[Any, ...], dict[str, Any]]


@lru_cache(maxsize=1024)  # the events one command records share its moment
def iso_time(moment: datetime) -> str:
    """The one text form of a recorded time in the views (UTC, microseconds)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class Version(NamedTuple):
    """One row version as computed: identity (key, valid_from) and its content.

    A named tuple: made for every row an event adds, it is built in a third of a frozen
    dataclass's time, and the collector stops tracking one that holds only strings (and None).
    """

    key: str
    valid_from: str
    valid_to: str
    columns: tuple[Any, ...]
    data: str

    @property
    def identity(self) -> tuple[str, str]:
        """Which row this is a version of."""
        return self.key, self.valid_from

    @property
    def content(self) -> tuple[Any, ...]:
        """What a later version must differ in to replace this one."""
        return self.valid_to, self.columns, self.data


@dataclass(slots=True)
class Tracked:
    """One aggregate as a view follows it: how far, its live state and rows so far.

    Not its events decoded: kept for every aggregate followed, they would be most of the cache,
    and the garbage collector's full passes over them most of a catch-up's CPU.
    """

    version: int = 0  # of the last event followed
    # Its stored events (topic, version, JSON), for a replay: undecoded, they cost the garbage
    # collector nothing (tuples of strings and bytes are not tracked).
    log: list[tuple[str, int, bytes]] = field(default_factory=list)
    state: Aggregate | None = None
    last_day: date | None = None
    rows: dict[tuple[str, str], Version] = field(default_factory=dict)
    open: dict[str, Version] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # open rows' data, unencoded
    # What the last event changed: identity → its new version, or None where it went away.
    delta: dict[tuple[str, str], Version | None] = field(default_factory=dict)


@dataclass(frozen=True)
class View:
    """A read model: which aggregates feed it, its typed columns, and how state becomes rows."""

    name: str
    aggregates: tuple[type[Aggregate], ...]
    columns: tuple[tuple[str, str], ...]
    status_rows: Callable[[Any], list[StatusRow]]
    fact_rows: Callable[[Any], list[FactRow]] | None = None
    # Columns indexed beside trial_id, which is indexed wherever a view has it: every read is
    # scoped to the trials its caller may read.
    indexes: tuple[str, ...] = field(default=())
    # Events that only add facts (a measurement): `new_facts` makes their rows from the event
    # itself, keyed by its own version, they change no status row, and the view's copy of a
    # state never sees them. A view with them gets its facts from them alone, in a replay too;
    # one without gets them from `fact_rows` of the state after every event.
    fact_events: tuple[type[Event], ...] = ()
    new_facts: Callable[[Any, Event], list[FactRow]] | None = None
    # The (recorded_to, valid_from) index serves queries over all of a table's rows as of a day;
    # a view queried only by aggregate or by an indexed column does without its upkeep.
    time_index: bool = True
    # The orders its lists are paged in (column lists): an index each, so a page is a range.
    orders: tuple[str, ...] = ()
    # Columns kept for queries only (a search key, say): written and indexed, never shown.
    hidden: tuple[str, ...] = ()

    @property
    def shown(self) -> list[str]:
        """The typed columns a row shows (all but the hidden ones)."""
        return [name for name, _ in self.columns if name not in self.hidden]

    @property
    def indexed(self) -> tuple[str, ...]:
        """The columns with an index of their own: trial_id where it is one, then `indexes`."""
        by_trial = ("trial_id",) if any(name == "trial_id" for name, _ in self.columns) else ()
        return (*by_trial, *self.indexes)

    def topics(self) -> tuple[str, ...]:
        """Topic prefixes of the events of its aggregates."""
        return tuple(f"{a.__module__}:{a.__qualname__}." for a in self.aggregates)

    def event_topics(self) -> list[str]:
        """The topic of every event class of its aggregates (each under a prefix above)."""
        return [
            get_topic(value)
            for aggregate in self.aggregates
            for value in (getattr(aggregate, name) for name in dir(aggregate))
            if isinstance(value, type) and issubclass(value, Event)
        ]

    def table_ddl(self, table: str) -> str:
        """The statement that creates its table: every read model's columns, then its own."""
        typed = "".join(f", {name} {sqltype}" for name, sqltype in self.columns)
        return (
            f"CREATE TABLE IF NOT EXISTS {table} ("
            "aggregate_id TEXT NOT NULL, row_key TEXT NOT NULL, "
            "valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, "
            "recorded_from TEXT NOT NULL, recorded_to TEXT NOT NULL, "
            "position BIGINT NOT NULL, closed_position BIGINT"
            f"{typed}, data TEXT NOT NULL)"
        )

    def ddl(self, table: str) -> list[str]:
        """The statements that create its table and indexes."""
        statements = [
            self.table_ddl(table),
            f"CREATE INDEX IF NOT EXISTS {table}_current ON {table} (aggregate_id, recorded_to)",
        ]
        if self.time_index:
            statements.append(
                f"CREATE INDEX IF NOT EXISTS {table}_time ON {table} (recorded_to, valid_from)"
            )
        statements += [
            f"CREATE INDEX IF NOT EXISTS {table}_{col} ON {table} ({col}, recorded_to)"
            for col in self.indexed
        ]
        statements += [
            f"CREATE INDEX IF NOT EXISTS {table}_order{i} ON {table} ({columns})"
            for i, columns in enumerate(self.orders, 1)
        ]
        return statements

    def rebuild(self, events: list[Event]) -> Tracked:
        """Derive all rows of an aggregate from its events, in one pass over valid time."""
        tracked = Tracked(version=events[-1].originator_version if events else 0)
        facts: list[Event] = []
        if self.new_facts is not None:
            # Facts change no status row: the valid-time pass goes without them, and each
            # fact's row comes from its own event, keyed by its own version (a replay
            # renumbers the versions it applies, so one recorded late would shift the keys
            # of every fact after it, and each such fact would copy the whole series).
            story = corrected(events)
            facts = [e for e in story if isinstance(e, self.fact_events)]
            events = [e for e in story if not isinstance(e, self.fact_events)]
        for day, state in segments(events):
            self._step(tracked, day, state)
            tracked.state, tracked.last_day = state, day
        _forget_log(tracked.state)
        if tracked.state is not None and self.new_facts is not None:
            for event in facts:
                for row in self.new_facts(tracked.state, event):
                    self._fact(tracked, row)
        elif tracked.state is not None and self.fact_rows is not None:
            for row in self.fact_rows(tracked.state):
                self._fact(tracked, row)
        return tracked

    def advance(
        self, tracked: Tracked, event: Event, history: Callable[[], list[Event]]
    ) -> Tracked:
        """Add one event: on the live state when it can, else by a replay of `history()`.

        The live state is every event so far applied in the order they take effect; an event
        that takes effect no earlier than all of them (the usual case) simply comes last.
        A correction, or a decision taking effect before earlier ones, needs the replay of
        the aggregate's events up to and with this one, which `history` reads back.
        """
        state, last_day = tracked.state, tracked.last_day
        fact = self.new_facts is not None and isinstance(event, self.fact_events)
        if (
            state is None
            or last_day is None
            or isinstance(event, Corrected)
            or (event.effective_on < last_day and not fact)
        ):
            fresh = self.rebuild(history())
            old, new = tracked.rows, fresh.rows
            fresh.delta = {
                i: new.get(i) for i in old.keys() | new.keys() if old.get(i) != new.get(i)
            }
            return fresh
        tracked.delta, tracked.version = {}, event.originator_version
        if fact and self.new_facts is not None:
            # Its own row, whenever it takes effect; the state (which counts only the events
            # that change it, as a replay does) and its last day stay as they are.
            for row in self.new_facts(state, event):
                self._fact(tracked, row)
            return tracked
        if event.originator_version != state.version + 1:  # after facts or a correction
            event = event.model_copy(update={"originator_version": state.version + 1})
        tracked.last_day = event.effective_on
        event.mutate(state)
        _forget_log(state)
        self._step(tracked, event.effective_on, state)
        if self.fact_rows is not None and not self.fact_events:
            for row in self.fact_rows(state):
                self._fact(tracked, row)
        return tracked

    def _step(self, tracked: Tracked, day: date, state: Aggregate) -> None:
        """The state from `day` on: close rows that change, open their new versions."""
        seen = set()
        for key, columns, data in self.status_rows(state):
            seen.add(key)
            prev = tracked.open.get(key)
            # Most events leave a status row as it was: compare before encoding any JSON.
            if prev is not None and prev.columns == columns and tracked.sources[key] == data:
                continue  # unchanged: the open row carries on
            body = _json(data)
            if prev is not None and prev.columns == columns and prev.data == body:
                continue
            if prev is not None:
                self._end(tracked, prev, day)
            row = Version(key, day.isoformat(), END_DAY, columns, body)
            tracked.open[key] = tracked.rows[row.identity] = tracked.delta[row.identity] = row
            tracked.sources[key] = data
        for key in [k for k in tracked.open if k not in seen]:
            self._end(tracked, tracked.open.pop(key), day)
            del tracked.sources[key]

    def _end(self, tracked: Tracked, row: Version, day: date) -> None:
        """An open row stops the day before `day` (or goes, if it began that day)."""
        del tracked.rows[row.identity]
        tracked.delta[row.identity] = None
        if row.valid_from < day.isoformat():
            closed = _until(row, day)
            tracked.rows[closed.identity] = tracked.delta[closed.identity] = closed

    def _fact(self, tracked: Tracked, fact: FactRow) -> None:
        key, start, end, columns, data = fact
        valid_from = start.isoformat()
        row = Version(key, valid_from, end.isoformat(), columns, _json(data))
        tracked.rows[key, valid_from] = tracked.delta[key, valid_from] = row


def _forget_log(state: Aggregate | None) -> None:
    """Drop the events a view's copy of an aggregate logs as they apply.

    That log serves the aggregate's own corrections; a view never corrects its copy (it replays
    the corrected events instead), and kept it would hold every event in the cache.
    """
    if state is not None:
        state.forget_log()


def _until(row: Version, next_day: date) -> Version:
    last = (next_day - timedelta(days=1)).isoformat()
    return Version(row.key, row.valid_from, last, row.columns, row.data)


def _json(data: dict[str, Any]) -> str:
    """Sorted, compact JSON; anything not JSON by nature (dates, decimals) as its str()."""
    try:
        # orjson writes what the standard library would for these types, five times faster.
        return orjson.dumps(data, default=str, option=_ORJSON).decode()
    except orjson.JSONEncodeError:  # an integer beyond 64 bits, say
        return json.dumps(
            data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
        )


# Dates and times go to default=str as in the standard library, not orjson's own format.
_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
