"""The Application's core: the store, loading and saving, errors in domain terms."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
)
from eventsourcing.persistence import IntegrityError, Recording
from eventsourcing.utils import Environment

from frispor.domain.aggregate import Aggregate, Clock, Context, Envelope, Event
from frispor.domain.competence import require
from frispor.domain.errors import (
    ConcurrencyError,
    NotFoundError,
    StoreRefusedError,
    WriteConflictError,
)
from frispor.domain.programme import Network, Programme, responsible_ministries
from frispor.domain.trial import Trial
from frispor.domain.values import municipality_organisation

A = TypeVar("A", bound=Aggregate)
C = TypeVar("C", bound="Core")
P = ParamSpec("P")

# A decision that lost a race for a version (two requests filing under one trial, two
# enrolments counted on one network) is decided again from the new state, a few times, after a
# short random pause so that the losers do not collide again in step.
ATTEMPTS = 12
PAUSE_SECONDS = 0.002
MAX_PAUSE_SECONDS = 0.05


@dataclass(frozen=True)
class Written:
    """What a command wrote: the aggregate's id and version, and the event's global position."""

    id: UUID
    version: int
    position: int
    events: int = 1


def utc_now() -> datetime:
    """The real clock: the recorded time of every event the API writes."""
    return datetime.now(UTC)


def use_case(method: Callable[Concatenate[C, P], Written]) -> Callable[Concatenate[C, P], Written]:
    """Run a use case (load → decide → save) again when a concurrent decision won the race."""

    @functools.wraps(method)
    def run(self: C, /, *args: P.args, **kwargs: P.kwargs) -> Written:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return method(self, *args, **kwargs)
            except WriteConflictError as conflict:
                if attempt == ATTEMPTS:
                    raise ConcurrencyError(
                        f"{conflict.message}, {ATTEMPTS} times in a row; nothing was recorded; "
                        "try again",
                        field=conflict.field,
                        value=conflict.value,
                    ) from None
                self.on_retry()
                pause = min(MAX_PAUSE_SECONDS, PAUSE_SECONDS * 2**attempt)
                time.sleep(random.uniform(0, pause))  # jitter, not a secret
        raise AssertionError("unreachable")  # pragma: no cover

    return run


class Core(Application[UUID]):
    """The store and the plumbing every use case shares: load, save, translate errors."""

    def __init__(self, env: Mapping[str, str], clock: Clock = utc_now) -> None:
        self.clock = clock
        self.on_retry: Callable[[], None] = _nothing
        super().__init__(dict(env))

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        """Use only the environment given (derived from Settings), never os.environ."""
        return Environment(name, dict(env or {}))

    # --- plumbing -------------------------------------------------------------------------

    def _ctx(self, envelope: Envelope, new_id: UUID | None = None) -> Context:
        return Context(envelope=envelope, recorded_at=self.clock(), new_id=new_id)

    def get(self, kind: type[A], aggregate_id: UUID, expected_version: int | None = None) -> A:
        """Load an aggregate of the given kind, or raise NotFoundError/ConcurrencyError."""
        agg: object
        try:
            agg = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            agg = None
        if not isinstance(agg, kind):
            raise NotFoundError(
                f"no {kind.__name__.lower()} with id {aggregate_id}",
                field="id",
                value=str(aggregate_id),
            )
        self.expect(agg, expected_version)
        return agg

    def get_optional(self, kind: type[A], aggregate_id: UUID | None) -> A | None:
        """Load an aggregate a command names optionally (an exemption's institution, …)."""
        return None if aggregate_id is None else self.get(kind, aggregate_id)

    def allow(
        self,
        envelope: Envelope,
        competent: Iterable[str],
        doing: str,
        agg: Aggregate,
        expected_version: int | None,
    ) -> None:
        """Refuse anyone but the competent, then a stale version: who may decide comes first."""
        require(envelope.actor.organisation, competent, doing)
        self.expect(agg, expected_version)

    @staticmethod
    def expect(agg: Aggregate, expected_version: int | None) -> None:
        """Raise ConcurrencyError unless the aggregate is at the version the caller expects."""
        if expected_version is not None and agg.version != expected_version:
            raise ConcurrencyError(
                f"{type(agg).__name__.lower()} {agg.id} is at version {agg.version}, "
                f"not the expected {expected_version}",
                field="If-Match",
                value=expected_version,
            )

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Put the aggregates' pending events in the store, in one atomic write."""
        if not all(isinstance(obj, Aggregate) for obj in objs):
            return super().save(*objs, **kwargs)
        # The library's save does the same, but first asks each object whether it matches two
        # runtime-checkable protocols: ~10 µs per aggregate on Python 3.11, for a known answer.
        processing: ProcessingEvent[UUID] = ProcessingEvent()
        for agg in objs:
            processing.events.extend(agg.collect_events())
            processing.aggregates[agg.id] = agg
        processing.saved_kwargs.update(kwargs)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        return recordings

    def _write(self, main: Aggregate, *others: Aggregate) -> Written:
        aggregates = {agg.id: agg for agg in (main, *others)}
        pending = [e for agg in aggregates.values() for e in agg.pending_events]
        try:
            recordings = self.save(main, *others)
        except IntegrityError:
            taken = next((e for e in pending if self._taken(e)), None)
            if taken is not None:
                # Name the aggregate whose version was taken: a new one does not exist yet.
                clash = aggregates[taken.originator_id]
                raise WriteConflictError(
                    f"another decision on {type(clash).__name__.lower()} {clash.id} was "
                    "recorded first",
                    field="version",
                    value=str(clash.id),
                ) from None
            # No version clash: a constraint of the database refused the events.
            raise StoreRefusedError(
                "the event store refused the decision (a constraint of the database); "
                "nothing was recorded"
            ) from None
        position = max((r.notification.id for r in recordings), default=0)
        return Written(id=main.id, version=main.version, position=position, events=len(recordings))

    def _taken(self, event: Event) -> bool:
        """Whether an event is stored already at `event`'s aggregate and version."""
        version = event.originator_version
        return bool(self.recorder.select_events(event.originator_id, gt=version - 1, lte=version))

    def trial_for_council(
        self,
        envelope: Envelope,
        trial_id: UUID,
        municipality: str,
        doing: str,
        expected_version: int | None,
    ) -> tuple[Trial, Programme, Network]:
        """A trial, for its ministries or the council of the municipality the decision is for."""
        trial = self.get(Trial, trial_id)
        programme = self.get(Programme, trial.programme_id)
        network = self.get(Network, trial.network_id)
        council = municipality_organisation(municipality)
        competent = responsible_ministries(programme, network) | {council}
        self.allow(envelope, competent, doing, trial, expected_version)
        return trial, programme, network

    def trial_ministries(self, trial: Trial) -> set[str]:
        """The ministries responsible for a trial (those of its network and programme)."""
        network = self.get(Network, trial.network_id)
        return responsible_ministries(self.get(Programme, network.programme_id), network)

    def history(self, aggregate_id: UUID) -> list[Event]:
        """Every event of one aggregate, oldest first."""
        events = [e for e in self.events.get(aggregate_id) if isinstance(e, Event)]
        if not events:
            raise NotFoundError(f"no aggregate with id {aggregate_id}", field="id")
        return events


def _nothing() -> None:
    """The default retry hook: count nothing."""
