"""What a caller asks of a use case, one type per command: its facts, checked once.

A use case takes its command whole and the aggregate takes it on; the HTTP bodies are these
commands with the decision's envelope fields beside them. Ids named in a route's path, the
expected version and who is asking are arguments of the use case, not of the command.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from frispor.domain.exemption import RequestFacts
from frispor.domain.goal import GoalTerms
from frispor.domain.inspection import Finding
from frispor.domain.institution import InstitutionFacts
from frispor.domain.programme import NetworkFacts, ProgrammeFacts
from frispor.domain.values import (
    Area,
    Assessment,
    ComplaintOutcome,
    EvaluationKind,
    InspectionKind,
    MunicipalityCode,
    Name,
    Period,
    Quality,
    RuleCategory,
    Text,
)

Municipalities = tuple[MunicipalityCode, ...]


class Command(BaseModel):
    """Base of every command: immutable, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def facts(self, *leave_out: str) -> dict[str, Any]:
        """The command's own fields as they are (not dumped), less `leave_out`.

        Only the command type's fields: an HTTP body that is also the command carries more.
        """
        own = next(
            c for c in type(self).__mro__ if issubclass(c, Command) and Command in c.__bases__
        )
        return {name: getattr(self, name) for name in own.model_fields if name not in leave_out}


# --- programmes, networks, trials ---------------------------------------------------------------


class EstablishProgramme(Command, ProgrammeFacts):
    """Establish a programme: the Established event's facts, within what a caller may ask."""

    protected_categories: tuple[RuleCategory, ...] = Field(default_factory=tuple, max_length=20)
    max_institutions_per_municipality: int | None = Field(default=None, ge=1, le=1000)


class DesignateNetwork(Command, NetworkFacts):
    """Designate a network: the Designated event's facts, within what a caller may ask."""

    municipalities: Municipalities = Field(min_length=1, max_length=98)


class ApproveTrial(Command):
    network_id: UUID
    title: Name
    purpose: Text
    period: Period
    municipalities: Municipalities = Field(min_length=1, max_length=98)
    areas: tuple[Area, ...] = Field(
        default=(),
        max_length=len(Area),
        description="areas the trial is about beyond its network's theme (authorities read it)",
    )


class EnrolInstitution(Command, InstitutionFacts):
    """Enrol an institution in a trial; its facts are those the Enrolled event keeps."""


class ExtendTrial(Command):
    new_end: date


class EndTrial(Command):
    ended_on: date


class MakeTrialPermanent(Command):
    permanent_from: date


class PublishEvaluation(Command):
    kind: EvaluationKind
    evaluator: Name
    published_on: date
    location: str = Field(min_length=1, max_length=2000)
    summary: str = Field(default="", max_length=10_000)


# --- exemptions ---------------------------------------------------------------------------------


class RequestExemption(Command, RequestFacts):
    """Request an exemption; its facts are those the Requested event keeps."""


class GrantExemption(Command):
    validity: Period
    conditions: tuple[Text, ...] = Field(default_factory=tuple, max_length=50)


class RejectExemption(Command):
    reason: Text


class AmendExemption(Command):
    validity: Period | None = None
    conditions: tuple[Text, ...] | None = Field(default=None, max_length=50)


class RevokeExemption(Command):
    revoked_on: date
    reason: Text


# --- goals, inspections, orders, complaints, corrections ----------------------------------------


class SetGoal(Command):
    institution_id: UUID | None = None
    terms: GoalTerms


class ReviseGoal(Command):
    terms: GoalTerms


class RecordMeasurement(Command):
    period: Period
    value: Decimal = Field(max_digits=20, decimal_places=6)
    source: Name
    quality: Quality = Quality.FINAL


class PlanInspection(Command):
    institution_id: UUID
    kind: InspectionKind
    announced: bool
    planned_on: date
    notice_date: date | None = None


class PerformInspection(Command):
    performed_on: date
    findings: tuple[Finding, ...] = Field(default_factory=tuple, max_length=200)
    assessment: Assessment


class PublishReport(Command):
    published_on: date
    location: str = Field(min_length=1, max_length=2000)


class IssueOrder(Command):
    requirement: Text
    deadline: date


class ComplyOrder(Command):
    complied_on: date


class EscalateOrder(Command):
    escalated_on: date
    escalated_to: Name


class ReceiveComplaint(Command):
    institution_id: UUID | None = None
    subject: Text
    received_on: date


class DecideComplaint(Command):
    outcome: ComplaintOutcome


class Correct(Command):
    aggregate_id: UUID
    event_id: UUID
    field: str = Field(min_length=1, max_length=100)
    new_value: Any
    reason: Text
