"""Keeps one read model current: batches of events, rows and tracking in one transaction."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from functools import partial
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from frispor.domain.aggregate import Corrected, Event
from frispor.domain.application import Frispor
from frispor.domain.mapper import decode_event
from frispor.projections.batching import (
    fewer_collections,
    frozen_between_batches,
    in_thread,
    quicker_switches,
)
from frispor.projections.catalog import active_table, position_of
from frispor.projections.rows import Change, write_batch
from frispor.projections.view import Tracked, View, iso_time
from frispor.store.db import Cursor, Database

CORRECTED_TOPIC = f"{Corrected.__module__}:{Corrected.__qualname__}"
# The last position a read covered, its events, and whether more lay beyond when it was read.
Fetched = tuple[int, Sequence[Notification], bool]
# A batch's rows written into a table, in the transaction given.
Write = Callable[[Cursor, str], None]
# Positions applied, at the least, between two ANALYZEs of a read model's table (PostgreSQL).
ANALYZE_AFTER = 20_000


class Runner:
    """Applies events to one view table; `table=None` follows whichever table is active."""

    def __init__(
        self,
        app: Frispor,
        db: Database,
        view: View,
        table: str | None = None,
        batch_size: int = 500,
        cache_size: int = 20_000,
    ) -> None:
        self.app, self.db, self.view = app, db, view
        self.fixed_table = table
        self.batch_size = batch_size
        self.window = batch_size * 20
        self.topics = view.topics()
        self.wanted = [*view.event_topics(), CORRECTED_TOPIC]
        self.fact_topics = frozenset(get_topic(cls) for cls in view.fact_events)
        self._tracked: OrderedDict[UUID, Tracked] = OrderedDict()
        self._cache_size = cache_size
        self._kinds: dict[UUID, bool] = {}
        self._at: tuple[str, int] | None = None  # the table and its position, as last seen
        self._ahead: tuple[int, int | None, Future[Fetched]] | None = None  # a read begun
        self._behind = False  # the last batch read stopped short of the head
        self._unanalyzed = 0  # positions applied since the table's statistics were taken
        self._overlap = False  # a batch's write may run while the next is computed
        self._writing: Future[bool] | None = None  # that write, in flight
        self._analyzing: Future[None] | None = None  # statistics being taken meanwhile

    def run_once(self, until: int | None = None) -> int:
        """Apply the next batch of events; return how many notifications it consumed."""
        try:
            with fewer_collections():
                done = self._run_once(until)
        except BaseException:
            self._reset()  # the cache ran ahead of a batch that was rolled back
            raise
        self._unanalyzed += done
        # Again each time a quarter more of the log is applied: a few times in a long catch-up.
        at = self._at
        if at and self.db.is_postgres and self._unanalyzed >= max(ANALYZE_AFTER, at[1] // 4):
            self._unanalyzed = 0
            if self._overlap:  # the server samples while the next batches are computed
                self._analyzed_now()
                self._analyzing = in_thread(partial(self._analyze, at[0]))
            else:
                self._analyze(at[0])
        return done

    def _analyzed_now(self) -> None:
        """Wait for the statistics being taken, if they are."""
        analyzing, self._analyzing = self._analyzing, None
        if analyzing is not None:
            analyzing.result()

    def _analyze(self, table: str) -> None:
        """Take the table's statistics now, as autovacuum would (some servers run it off).

        Without them the planner takes a freshly caught-up table for empty and scans it.
        """
        with self.db.transaction(durable=False) as cur:
            for name in self._analyzed(table):
                cur.execute(f"ANALYZE {name}")

    def _analyzed(self, table: str) -> list[str]:
        """The tables a catch-up fills."""
        return [table]

    def _run_once(self, until: int | None) -> int:
        # The events are read before the write transaction, not inside it: on SQLite that
        # transaction holds the database's only write lock, and the store's reads wait for pool
        # connections that writers hold while they wait for that lock.
        while True:
            if self._at is None:
                with self.db.transaction() as cur:
                    table = self.fixed_table or active_table(cur, self.view.name)
                    self._at = table, position_of(cur, table)
            # Where the last batch left the table: checked again under the lock below.
            table, start = self._at[0], self._at[1] + 1
            stop, batch, self._behind = self._fetched(start, until)
            if start > stop:
                if self._settle():  # nothing more: done once the last batch has committed
                    return 0
                self._reset()
                continue
            end = batch[-1].id if len(batch) == self.batch_size else stop
            # The next batch is read while this one is applied, when there is one: at the head
            # a thread and two round trips per batch would find little or nothing.
            if self.db.is_postgres and self._behind:
                following = partial(self._fetch, end + 1, until)
                self._ahead = end + 1, until, in_thread(following)
            changes: dict[UUID, list[Change]] = {}
            for n in batch:
                if self._concerns(n):
                    self._apply(n, changes)
            # The batch before this one may still be in flight: it commits first, in order.
            if not self._settle():
                self._reset()
                continue
            write = self._prepared(changes)
            # Catching up on PostgreSQL, the server writes this batch while the next is
            # computed (a thread of its own; psycopg lets go of the GIL while it waits). If
            # that write fails, the next batch learns it before its own, and the cache that ran
            # ahead is reset. At the head, batches are small: written at once.
            if self._overlap and self.db.is_postgres and self._behind and self._bound():
                self._writing = in_thread(partial(self._commit, table, start, end, write))
                self._at = table, end
                return end - start + 1
            if self._commit(table, start, end, write):
                self._at = table, end
                return end - start + 1
            self._reset()

    def _commit(self, table: str, start: int, end: int, write: Write) -> bool:
        """Write a batch and move the tracking row past it, in one transaction, if still ours."""
        # Not durable: the rows are a function of the durable log, so a batch whose commit
        # a server crash loses (with its tracking row) is applied again, to the same rows.
        # Not waiting for the disk is a tenth of a catch-up.
        with self.db.transaction(durable=False) as cur:
            # Another runner may have applied this batch meanwhile, or a rebuild switched
            # tables: then start again. The tracking row moves first, only from where this
            # batch starts; on PostgreSQL a second runner on the table waits on that row.
            serving = self.fixed_table or active_table(cur, self.view.name)
            if serving == table and cur.execute(
                "UPDATE projection_tracking SET position = %s "
                "WHERE table_name = %s AND position = %s RETURNING position",
                (end, table, start - 1),
            ):
                write(cur, table)
                return True
        return False

    def _settle(self) -> bool:
        """Wait for the batch in flight, if any: whether it committed (else the table moved)."""
        writing, self._writing = self._writing, None
        return writing is None or writing.result()

    def _bound(self) -> bool:
        """Whether this runner's write takes all it needs when prepared, and may run later."""
        # A subclass's `_write` may read what its `_apply` keeps, not the changes given: late,
        # it would find the next batch's. Such a runner writes at once unless it binds its
        # write in `_prepared`.
        kind = type(self)
        return kind._prepared is not Runner._prepared or kind._write is Runner._write

    def _prepared(self, changes: dict[UUID, list[Change]]) -> Write:
        """A batch's write, bound to what it needs now: it may run while the next is computed."""
        return lambda cur, table: self._write(cur, table, changes)

    def _write(self, cur: Cursor, table: str, changes: dict[UUID, list[Change]]) -> None:
        """Write a batch's row changes (in the transaction that moves the tracking row)."""
        write_batch(cur, table, self.view, changes)

    def _reset(self) -> None:
        """Forget what was followed and where the table stood: a batch did not commit."""
        writing, self._writing = self._writing, None
        if writing is not None:
            writing.exception()  # waited for, so that no write of the old cache lands later
        self._tracked.clear()
        self._at = self._ahead = None

    def _fetched(self, start: int, until: int | None) -> Fetched:
        """The batch from `start`: read ahead already, or read now."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[:2] == (start, until):
            fetched = ahead[2].result()
            if start <= fetched[0]:  # else it found nothing new then: look again now
                return fetched
        return self._fetch(start, until)

    def _fetch(self, start: int, until: int | None) -> Fetched:
        """The view's events from `start` on, and the last position the read covered."""
        # Writers take positions in commit order, so every position up to the head read
        # here is committed: a batch that comes back short has seen all it asked for.
        head = self.app.recorder.max_notification_id() or 0
        # A window of positions, not just a count of events: filtered by topic, a batch
        # would otherwise make the server scan (or sort) the whole rest of the log.
        last = head if until is None else min(head, until)
        stop = min(last, start + self.window - 1)
        if start > stop:
            return stop, [], False
        batch = self._select(start, stop)
        return stop, batch, stop < last or len(batch) == self.batch_size

    def _select(self, start: int, stop: int) -> Sequence[Notification]:
        """Up to a batch of the view's events between two positions, in the log's order."""
        # Only this view's events (and corrections) cross the wire and get decoded.
        return self.app.recorder.select_notifications(
            start=start, limit=self.batch_size, stop=stop, topics=self.wanted
        )

    def catch_up(
        self, until: int | None = None, progress: Callable[[int], None] | None = None
    ) -> None:
        """Run batches until the head (or `until`) is reached."""
        with self._overlapped(), frozen_between_batches() as freeze:
            while done := self.run_once(until):
                freeze()
                if progress:
                    progress(done)

    @contextmanager
    def _overlapped(self) -> Iterator[None]:
        """Let batches' writes overlap the next batch's computation; all landed at the end."""
        # Only in a catch-up: whoever calls `run_once` alone expects its batch committed.
        self._overlap = True
        try:
            with quicker_switches():
                yield
                if self._settle():
                    return
            self._reset()
        except BaseException:
            self._reset()  # waits for a write still in flight: the cache is dropped with it
            raise
        finally:
            self._overlap = False
            self._analyzed_now()

    def follow(self, stop: threading.Event, wake: Callable[[float], None] | None = None) -> None:
        """Catch up, then keep up until `stop` is set; `wake` waits for new events."""
        while not stop.is_set():
            done = self.run_once()
            # At the head, a notification says when there is more: reading again at once would
            # make one small batch per commit, a few round trips each for every read model.
            if done == 0 or (wake is not None and not self._behind):
                (wake or stop.wait)(0.2)

    def _concerns(self, n: Notification) -> bool:
        if n.topic.startswith(self.topics):
            return True
        if n.topic != CORRECTED_TOPIC:
            return False
        # A correction belongs to whatever aggregate it corrects: ours, if its first event is.
        agg = uuid_of(n.originator_id)
        if agg in self._tracked:
            return True
        if agg not in self._kinds:
            first = self.app.recorder.select_events(agg, limit=1)
            self._kinds[agg] = bool(first) and first[0].topic.startswith(self.topics)
        return self._kinds[agg]

    def _follow(self, agg: UUID, before_version: int) -> Tracked:
        """The aggregate as followed so far, from the cache or read back from the store."""
        tracked = self._tracked.get(agg)
        if before_version != 1 and tracked is not None and tracked.version == before_version - 1:
            self._tracked.move_to_end(agg)  # followed so far: the usual case
            return tracked
        if before_version == 1:
            tracked = Tracked()  # a new aggregate: nothing to read back
        else:
            stored = self.app.recorder.select_events(agg, lte=before_version - 1)
            log = [(s.topic, s.originator_version, s.state) for s in stored]
            tracked = self.view.rebuild(_decode_log(agg, log)) if log else Tracked()
            tracked.log = log
        self._tracked[agg] = tracked
        self._tracked.move_to_end(agg)
        while len(self._tracked) > self._cache_size:
            self._tracked.popitem(last=False)
        return tracked

    def _apply(self, n: Notification, changes: dict[UUID, list[Change]]) -> None:
        agg = uuid_of(n.originator_id)
        # A fact event's row needs none of its envelope: left unread (a replay reads it whole).
        facts_only = n.topic in self.fact_topics
        event = decode_event(n.topic, agg, n.originator_version, n.state, facts_only=facts_only)
        followed = self._follow(agg, n.originator_version)
        log = followed.log
        log.append((n.topic, n.originator_version, n.state))
        if not followed.version:
            tracked = self.view.rebuild([event])
            tracked.delta = dict(tracked.rows)
        else:
            tracked = self.view.advance(followed, event, lambda: _decode_log(agg, log))
        if tracked is not followed:  # rebuilt: it takes the place of what was followed
            tracked.log = log
            self._tracked[agg] = tracked
        recorded = iso_time(event.timestamp)
        changes.setdefault(agg, []).append((recorded, n.id, n.originator_version, tracked.delta))


def _decode_log(agg: UUID, log: list[tuple[str, int, bytes]]) -> list[Event]:
    return [decode_event(topic, agg, version, state) for topic, version, state in log]


def uuid_of(value: object) -> UUID:
    """An originator id as a UUID, parsed only if it is not one already."""
    return value if isinstance(value, UUID) else UUID(str(value))
