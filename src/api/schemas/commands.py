"""Command bodies, one per route."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import Field

from frispor.api.schemas.common import DecisionIn, LegalReferenceIn
from frispor.domain.goal import GoalTerms
from frispor.domain.inspection import Finding
from frispor.domain.values import (
    Area,
    Assessment,
    ComplaintOutcome,
    Cvr,
    EvaluationKind,
    InspectionKind,
    InstitutionKind,
    MunicipalityCode,
    Name,
    NetworkKind,
    Ownership,
    Period,
    PNumber,
    ProgrammeKind,
    Quality,
    RuleCategory,
    RuleLevel,
    Text,
)

Municipalities = list[MunicipalityCode]


class ProgrammeCreate(DecisionIn):
    name: Name
    kind: ProgrammeKind
    enabling_act: LegalReferenceIn
    period: Period
    ministry: Name
    protected_categories: list[RuleCategory] = Field(default_factory=list, max_length=20)
    max_institutions_per_municipality: int | None = Field(default=None, ge=1, le=1000)


class NetworkCreate(DecisionIn):
    name: Name
    kind: NetworkKind
    area: Area
    municipalities: Municipalities = Field(min_length=1, max_length=98)
    coordinator: MunicipalityCode | None = None
    ministry: Name | None = None


class TrialCreate(DecisionIn):
    network_id: UUID
    title: Name
    purpose: Text
    period: Period
    municipalities: Municipalities = Field(min_length=1, max_length=98)
    areas: list[Area] = Field(
        default=[],
        max_length=len(Area),
        description="areas the trial is about beyond its network's theme (authorities read it)",
    )


class InstitutionCreate(DecisionIn):
    name: Name
    kind: InstitutionKind
    municipality: MunicipalityCode
    ownership: Ownership
    cvr: Cvr | None = None
    p_number: PNumber | None = None


class TrialExtend(DecisionIn):
    new_end: date


class TrialEnd(DecisionIn):
    ended_on: date


class TrialPermanent(DecisionIn):
    permanent_from: date


class EvaluationCreate(DecisionIn):
    kind: EvaluationKind
    evaluator: Name
    published_on: date
    location: str = Field(min_length=1, max_length=2000)
    summary: str = Field(default="", max_length=10_000)


class ExemptionCreate(DecisionIn):
    municipality: MunicipalityCode
    institution_id: UUID | None = None
    rule: LegalReferenceIn
    level: RuleLevel
    category: RuleCategory
    description: Text


class ExemptionGrant(DecisionIn):
    validity: Period
    conditions: list[Text] = Field(default_factory=list, max_length=50)


class ExemptionReject(DecisionIn):
    reason: Text


class ExemptionAmend(DecisionIn):
    validity: Period | None = None
    conditions: list[Text] | None = Field(default=None, max_length=50)


class ExemptionRevoke(DecisionIn):
    revoked_on: date
    reason: Text


class GoalCreate(DecisionIn):
    institution_id: UUID | None = None
    terms: GoalTerms


class GoalRevise(DecisionIn):
    terms: GoalTerms


class MeasurementCreate(DecisionIn):
    period: Period
    value: Decimal = Field(max_digits=20, decimal_places=6)
    source: Name
    quality: Quality = Quality.FINAL


class InspectionCreate(DecisionIn):
    institution_id: UUID
    kind: InspectionKind
    announced: bool
    planned_on: date
    notice_date: date | None = None


class InspectionPerform(DecisionIn):
    performed_on: date
    findings: list[Finding] = Field(default_factory=list, max_length=200)
    assessment: Assessment


class ReportCreate(DecisionIn):
    published_on: date
    location: str = Field(min_length=1, max_length=2000)


class OrderCreate(DecisionIn):
    requirement: Text
    deadline: date


class OrderComply(DecisionIn):
    complied_on: date


class OrderEscalate(DecisionIn):
    escalated_on: date
    escalated_to: Name


class ComplaintCreate(DecisionIn):
    institution_id: UUID | None = None
    subject: Text
    received_on: date


class ComplaintDecide(DecisionIn):
    outcome: ComplaintOutcome


class CorrectionCreate(DecisionIn):
    aggregate_id: UUID
    event_id: UUID
    field: str = Field(min_length=1, max_length=100)
    new_value: Any
    reason: Text
