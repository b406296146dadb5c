"""What the status reads answer: read-model rows, as of a day and as known at a moment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from frispor.domain.exemption import ExemptionStatus
from frispor.domain.goal import GoalTerms
from frispor.domain.inspection import OrderStatus
from frispor.domain.trial import TrialStatus
from frispor.domain.values import (
    Area,
    Assessment,
    InspectionKind,
    InstitutionKind,
    Ownership,
    Quality,
    RuleCategory,
    RuleLevel,
)

Cursor = str | None


class Public(BaseModel):
    """An answer's part: exactly these fields (a client may rely on it)."""

    model_config = ConfigDict(extra="forbid")


class Days(Public):
    """A closed period of days."""

    start: date
    end: date


class Row(Public):
    """A read-model row: in force from..to (valid time), on record from..to (recorded time)."""

    aggregate_id: UUID
    valid_from: date
    valid_to: date = Field(description="9999-12-31: open")
    recorded_from: datetime
    recorded_to: datetime = Field(description="9999-12-31T23:59:59.999999+00:00: still on record")
    position: int = Field(description="the position of the event that wrote this row")


class TrialData(Public):
    title: str
    purpose: str
    period: Days = Field(description="as approved (period_start/period_end: with extensions)")
    ended_on: date | None
    municipalities: list[str]
    declared_areas: list[Area] = Field(description="areas the trial is about beyond its theme")


class Counts(Public):
    exemptions_in_force: int
    open_orders: int


class TrialPublic(Row):
    """A trial as it stood."""

    programme_id: UUID
    network_id: UUID
    area: Area = Field(description="its network's theme")
    status: TrialStatus
    period_start: date
    period_end: date
    data: TrialData
    phase: Literal["not started", "running", "ended", "permanent"]
    counts: Counts


class InstitutionData(Public):
    name: str
    cvr: str | None
    p_number: str | None
    ownership: Ownership
    network_id: UUID


class InstitutionRow(Row):
    trial_id: UUID
    municipality: str
    kind: InstitutionKind
    data: InstitutionData


class RuleText(Public):
    act: str
    path: str
    text: str = Field(description="the act's title and the § path, as a person reads them")


class ExemptionData(Public):
    rule: RuleText
    description: str
    grantor: str | None
    conditions: list[str]
    validity: Days | None
    ended_on: date | None
    programme_id: UUID


class ExemptionPublic(Row):
    """An exemption as it stood: requested, granted, rejected, revoked or expired."""

    trial_id: UUID
    institution_id: UUID | None = Field(description="null: for the whole municipality")
    municipality: str
    category: RuleCategory
    level: RuleLevel
    status: ExemptionStatus
    in_force_from: date | None
    in_force_to: date | None
    data: ExemptionData


class GoalData(Public):
    terms: GoalTerms
    revisions: int


class GoalRow(Row):
    kind: Literal["goal"]
    trial_id: UUID
    institution_id: UUID | None
    data: GoalData


class MeasurementData(Public):
    value: str = Field(description="a decimal number, as text")
    source: str
    quality: Quality


class MeasurementRow(Row):
    """One measurement: valid_from..valid_to is the period measured."""

    kind: Literal["measurement"]
    trial_id: UUID
    institution_id: UUID | None
    data: MeasurementData


class Progress(Public):
    latest: str | None = Field(description="the latest measurement, a decimal as text")
    share_of_way: float | None = Field(description="from baseline (0) to target (1)")
    on_track: bool | None


class InspectionData(Public):
    authority: str
    kind: InspectionKind
    announced: bool
    notice_date: date | None
    planned_on: date
    performed_on: date | None
    assessment: Assessment | None
    report_published_on: date | None


class InspectionRow(Row):
    kind: Literal["inspection"]
    trial_id: UUID
    institution_id: UUID
    status: Literal["planned", "performed"]
    day: date
    inspection_id: UUID
    data: InspectionData


class OrderData(Public):
    requirement: str
    deadline: date
    closed_on: date | None


class OrderRow(Row):
    kind: Literal["order"]
    trial_id: UUID
    institution_id: UUID
    status: OrderStatus
    day: date = Field(description="the deadline")
    inspection_id: UUID
    data: OrderData


class AsOf(Public):
    as_of: date | None = Field(description="the day asked (null: today)")
    known_at: datetime | None = Field(description="the moment asked (null: now)")


class TrialsPage(AsOf):
    """A page of trials."""

    items: list[TrialPublic]
    next_cursor: Cursor


class TrialDetail(AsOf, TrialPublic):
    """One trial with what is filed under it."""

    institutions: list[InstitutionRow]
    exemptions: list[ExemptionPublic]
    goals: list[GoalRow]


class InstitutionDetail(AsOf, InstitutionRow):
    """One institution with its exemptions in force, inspections and open orders."""

    exemptions_in_force: list[ExemptionPublic]
    latest_inspection: InspectionRow | None
    planned_inspections: list[InspectionRow]
    open_orders: list[OrderRow]


class GoalDetail(AsOf, GoalRow):
    """A goal with its measurements and the progress they show."""

    measurements: list[MeasurementRow]
    progress: Progress


class ExemptionsPage(Public):
    """A page of the exemptions register."""

    in_force_on: date | None
    known_at: datetime | None
    items: list[ExemptionPublic]
    next_cursor: Cursor
