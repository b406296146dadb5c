"""Result goal (resultatmål) with its revisions and measurements."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from pydantic import Field

from frispor.domain.aggregate import Aggregate, Context, Created, Event
from frispor.domain.errors import InvalidValueError
from frispor.domain.trial import Trial
from frispor.domain.values import Direction, Frequency, Name, Period, Quality, Text, Value

if TYPE_CHECKING:
    from frispor.domain.commands import RecordMeasurement, SetGoal


class Measure(Value):
    """A value on a date: a baseline or a target."""

    value: Decimal
    on: date


class GoalTerms(Value):
    """What a goal measures and aims for; a revision replaces the whole set."""

    indicator: Name
    definition: Text
    unit: str = Field(min_length=1, max_length=100)
    data_source: Name
    baseline: Measure
    target: Measure
    direction: Direction
    frequency: Frequency


class Measurement(Value):
    """One measurement of a goal's indicator over a period."""

    period: Period
    value: Decimal
    source: Name
    quality: Quality = Quality.FINAL
    recorded_version: int = 0


class Goal(Aggregate):
    """A result goal of a trial or of one institution in it."""

    class Set(Created):
        trial_id: UUID
        institution_id: UUID | None = None
        terms: GoalTerms

        def apply(self, goal: Goal) -> None:
            super().apply(goal)
            goal.revisions = [self.terms]
            goal.measurements = []

    class Revised(Event):
        terms: GoalTerms

        def apply(self, goal: Goal) -> None:
            goal.terms = self.terms
            goal.revisions.append(self.terms)

    class MeasurementRecorded(Event):
        is_decision = False
        valid_time = "period"
        period: Period
        value: Decimal
        source: Name
        quality: Quality = Quality.FINAL

        def apply(self, goal: Goal) -> None:
            # Built from this event's fields, which pydantic validated already: no second pass.
            goal.measurements.append(
                Measurement.model_construct(
                    period=self.period,
                    value=self.value,
                    source=self.source,
                    quality=self.quality,
                    recorded_version=self.originator_version,
                )
            )

        @property
        def effective_on(self) -> date:
            return self.period.end  # a measurement is known once its period is over

    trial_id: UUID
    institution_id: UUID | None
    terms: GoalTerms
    revisions: list[GoalTerms]
    measurements: list[Measurement]

    @classmethod
    def set(cls, ctx: Context, trial: Trial, command: SetGoal) -> Goal:
        """Set a result goal for the trial (or one of its institutions)."""
        _check_terms(command.terms)
        return cls._start(cls.Set, ctx, trial_id=trial.id, **command.facts())

    def revise(self, ctx: Context, terms: GoalTerms) -> None:
        """Revise the goal; the earlier terms stay in the record."""
        _check_terms(terms)
        if terms == self.terms:
            raise InvalidValueError("the revision changes nothing", field="terms")
        self._trigger(self.Revised, ctx, terms=terms)

    def record(self, ctx: Context, command: RecordMeasurement) -> None:
        """Record a measurement; one outside the trial period is recorded and flagged later."""
        self._trigger(self.MeasurementRecorded, ctx, **command.facts())

    def on_track(self) -> bool | None:
        """Whether the latest measurement has moved from the baseline towards the target."""
        if not self.measurements:
            return None
        latest = max(self.measurements, key=lambda m: m.period.end).value
        base = self.terms.baseline.value
        return latest >= base if self.terms.direction is Direction.HIGHER else latest <= base


def _check_terms(terms: GoalTerms) -> None:
    if terms.target.on <= terms.baseline.on:
        raise InvalidValueError(
            f"the target date {terms.target.on} must come after the baseline date "
            f"{terms.baseline.on}",
            field="target",
        )
    better = terms.target.value > terms.baseline.value
    if terms.target.value == terms.baseline.value or better != (
        terms.direction is Direction.HIGHER
    ):
        raise InvalidValueError(
            f"a target of {terms.target.value} against a baseline of {terms.baseline.value} "
            f"does not point the way '{terms.direction}' is better",
            field="direction",
        )
