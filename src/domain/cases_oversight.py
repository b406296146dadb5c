"""Use cases of goals, inspections, orders, complaints, corrections and exports."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from frispor.domain.aggregate import Aggregate, Envelope
from frispor.domain.commands import (
    ComplyOrder,
    Correct,
    DecideComplaint,
    EscalateOrder,
    IssueOrder,
    PerformInspection,
    PlanInspection,
    PublishReport,
    ReceiveComplaint,
    RecordMeasurement,
    ReviseGoal,
    SetGoal,
)
from frispor.domain.competence import COMPLAINT_BODIES, inspectors, municipalities, require
from frispor.domain.complaint import Complaint
from frispor.domain.core import Core, Written, use_case
from frispor.domain.exemption import require_enrolled
from frispor.domain.export import Export
from frispor.domain.goal import Goal
from frispor.domain.inspection import Inspection, Order
from frispor.domain.institution import Institution
from frispor.domain.trial import Trial


class OversightCases(Core):
    """What is measured, inspected, complained of, corrected and exported."""

    # --- goals and measurements --------------------------------------------------------------

    @use_case
    def set_goal(
        self,
        envelope: Envelope,
        trial_id: UUID,
        command: SetGoal,
        expected_version: int | None = None,
    ) -> Written:
        """Set a result goal for a trial or one of its institutions."""
        trial = self.get(Trial, trial_id)
        institution = self.get_optional(Institution, command.institution_id)
        self._allow_party(envelope, trial, institution, "set goals for it", trial, expected_version)
        if institution is not None:
            require_enrolled(institution, trial, institution.municipality)
        return self._write(Goal.set(self._ctx(envelope), trial, command))

    @use_case
    def revise_goal(
        self,
        envelope: Envelope,
        goal_id: UUID,
        command: ReviseGoal,
        expected_version: int | None = None,
    ) -> Written:
        """Revise a goal; the old terms stay in the record."""
        goal = self._goal(envelope, goal_id, expected_version, "revise this goal")
        goal.revise(self._ctx(envelope), command.terms)
        return self._write(goal)

    @use_case
    def record_measurement(
        self,
        envelope: Envelope,
        goal_id: UUID,
        command: RecordMeasurement,
        expected_version: int | None = None,
    ) -> Written:
        """Record a measurement of a goal's indicator."""
        goal = self._goal(envelope, goal_id, expected_version, "measure this goal")
        goal.record(self._ctx(envelope), command)
        return self._write(goal)

    # --- inspections and orders --------------------------------------------------------------

    @use_case
    def plan_inspection(
        self, envelope: Envelope, command: PlanInspection, authority: str
    ) -> Written:
        """Plan (or announce) an inspection of an enrolled institution, by `authority`."""
        institution = self.get(Institution, command.institution_id)
        require(envelope.actor.organisation, inspectors(institution), "inspect this institution")
        inspection = Inspection.plan(self._ctx(envelope), institution, command, authority)
        return self._write(inspection)

    @use_case
    def perform_inspection(
        self,
        envelope: Envelope,
        inspection_id: UUID,
        command: PerformInspection,
        expected_version: int | None = None,
    ) -> Written:
        """Record an inspection as performed, with findings and an assessment."""
        inspection = self._inspection(envelope, inspection_id, expected_version)
        inspection.perform(self._ctx(envelope), command)
        return self._write(inspection)

    @use_case
    def publish_report(
        self,
        envelope: Envelope,
        inspection_id: UUID,
        command: PublishReport,
        expected_version: int | None = None,
    ) -> Written:
        """Record that an inspection's report was published."""
        inspection = self._inspection(envelope, inspection_id, expected_version)
        inspection.publish_report(self._ctx(envelope), command)
        return self._write(inspection)

    @use_case
    def issue_order(
        self,
        envelope: Envelope,
        inspection_id: UUID,
        command: IssueOrder,
        expected_version: int | None = None,
    ) -> Written:
        """Issue an order (påbud) after an inspection."""
        inspection = self._inspection(envelope, inspection_id, expected_version)
        return self._write(Order.issue(self._ctx(envelope), inspection, command))

    @use_case
    def comply_order(
        self,
        envelope: Envelope,
        order_id: UUID,
        command: ComplyOrder,
        expected_version: int | None = None,
    ) -> Written:
        """Record that an order was complied with."""
        order = self._order(envelope, order_id, expected_version)
        order.comply(self._ctx(envelope), command.complied_on)
        return self._write(order)

    @use_case
    def escalate_order(
        self,
        envelope: Envelope,
        order_id: UUID,
        command: EscalateOrder,
        expected_version: int | None = None,
    ) -> Written:
        """Escalate an order that was not complied with."""
        order = self._order(envelope, order_id, expected_version)
        order.escalate(self._ctx(envelope), command.escalated_on, command.escalated_to)
        return self._write(order)

    # --- complaints and corrections ------------------------------------------------------------

    @use_case
    def receive_complaint(
        self,
        envelope: Envelope,
        trial_id: UUID,
        command: ReceiveComplaint,
        complaint_body: str,
        expected_version: int | None = None,
    ) -> Written:
        """Record a complaint about a trial or an institution in it, as `complaint_body` got it."""
        trial = self.get(Trial, trial_id)
        institution = self.get_optional(Institution, command.institution_id)
        parties = self.trial_ministries(trial) | municipalities(trial, institution)
        self.allow(
            envelope, parties | COMPLAINT_BODIES, "receive this complaint", trial, expected_version
        )
        complaint = Complaint.receive(self._ctx(envelope), trial, command, complaint_body)
        return self._write(complaint)

    @use_case
    def decide_complaint(
        self,
        envelope: Envelope,
        complaint_id: UUID,
        command: DecideComplaint,
        expected_version: int | None = None,
    ) -> Written:
        """Record the decision on a complaint (by the body that received it)."""
        complaint = self.get(Complaint, complaint_id)
        body = {complaint.complaint_body}
        self.allow(envelope, body, "decide this complaint", complaint, expected_version)
        complaint.decide(self._ctx(envelope), command.outcome)
        return self._write(complaint)

    def _allow_party(
        self,
        envelope: Envelope,
        trial: Trial,
        institution: Institution | None,
        doing: str,
        agg: Aggregate,
        expected_version: int | None,
    ) -> None:
        """A trial's ministries, and its municipalities (or the institution's only)."""
        parties = self.trial_ministries(trial) | municipalities(trial, institution)
        self.allow(envelope, parties, doing, agg, expected_version)

    def _goal(
        self, envelope: Envelope, goal_id: UUID, expected_version: int | None, doing: str
    ) -> Goal:
        goal = self.get(Goal, goal_id)
        trial = self.get(Trial, goal.trial_id)
        institution = self.get_optional(Institution, goal.institution_id)
        self._allow_party(envelope, trial, institution, doing, goal, expected_version)
        return goal

    def _inspection(
        self, envelope: Envelope, inspection_id: UUID, expected_version: int | None
    ) -> Inspection:
        """An inspection, for the organisation that planned it (or the authority it named)."""
        inspection = self.get(Inspection, inspection_id)
        inspecting = {inspection.planned_by, inspection.authority}
        self.allow(envelope, inspecting, "record this inspection", inspection, expected_version)
        return inspection

    def _order(self, envelope: Envelope, order_id: UUID, expected_version: int | None) -> Order:
        """An order, for the organisation that planned its inspection only."""
        order = self.get(Order, order_id)
        self._inspection(envelope, order.inspection_id, None)
        self.expect(order, expected_version)
        return order

    def record_export(self, envelope: Envelope, **facts: Any) -> Written:
        """Record in the trail that an export was made for an authority."""
        return self._write(Export.record(self._ctx(envelope), **facts))

    @use_case
    def correct(
        self, envelope: Envelope, command: Correct, expected_version: int | None = None
    ) -> Written:
        """Correct one field of an earlier event by a new event; nothing is overwritten."""
        agg = self.get(Aggregate, command.aggregate_id)
        recorder = agg.recorded_by(command.event_id)
        if recorder is not None:  # an unknown event is refused by the correction itself
            require(envelope.actor.organisation, {recorder}, "correct what another recorded")
        self.expect(agg, expected_version)
        ctx = self._ctx(envelope)
        agg.correct(ctx, command.event_id, command.field, command.new_value, command.reason)
        return self._write(agg)
