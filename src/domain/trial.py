"""Trial (forsøg): a concrete trial in a network, its period, extensions, end and evaluations."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from pydantic import Field

from frispor.domain.aggregate import Aggregate, Context, Created, Event
from frispor.domain.errors import (
    InvalidTransitionError,
    InvalidValueError,
    NotParticipatingError,
    OutsideTrialPeriodError,
)
from frispor.domain.programme import Network, Programme
from frispor.domain.values import Area, EvaluationKind, MunicipalityCode, Name, Period, Text

if TYPE_CHECKING:
    from frispor.domain.commands import ApproveTrial, PublishEvaluation


class TrialStatus(StrEnum):
    APPROVED = "approved"
    ENDED = "ended"
    PERMANENT = "permanent"


class Trial(Aggregate):
    """A trial approved in a network, running for a period that can be extended or ended."""

    class Approved(Created):
        valid_time = "period"
        programme_id: UUID
        network_id: UUID
        area: Area
        title: Name
        purpose: Text
        period: Period
        municipalities: tuple[MunicipalityCode, ...] = Field(min_length=1)
        # Areas the trial is about beyond its network's theme, declared on approval.
        areas: tuple[Area, ...] = ()

        def apply(self, trial: Trial) -> None:
            super().apply(trial)
            trial.status = TrialStatus.APPROVED
            trial.ended_on = None
            trial.exemption_ids = []

    class Extended(Event):
        new_end: date

        def apply(self, trial: Trial) -> None:
            trial.period = Period(start=trial.period.start, end=self.new_end)

        @property
        def valid_to(self) -> date | None:
            return self.new_end

    class Ended(Event):
        valid_time = "ended_on"
        takes_effect = "after"  # in force through its last day
        ended_on: date

        def apply(self, trial: Trial) -> None:
            trial.status = TrialStatus.ENDED
            trial.ended_on = self.ended_on

    class MadePermanent(Event):
        valid_time = "permanent_from"
        takes_effect = "valid"
        permanent_from: date

        def apply(self, trial: Trial) -> None:
            trial.status = TrialStatus.PERMANENT

    class EvaluationPublished(Event):
        is_decision = False
        kind: EvaluationKind
        evaluator: Name
        published_on: date
        location: str = Field(min_length=1, max_length=2000)
        summary: str = Field(default="", max_length=10_000)

        def apply(self, trial: Trial) -> None:
            """No state changes: the evaluation is a fact kept in the record."""

    class ExemptionFiled(Event):
        """Bookkeeping: the trial's docket of exemptions, so ending it can expire them."""

        is_decision = False
        bookkeeping = True
        exemption_id: UUID

        def apply(self, trial: Trial) -> None:
            trial.exemption_ids.append(self.exemption_id)

    programme_id: UUID
    network_id: UUID
    area: Area
    title: str
    purpose: str
    period: Period
    municipalities: tuple[str, ...]
    areas: tuple[Area, ...]
    status: TrialStatus
    ended_on: date | None
    exemption_ids: list[UUID]

    @classmethod
    def approve(
        cls,
        ctx: Context,
        programme: Programme,
        network: Network,
        command: ApproveTrial,
    ) -> Trial:
        """Approve a trial in a network for the given municipalities and period."""
        period = command.period
        outsiders = [m for m in command.municipalities if m not in network.municipalities]
        if outsiders:
            raise NotParticipatingError(
                f"municipality {outsiders[0]} is not a member of the network '{network.name}'",
                field="municipalities",
                value=outsiders[0],
            )
        if not programme.period.contains(period):
            raise OutsideTrialPeriodError(
                f"rule 2: the trial's period {period} lies outside the programme's "
                f"period {programme.period}",
                field="period",
                value=str(period),
            )
        return cls._start(
            cls.Approved,
            ctx,
            programme_id=programme.id,
            network_id=network.id,
            area=network.area,
            **command.facts("network_id", "municipalities", "areas"),
            municipalities=tuple(dict.fromkeys(command.municipalities)),
            areas=tuple(a for a in dict.fromkeys(command.areas) if a is not network.area),
        )

    @property
    def in_force(self) -> Period:
        """The days the trial was or is in force: its period, cut short where it ended."""
        if self.ended_on is not None and self.ended_on < self.period.end:
            return Period(start=self.period.start, end=self.ended_on)
        return self.period

    def _require_running(self, doing: str) -> None:
        if self.status is not TrialStatus.APPROVED:
            raise InvalidTransitionError(
                f"cannot {doing}: the trial '{self.title}' is {self.status}", field="status"
            )

    def require_participant(self, code: str) -> None:
        """Raise unless the municipality takes part in this trial."""
        if code not in self.municipalities:
            raise NotParticipatingError(
                f"municipality {code} does not take part in the trial '{self.title}'",
                field="municipality",
                value=code,
            )

    def require_inside(self, period: Period, what: str) -> None:
        """Rule 2: raise unless the period lies inside the trial's period in force."""
        if not self.in_force.contains(period):
            raise OutsideTrialPeriodError(
                f"rule 2: {what} {period} lies outside the trial period {self.in_force} "
                f"of '{self.title}'",
                field="validity",
                value=str(period),
            )

    def extend(self, ctx: Context, new_end: date) -> None:
        """Extend the trial to a later end date (only while it runs)."""
        self._require_running("extend")
        if new_end <= self.period.end:
            raise InvalidValueError(
                f"new end {new_end} is not after the current end {self.period.end}",
                field="new_end",
                value=str(new_end),
            )
        self._trigger(self.Extended, ctx, new_end=new_end)

    def end(self, ctx: Context, ended_on: date) -> None:
        """End the trial; what it granted stops being in force."""
        self._require_running("end")
        if ended_on not in self.period:
            raise OutsideTrialPeriodError(
                f"rule 2: end date {ended_on} lies outside the trial period {self.period}",
                field="ended_on",
                value=str(ended_on),
            )
        self._trigger(self.Ended, ctx, ended_on=ended_on)

    def make_permanent(self, ctx: Context, permanent_from: date) -> None:
        """Record that the trial's way of working was made permanent."""
        if self.status is TrialStatus.PERMANENT:
            raise InvalidTransitionError("the trial is already permanent", field="status")
        self._trigger(self.MadePermanent, ctx, permanent_from=permanent_from)

    def publish_evaluation(self, ctx: Context, command: PublishEvaluation) -> None:
        """Record a mid-term or final evaluation and where it is published."""
        self._trigger(self.EvaluationPublished, ctx, **command.facts())

    def file_exemption(self, ctx: Context, exemption_id: UUID) -> None:
        """Add an exemption to the trial's docket."""
        self._require_running("request an exemption")
        self._trigger(self.ExemptionFiled, ctx, exemption_id=exemption_id)
