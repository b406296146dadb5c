"""Complaint (klage) about a decision in a trial, and its decision."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from frispor.domain.aggregate import Aggregate, Context, Created, Event
from frispor.domain.errors import InvalidTransitionError
from frispor.domain.trial import Trial
from frispor.domain.values import ComplaintOutcome, Name, Text

if TYPE_CHECKING:
    from frispor.domain.commands import ReceiveComplaint


class Complaint(Aggregate):
    """A complaint received by a complaint body about a trial or an institution in it."""

    class Received(Created):
        is_decision = False
        valid_time = "received_on"
        takes_effect = "valid"
        trial_id: UUID
        institution_id: UUID | None = None
        complaint_body: Name
        subject: Text
        received_on: date

        def apply(self, complaint: Complaint) -> None:
            super().apply(complaint)
            complaint.outcome = None

    class Decided(Event):
        outcome: ComplaintOutcome

        def apply(self, complaint: Complaint) -> None:
            complaint.outcome = self.outcome

    trial_id: UUID
    institution_id: UUID | None
    complaint_body: str
    subject: str
    received_on: date
    outcome: ComplaintOutcome | None

    @classmethod
    def receive(
        cls,
        ctx: Context,
        trial: Trial,
        command: ReceiveComplaint,
        complaint_body: str,
    ) -> Complaint:
        """Record a complaint received."""
        return cls._start(
            cls.Received, ctx, trial_id=trial.id, complaint_body=complaint_body, **command.facts()
        )

    def decide(self, ctx: Context, outcome: ComplaintOutcome) -> None:
        """Record the decision on the complaint (reasons in the justification)."""
        if self.outcome is not None:
            raise InvalidTransitionError(f"the complaint was already decided: {self.outcome}")
        self._trigger(self.Decided, ctx, outcome=outcome)
