"""The use cases over a working set: each aggregate loaded once, decisions kept until staged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from frispor.domain.aggregate import Aggregate, Event
from frispor.domain.application import Frispor
from frispor.domain.core import Written
from frispor.domain.errors import NotFoundError

A = TypeVar("A", bound=Aggregate)
# Events held in the working set between chunks at most (each aggregate keeps its own for
# corrections): beyond it, the set is forgotten and loaded again as needed, so memory stays flat
# in the file's size.
WORKING_SET = 5_000


class Staged(Frispor):
    """The same use cases and rules as the API; what they decide waits here to be written.

    An import checks thousands of decisions before one transaction appends them, so loading
    goes through a working set (a later line sees what earlier lines decided) and saving only
    collects the events.
    """

    working: dict[UUID, Aggregate]
    decided: list[Event]
    staged_ids: set[UUID]  # aggregates with events staged in the import's transaction
    staged_events: Callable[[UUID], list[StoredEvent]]

    @classmethod
    def over(cls, app: Frispor, staged_events: Callable[[UUID], list[StoredEvent]]) -> Staged:
        """Stage over an open application: its store, mapper and clock, nothing reopened."""
        staged = cls.__new__(cls)
        staged.__dict__.update(app.__dict__)
        staged.working, staged.decided, staged.staged_ids = {}, [], set()
        staged.staged_events = staged_events
        return staged

    def get(self, kind: type[A], aggregate_id: UUID, expected_version: int | None = None) -> A:
        """The aggregate as this import left it, or as stored."""
        agg = self.working.get(aggregate_id)
        if agg is None:
            agg = self._load(aggregate_id)
            self.working[aggregate_id] = agg
        if not isinstance(agg, kind):
            raise NotFoundError(
                f"no {kind.__name__.lower()} with id {aggregate_id}",
                field="id",
                value=str(aggregate_id),
            )
        return agg

    def _load(self, aggregate_id: UUID) -> Aggregate:
        """As stored, then with what this import staged for it (not yet committed)."""
        if aggregate_id not in self.staged_ids:
            return super().get(Aggregate, aggregate_id)
        agg: Aggregate | None = None
        if self.recorder.select_events(aggregate_id, limit=1):
            agg = super().get(Aggregate, aggregate_id)
        for stored in self.staged_events(aggregate_id):
            event = self.mapper.to_domain_event(stored)
            assert isinstance(event, Event)
            agg = event.mutate(agg)
        assert agg is not None
        return agg

    def evict(self) -> None:
        """Forget the working set once it is large (what is staged can be loaded again)."""
        if sum(a.version for a in self.working.values()) > WORKING_SET:
            self.working = {i: a for i, a in self.working.items() if a.pending_events}

    def _write(self, main: Aggregate, *others: Aggregate) -> Written:
        count = 0
        for agg in (main, *others):
            self.working[agg.id] = agg
            events = agg.collect_events()
            self.decided += events
            count += len(events)
        return Written(id=main.id, version=main.version, position=0, events=count)

    def take(self) -> list[Event]:
        """Hand over the events decided since the last take."""
        events, self.decided = self.decided, []
        return events

    def discard(self) -> None:
        """Forget what a refused line left pending on any aggregate."""
        for agg in self.working.values():
            agg.collect_events()

    def close(self) -> None:
        """Leave the store open: it is the application's, shared, not this copy's."""

    def __del__(self) -> None:
        """Nothing to close (the library's application closes its store when collected)."""

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """Never: an import appends through its own transaction."""
        raise AssertionError("a staged application does not save")
