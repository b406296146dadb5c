"""Inspection (tilsyn) and the orders (påbud) it gives."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from pydantic import Field

from frispor.domain.aggregate import Aggregate, Context, Created, Event
from frispor.domain.errors import InvalidTransitionError, InvalidValueError
from frispor.domain.institution import Institution
from frispor.domain.values import Assessment, InspectionKind, Name, Text, Value

if TYPE_CHECKING:
    from frispor.domain.commands import IssueOrder, PerformInspection, PlanInspection, PublishReport


class Finding(Value):
    """What the inspection found at one measurement point."""

    point: Name
    observation: Text
    assessment: Assessment


class Inspection(Aggregate):
    """An inspection of an institution, announced (with notice) or unannounced."""

    class Planned(Created):
        valid_time = "planned_on"
        authority: Name
        institution_id: UUID
        trial_id: UUID
        kind: InspectionKind
        announced: bool
        notice_date: date | None = None
        planned_on: date

        def apply(self, inspection: Inspection) -> None:
            super().apply(inspection)
            inspection.performed_on = None
            inspection.assessment = None
            inspection.report_published_on = None
            # Who records the rest of the inspection: the organisation that planned it.
            inspection.planned_by = self.envelope.actor.organisation

    class Performed(Event):
        is_decision = False
        valid_time = "performed_on"
        takes_effect = "valid"
        performed_on: date
        findings: tuple[Finding, ...] = ()
        assessment: Assessment

        def apply(self, inspection: Inspection) -> None:
            inspection.performed_on = self.performed_on
            inspection.assessment = self.assessment

    class ReportPublished(Event):
        is_decision = False
        valid_time = "published_on"
        published_on: date
        location: str = Field(min_length=1, max_length=2000)

        def apply(self, inspection: Inspection) -> None:
            inspection.report_published_on = self.published_on

    authority: str
    planned_by: str
    institution_id: UUID
    trial_id: UUID
    kind: InspectionKind
    announced: bool
    notice_date: date | None
    planned_on: date
    performed_on: date | None
    assessment: Assessment | None
    report_published_on: date | None

    @classmethod
    def plan(
        cls,
        ctx: Context,
        institution: Institution,
        command: PlanInspection,
        authority: str,
    ) -> Inspection:
        """Plan an inspection; an announced one gives notice on or before its date."""
        announced, notice_date = command.announced, command.notice_date
        if announced and (notice_date is None or notice_date > command.planned_on):
            raise InvalidValueError(
                "an announced inspection needs a notice date on or before its planned date",
                field="notice_date",
            )
        if not announced and notice_date is not None:
            raise InvalidValueError(
                "an unannounced inspection has no notice date", field="notice_date"
            )
        return cls._start(
            cls.Planned,
            ctx,
            authority=authority,
            trial_id=institution.trial_id,
            **command.facts("institution_id"),
            institution_id=institution.id,
        )

    def perform(self, ctx: Context, command: PerformInspection) -> None:
        """Record that the inspection was performed, with findings and an assessment."""
        performed_on = command.performed_on
        if self.performed_on is not None:
            raise InvalidTransitionError("the inspection was already performed")
        if self.announced and self.notice_date and performed_on < self.notice_date:
            raise InvalidValueError(
                f"performed {performed_on}, before its notice {self.notice_date}",
                field="performed_on",
            )
        self._trigger(self.Performed, ctx, **command.facts())

    def publish_report(self, ctx: Context, command: PublishReport) -> None:
        """Record that the inspection report was published."""
        self.require_performed("publish its report")
        assert self.performed_on is not None
        if command.published_on < self.performed_on:
            raise InvalidValueError(
                "a report cannot be published before the inspection", field="published_on"
            )
        self._trigger(self.ReportPublished, ctx, **command.facts())

    def require_performed(self, doing: str) -> None:
        """Raise unless the inspection has been performed."""
        if self.performed_on is None:
            raise InvalidTransitionError(f"cannot {doing}: the inspection is not performed yet")


class OrderStatus(StrEnum):
    OPEN = "open"
    COMPLIED = "complied"
    ESCALATED = "escalated"


class Order(Aggregate):
    """An order (påbud) given after an inspection, with a deadline."""

    class Issued(Created):
        inspection_id: UUID
        institution_id: UUID
        trial_id: UUID
        requirement: Text
        deadline: date

        def apply(self, order: Order) -> None:
            super().apply(order)
            order.status = OrderStatus.OPEN
            order.closed_on = None

    class CompliedWith(Event):
        valid_time = "complied_on"
        takes_effect = "valid"
        complied_on: date

        def apply(self, order: Order) -> None:
            order.status = OrderStatus.COMPLIED
            order.closed_on = self.complied_on

    class Escalated(Event):
        valid_time = "escalated_on"
        takes_effect = "valid"
        escalated_on: date
        escalated_to: Name

        def apply(self, order: Order) -> None:
            order.status = OrderStatus.ESCALATED
            order.closed_on = self.escalated_on

    inspection_id: UUID
    institution_id: UUID
    trial_id: UUID
    requirement: str
    deadline: date
    status: OrderStatus
    closed_on: date | None

    @classmethod
    def issue(cls, ctx: Context, inspection: Inspection, command: IssueOrder) -> Order:
        """Issue an order after a performed inspection."""
        deadline = command.deadline
        inspection.require_performed("issue an order")
        assert inspection.performed_on is not None
        if deadline < inspection.performed_on:
            raise InvalidValueError(
                f"deadline {deadline} lies before the inspection {inspection.performed_on}",
                field="deadline",
            )
        return cls._start(
            cls.Issued,
            ctx,
            inspection_id=inspection.id,
            institution_id=inspection.institution_id,
            trial_id=inspection.trial_id,
            **command.facts(),
        )

    def _require_open(self, doing: str) -> None:
        if self.status is not OrderStatus.OPEN:
            raise InvalidTransitionError(f"cannot {doing}: the order is {self.status}")

    def comply(self, ctx: Context, complied_on: date) -> None:
        """Record that the order was complied with."""
        self._require_open("record compliance")
        self._trigger(self.CompliedWith, ctx, complied_on=complied_on)

    def escalate(self, ctx: Context, escalated_on: date, escalated_to: str) -> None:
        """Escalate the order (e.g. to a stronger sanction or another authority)."""
        self._require_open("escalate")
        self._trigger(self.Escalated, ctx, escalated_on=escalated_on, escalated_to=escalated_to)
