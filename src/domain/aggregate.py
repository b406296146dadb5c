"""The base of every aggregate and event: pydantic events, the envelope, corrections."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, ClassVar, Literal, Self
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from frispor.domain.cpr import refuse_cpr
from frispor.domain.errors import (
    InvalidCorrectionError,
    MissingJustificationError,
    MissingLegalBasisError,
)
from frispor.domain.stored import forget_stored_json, stored_json
from frispor.domain.values import Actor, LegalReference, Period


class Envelope(BaseModel):
    """What every event carries beside its facts: who, on what basis, why, and when in force."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: Actor
    legal_basis: tuple[LegalReference, ...] = ()
    justification: str = Field(default="", max_length=10_000)
    case_number: str | None = Field(default=None, max_length=100)
    decided_on: date
    correlation_id: UUID = Field(default_factory=uuid4)
    causation_id: UUID | None = None


@dataclass(frozen=True)
class Context:
    """A command's envelope and the moment the system records it (the recorded time)."""

    envelope: Envelope
    recorded_at: datetime
    new_id: UUID | None = None  # a caller-chosen id for a new aggregate (seed data, imports)


class Event(BaseModel):
    """An immutable fact about one aggregate; `timestamp` is the recorded time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Facts that happened (a measurement, an inspection) need no legal basis; decisions do.
    is_decision: ClassVar[bool] = True
    bookkeeping: ClassVar[bool] = False  # written alongside a decision to guard an invariant
    class_version: ClassVar[int] = 1
    # Valid time: the field saying when what the event records is in force, a day (it holds
    # from then) or a Period (it holds for those days); without one, from the day decided.
    valid_time: ClassVar[str | None] = None
    # When the change takes effect: on the day decided, on that first valid day, or the day
    # after it (an end: what ends is in force through its last day).
    takes_effect: ClassVar[Literal["decided", "valid", "after"]] = "decided"

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    event_id: UUID = Field(default_factory=uuid4)
    envelope: Envelope

    def apply(self, aggregate: Any) -> None:
        """Change the aggregate's state; nothing else."""

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; one that changes a stored field serialises afresh."""
        copy = super().model_copy(update=update, deep=deep)
        forget_stored_json(copy, dict(update) if update else None)
        return copy

    def mutate(self, aggregate: Aggregate | None) -> Aggregate | None:
        """Apply this event as the next one in the aggregate's sequence."""
        assert aggregate is not None
        aggregate.take(self)
        return aggregate

    @property
    def effective_on(self) -> date:
        """Valid time: the day from which the change this event records holds."""
        if self.takes_effect == "decided":
            return self.envelope.decided_on
        day = self.valid_from
        return day + timedelta(days=1) if self.takes_effect == "after" else day

    @property
    def valid_from(self) -> date:
        """Valid time: from when what it decides is in force (a grant's validity, …)."""
        held = self._valid_time()
        if held is None:
            return self.envelope.decided_on
        return held.start if isinstance(held, Period) else held

    @property
    def valid_to(self) -> date | None:
        """Valid time: when it stops being in force, where it says."""
        held = self._valid_time()
        return held.end if isinstance(held, Period) else None

    def _valid_time(self) -> date | Period | None:
        if self.valid_time is None:
            return None
        held: date | Period | None = getattr(self, self.valid_time)
        return held


class Created(Event):
    """The first event of an aggregate; constructs it."""

    aggregate_type: ClassVar[type[Aggregate]]

    def apply(self, aggregate: Any) -> None:
        """Give the new aggregate this event's facts as its state, name for name."""
        for name in _facts(type(self)):
            setattr(aggregate, name, getattr(self, name))

    def mutate(self, aggregate: Aggregate | None) -> Aggregate | None:
        """Construct the aggregate from this event."""
        assert aggregate is None
        agg = self.aggregate_type.__new__(self.aggregate_type)
        Aggregate.__init__(agg, self.originator_id, self.timestamp)
        return super().mutate(agg)


class Corrected(Event):
    """A later event that corrects one field of an earlier event of the same aggregate."""

    corrected_event_id: UUID
    corrected_version: int
    field: str
    old_value: Any
    new_value: Any
    reason: str = Field(min_length=1, max_length=10_000)

    def apply(self, aggregate: Aggregate) -> None:
        """Rebuild the aggregate's state from its events with the correction in place."""
        aggregate.refold(self)


class Aggregate:
    """Base of the aggregates: id, version, pending events, and its own event log."""

    def __init__(self, id: UUID, created_on: datetime) -> None:  # noqa: A002
        self._id = id
        self._version = 0
        self._created_on = created_on
        self._modified_on = created_on
        self._pending: list[Event] = []
        self._log: list[Event] = []
        self._corrections: dict[int, dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for value in vars(cls).values():
            if isinstance(value, type) and issubclass(value, Created):
                value.aggregate_type = cls

    @property
    def id(self) -> UUID:
        """The aggregate's id."""
        return self._id

    @property
    def version(self) -> int:
        """The version of its latest event."""
        return self._version

    @property
    def created_on(self) -> datetime:
        """When its first event was recorded."""
        return self._created_on

    @property
    def modified_on(self) -> datetime:
        """When its latest event was recorded."""
        return self._modified_on

    @property
    def pending_events(self) -> list[Event]:
        """The events not yet saved (a copy)."""
        return list(self._pending)

    def forget_log(self) -> None:
        """Drop the applied events kept for corrections: a read-only copy never corrects."""
        self._log.clear()

    def take(self, event: Event) -> None:
        """Take an event's place in the sequence and apply it, logged for later corrections."""
        self._step(event)
        event.apply(self)
        self._log.append(event)

    def pass_over(self, event: Event) -> None:
        """Take an event's place in the sequence without applying it.

        For a read-only copy that keeps nothing of what the event changes (a read model makes
        a measurement's row from the event itself).
        """
        self._step(event)

    def _step(self, event: Event) -> None:
        assert event.originator_id == self._id
        assert event.originator_version == self._version + 1
        self._version = event.originator_version
        self._modified_on = event.timestamp

    def collect_events(self) -> list[Event]:
        """Hand over the events not yet saved."""
        events, self._pending = self._pending, []
        return events

    @classmethod
    def _start(cls, event_type: type[Created], ctx: Context, **facts: Any) -> Self:
        event = _new_event(event_type, ctx.new_id or uuid4(), 1, ctx, facts)
        agg = event.mutate(None)
        assert isinstance(agg, cls)
        agg._pending.append(event)
        return agg

    def _trigger(self, event_type: type[Event], ctx: Context, **facts: Any) -> None:
        event = _new_event(event_type, self.id, self.version + 1, ctx, facts)
        event.mutate(self)
        self._pending.append(event)

    def recorded_by(self, event_id: UUID) -> str | None:
        """The organisation that recorded one of this aggregate's events (None if not its own)."""
        event = next((e for e in self._log if e.event_id == event_id), None)
        return None if event is None else event.envelope.actor.organisation

    def correct(
        self, ctx: Context, event_id: UUID, field: str, new_value: Any, reason: str
    ) -> None:
        """Correct one field of an earlier event; the old value stays in the record."""
        target = next((e for e in self._log if e.event_id == event_id), None)
        if target is None:
            raise InvalidCorrectionError(
                f"event {event_id} is not an event of aggregate {self.id}", field="event_id"
            )
        if isinstance(target, Corrected) or field in Event.model_fields:
            raise InvalidCorrectionError(
                f"'{field}' of {type(target).__name__} cannot be corrected; "
                "record a new decision instead",
                field="field",
            )
        if field not in type(target).model_fields:
            raise InvalidCorrectionError(
                f"{type(target).__name__} has no field '{field}'", field="field"
            )
        current = self._effective(target)
        try:
            corrected = type(target).model_validate({**current.model_dump(), field: new_value})
        except ValidationError as e:
            raise InvalidCorrectionError(
                f"new value for '{field}' is not valid: {e.errors()[0]['msg']}",
                field="new_value",
            ) from None
        old = current.model_dump(mode="json")[field]
        new = corrected.model_dump(mode="json")[field]
        if old == new:
            raise InvalidCorrectionError(f"'{field}' already has that value", field="new_value")
        self._trigger(
            Corrected,
            ctx,
            corrected_event_id=event_id,
            corrected_version=target.originator_version,
            field=field,
            old_value=old,
            new_value=new,
            reason=reason,
        )

    def _effective(self, event: Event) -> Event:
        """The event as it now reads, with every correction applied to it."""
        updates = self._corrections.get(event.originator_version)
        if not updates:
            return event
        return type(event).model_validate({**event.model_dump(), **updates})

    def refold(self, correction: Corrected) -> None:
        """Fold its events afresh with this correction in place; sequence and log stay."""
        self._corrections.setdefault(correction.corrected_version, {})[correction.field] = (
            correction.new_value
        )
        log = [e for e in self._log if not isinstance(e, Corrected)]
        fresh = self.replay([self._effective(e) for e in log])
        keep = {"_log", "_corrections", "_pending", "_version", "_modified_on"}
        for name, value in vars(fresh).items():
            if name not in keep:
                setattr(self, name, value)

    @staticmethod
    def replay(events: list[Event]) -> Aggregate:
        """A fresh aggregate folded from these events, their versions numbered from 1."""
        agg: Aggregate | None = None
        for i, event in enumerate(events, start=1):
            # Versions are renumbered because corrections are left out of the replay; a copy
            # costs more than applying, so only a renumbered event is copied.
            if event.originator_version != i:
                event = event.model_copy(update={"originator_version": i})
            agg = event.mutate(agg)
        assert agg is not None
        return agg


Clock = Callable[[], datetime]


@cache
def _facts(event_type: type[Event]) -> tuple[str, ...]:
    """The fields an event type declares beyond what every event carries."""
    return tuple(name for name in event_type.model_fields if name not in Event.model_fields)


def _new_event(
    event_type: type[Event], originator_id: UUID, version: int, ctx: Context, facts: dict[str, Any]
) -> Event:
    envelope = ctx.envelope
    if event_type.is_decision:
        if not envelope.legal_basis:
            raise MissingLegalBasisError(
                f"rule 5: {event_type.__name__} is a decision and needs a legal basis",
                field="legal_basis",
            )
        if not envelope.justification.strip():
            raise MissingJustificationError(
                f"rule 5: {event_type.__name__} is a decision and needs a justification",
                field="justification",
            )
    event = event_type(
        originator_id=originator_id,
        originator_version=version,
        timestamp=ctx.recorded_at,
        envelope=envelope,
        **facts,
    )
    # Rule 6 scans the very bytes the mapper will store: one serialisation per event.
    refuse_cpr(event, serialised=stored_json(event, event_type.class_version))
    return event
