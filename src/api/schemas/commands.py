"""Command bodies, one per route."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import ConfigDict, Field

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
FRIKOMMUNELOVEN = "https://www.retsinformation.dk/eli/lta/2017/658"
SERVICELOVEN = "https://www.retsinformation.dk/eli/lta/2017/988"
TERMS = {
    "indicator": "Andel plejecentre med systematisk opfølgning på tilsyn",
    "definition": "Plejecentre med skriftlig handleplan inden 30 dage efter tilsyn",
    "unit": "%",
    "data_source": "Sundheds- og Omsorgsforvaltningens tilsynsdatabase",
    "baseline": {"value": "40", "on": "2017-09-01"},
    "target": {"value": "80", "on": "2018-04-30"},
    "direction": "higher",
    "frequency": "quarterly",
}


def example(decided_on: str, **fields: Any) -> ConfigDict:
    """A body's example in the description: a decision of the demo, with its envelope."""
    body = {
        "legal_basis": [
            {"act": FRIKOMMUNELOVEN, "path": "§ 1", "title": "lov om frikommunenetværk"}
        ],
        "justification": "Godkendt efter ansøgning",
        "case_number": "2017-4127",
        "decided_on": decided_on,
        **fields,
    }
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [body]})


class ProgrammeCreate(DecisionIn):
    model_config = example(
        "2016-10-10",
        name="Frikommuneforsøg II",
        kind="frikommune",
        enabling_act={"act": FRIKOMMUNELOVEN, "path": "§ 1", "title": "lov om frikommunenetværk"},
        period={"start": "2016-10-10", "end": "2021-12-31"},
        ministry="Økonomi- og Indenrigsministeriet",
        protected_categories=["magtanvendelse"],
    )

    name: Name
    kind: ProgrammeKind
    enabling_act: LegalReferenceIn
    period: Period
    ministry: Name
    protected_categories: list[RuleCategory] = Field(default_factory=list, max_length=20)
    max_institutions_per_municipality: int | None = Field(default=None, ge=1, le=1000)


class NetworkCreate(DecisionIn):
    model_config = example(
        "2016-10-10",
        name="Sammenhængende borgerforløb",
        kind="network",
        area="sammenhaeng",
        municipalities=["101", "561"],
        coordinator="101",
    )

    name: Name
    kind: NetworkKind
    area: Area
    municipalities: Municipalities = Field(min_length=1, max_length=98)
    coordinator: MunicipalityCode | None = None
    ministry: Name | None = None


class TrialCreate(DecisionIn):
    model_config = example(
        "2017-06-20",
        network_id="c6bb515c-de68-47bc-9c97-a785a4d3ccb9",
        title="Forsøg med anmeldte plejehjemstilsyn",
        purpose="Kommunen fører anmeldte i stedet for uanmeldte tilsyn på plejecentre.",
        period={"start": "2017-09-01", "end": "2018-04-30"},
        municipalities=["101"],
    )

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
    model_config = example(
        "2017-08-01",
        name="Plejecenter Østerbro",
        kind="plejehjem",
        municipality="101",
        ownership="kommunal",
        cvr="29556814",
    )

    name: Name
    kind: InstitutionKind
    municipality: MunicipalityCode
    ownership: Ownership
    cvr: Cvr | None = None
    p_number: PNumber | None = None


class TrialExtend(DecisionIn):
    model_config = example(
        "2018-03-15",
        new_end="2018-10-31",
    )

    new_end: date


class TrialEnd(DecisionIn):
    model_config = example(
        "2018-04-30",
        ended_on="2018-04-30",
    )

    ended_on: date


class TrialPermanent(DecisionIn):
    model_config = example(
        "2020-01-01",
        permanent_from="2020-01-01",
    )

    permanent_from: date


class EvaluationCreate(DecisionIn):
    model_config = example(
        "2018-06-01",
        kind="final",
        evaluator="VIVE",
        published_on="2018-06-01",
        location="https://www.vive.dk/evaluering-anmeldte-tilsyn",
        summary="Tilsynet gav mere læring; ingen nye risici.",
    )

    kind: EvaluationKind
    evaluator: Name
    published_on: date
    location: str = Field(min_length=1, max_length=2000)
    summary: str = Field(default="", max_length=10_000)


class ExemptionCreate(DecisionIn):
    model_config = example(
        "2017-08-10",
        municipality="101",
        rule={"act": SERVICELOVEN, "path": "§ 151, stk. 2", "title": "serviceloven"},
        level="state",
        category="tilsynsform",
        description="Tilsyn på plejecentre må være anmeldte i stedet for uanmeldte.",
    )

    municipality: MunicipalityCode
    institution_id: UUID | None = None
    rule: LegalReferenceIn
    level: RuleLevel
    category: RuleCategory
    description: Text


class ExemptionGrant(DecisionIn):
    model_config = example(
        "2017-08-25",
        validity={"start": "2017-09-01", "end": "2018-04-30"},
        conditions=["Tilsynet varsles højst 14 dage før besøget."],
    )

    validity: Period
    conditions: list[Text] = Field(default_factory=list, max_length=50)


class ExemptionReject(DecisionIn):
    model_config = example(
        "2017-08-25",
        reason="Reglen hører til en beskyttet kategori.",
    )

    reason: Text


class ExemptionAmend(DecisionIn):
    model_config = example(
        "2018-03-15",
        validity={"start": "2017-09-01", "end": "2018-10-31"},
    )

    validity: Period | None = None
    conditions: list[Text] | None = Field(default=None, max_length=50)


class ExemptionRevoke(DecisionIn):
    model_config = example(
        "2018-02-01",
        revoked_on="2018-02-01",
        reason="Betingelsen er ikke overholdt.",
    )

    revoked_on: date
    reason: Text


class GoalCreate(DecisionIn):
    model_config = example(
        "2017-08-25",
        terms=TERMS,
    )

    institution_id: UUID | None = None
    terms: GoalTerms


class GoalRevise(DecisionIn):
    model_config = example(
        "2018-01-10",
        terms=TERMS,
    )

    terms: GoalTerms


class MeasurementCreate(DecisionIn):
    model_config = example(
        "2018-01-10",
        period={"start": "2017-10-01", "end": "2017-12-31"},
        value="55",
        source="Tilsynsdatabasen",
        quality="final",
    )

    period: Period
    value: Decimal = Field(max_digits=20, decimal_places=6)
    source: Name
    quality: Quality = Quality.FINAL


class InspectionCreate(DecisionIn):
    model_config = example(
        "2018-05-29",
        institution_id="a63e4c95-13c9-44e7-9121-fe27cdbcc6ad",
        kind="planned",
        announced=True,
        planned_on="2018-06-12",
        notice_date="2018-05-29",
    )

    institution_id: UUID
    kind: InspectionKind
    announced: bool
    planned_on: date
    notice_date: date | None = None


class InspectionPerform(DecisionIn):
    model_config = example(
        "2018-06-12",
        performed_on="2018-06-12",
        findings=[
            {"point": "Medicinhåndtering", "observation": "Ingen fund", "assessment": "ingen"}
        ],
        assessment="ingen",
    )

    performed_on: date
    findings: list[Finding] = Field(default_factory=list, max_length=200)
    assessment: Assessment


class ReportCreate(DecisionIn):
    model_config = example(
        "2018-06-20",
        published_on="2018-06-20",
        location="https://www.kk.dk/tilsyn/2018",
    )

    published_on: date
    location: str = Field(min_length=1, max_length=2000)


class OrderCreate(DecisionIn):
    model_config = example(
        "2017-10-30",
        requirement="Medicinlister ajourføres.",
        deadline="2017-12-31",
    )

    requirement: Text
    deadline: date


class OrderComply(DecisionIn):
    model_config = example(
        "2017-12-20",
        complied_on="2017-12-20",
    )

    complied_on: date


class OrderEscalate(DecisionIn):
    model_config = example(
        "2018-01-05",
        escalated_on="2018-01-05",
        escalated_to="Styrelsen for Patientsikkerhed",
    )

    escalated_on: date
    escalated_to: Name


class ComplaintCreate(DecisionIn):
    model_config = example(
        "2018-01-10",
        subject="Klage over tilsynets form",
        received_on="2018-01-10",
    )

    institution_id: UUID | None = None
    subject: Text
    received_on: date


class ComplaintDecide(DecisionIn):
    model_config = example(
        "2018-02-15",
        outcome="dismissed",
    )

    outcome: ComplaintOutcome


class CorrectionCreate(DecisionIn):
    model_config = example(
        "2017-09-05",
        aggregate_id="56ed94b3-0c79-44ad-a0da-21e2727023e7",
        event_id="0b2c6129-9cf4-4036-b73e-54b3800e2738",
        field="conditions",
        new_value=["Tilsynet varsles højst 10 dage før besøget."],
        reason="Skrivefejl i betingelsen.",
    )

    aggregate_id: UUID
    event_id: UUID
    field: str = Field(min_length=1, max_length=100)
    new_value: Any
    reason: Text
