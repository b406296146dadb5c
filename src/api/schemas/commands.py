"""Command bodies, one per route: the domain's command with the decision's envelope beside it."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from frispor.api.schemas.common import DecisionIn, LegalReferenceIn
from frispor.domain import commands as do
from frispor.domain.values import (
    MunicipalityCode,
    Name,
    Period,
    ProgrammeKind,
    RuleCategory,
    RuleLevel,
    Text,
)

# The envelope's fields come first in a body (DecisionIn stands last among the bases).


class ProgrammeCreate(DecisionIn):
    name: Name
    kind: ProgrammeKind
    enabling_act: LegalReferenceIn
    period: Period
    ministry: Name
    protected_categories: list[RuleCategory] = Field(default_factory=list, max_length=20)
    max_institutions_per_municipality: int | None = Field(default=None, ge=1, le=1000)

    def command(self) -> do.EstablishProgramme:
        """The command, with the enabling act as the domain's legal reference."""
        enabling_act = self.enabling_act.to_domain()
        return do.EstablishProgramme(**{**self.own(), "enabling_act": enabling_act})


class NetworkCreate(do.DesignateNetwork, DecisionIn):
    pass


class TrialCreate(do.ApproveTrial, DecisionIn):
    pass


class InstitutionCreate(do.EnrolInstitution, DecisionIn):
    pass


class TrialExtend(do.ExtendTrial, DecisionIn):
    pass


class TrialEnd(do.EndTrial, DecisionIn):
    pass


class TrialPermanent(do.MakeTrialPermanent, DecisionIn):
    pass


class EvaluationCreate(do.PublishEvaluation, DecisionIn):
    pass


class ExemptionCreate(DecisionIn):
    municipality: MunicipalityCode
    institution_id: UUID | None = None
    rule: LegalReferenceIn
    level: RuleLevel
    category: RuleCategory
    description: Text

    def command(self) -> do.RequestExemption:
        """The command, with the rule as the domain's legal reference."""
        return do.RequestExemption(**{**self.own(), "rule": self.rule.to_domain()})


class ExemptionGrant(do.GrantExemption, DecisionIn):
    pass


class ExemptionReject(do.RejectExemption, DecisionIn):
    pass


class ExemptionAmend(do.AmendExemption, DecisionIn):
    pass


class ExemptionRevoke(do.RevokeExemption, DecisionIn):
    pass


class GoalCreate(do.SetGoal, DecisionIn):
    pass


class GoalRevise(do.ReviseGoal, DecisionIn):
    pass


class MeasurementCreate(do.RecordMeasurement, DecisionIn):
    pass


class InspectionCreate(do.PlanInspection, DecisionIn):
    pass


class InspectionPerform(do.PerformInspection, DecisionIn):
    pass


class ReportCreate(do.PublishReport, DecisionIn):
    pass


class OrderCreate(do.IssueOrder, DecisionIn):
    pass


class OrderComply(do.ComplyOrder, DecisionIn):
    pass


class OrderEscalate(do.EscalateOrder, DecisionIn):
    pass


class ComplaintCreate(do.ReceiveComplaint, DecisionIn):
    pass


class ComplaintDecide(do.DecideComplaint, DecisionIn):
    pass


class CorrectionCreate(do.Correct, DecisionIn):
    pass
