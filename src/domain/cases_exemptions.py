"""Use cases of exemptions."""

from __future__ import annotations

from uuid import UUID

from frispor.domain.aggregate import Envelope
from frispor.domain.commands import (
    AmendExemption,
    GrantExemption,
    RejectExemption,
    RequestExemption,
    RevokeExemption,
)
from frispor.domain.competence import require_grantor
from frispor.domain.core import Core, Written, use_case
from frispor.domain.exemption import Exemption
from frispor.domain.institution import Institution
from frispor.domain.programme import Network, Programme
from frispor.domain.trial import Trial


class ExemptionCases(Core):
    """Requests for exemptions and the decisions on them."""

    # --- exemptions -------------------------------------------------------------------------

    @use_case
    def request_exemption(
        self,
        envelope: Envelope,
        trial_id: UUID,
        command: RequestExemption,
        expected_version: int | None = None,
    ) -> Written:
        """Request an exemption from one rule in a trial (its ministries or that council)."""
        ctx = self._ctx(envelope)
        doing = f"request an exemption for municipality {command.municipality}"
        trial, programme, _ = self.trial_for_council(
            envelope, trial_id, command.municipality, doing, expected_version
        )
        institution = self.get_optional(Institution, command.institution_id)
        exemption = Exemption.request(ctx, programme, trial, command, institution)
        trial.file_exemption(ctx, exemption.id)
        return self._write(exemption, trial)

    def _decision(
        self, envelope: Envelope, exemption_id: UUID, expected_version: int | None
    ) -> tuple[Exemption, Programme, Network, Trial, Institution | None]:
        """Load an exemption and its context; refuse anyone but its competent grantor (rule 3)."""
        exemption = self.get(Exemption, exemption_id)
        programme, network, trial, institution = self._exemption_context(exemption)
        require_grantor(envelope.actor.organisation, exemption, programme, network)
        self.expect(exemption, expected_version)
        return exemption, programme, network, trial, institution

    def _exemption_context(
        self, exemption: Exemption
    ) -> tuple[Programme, Network, Trial, Institution | None]:
        trial = self.get(Trial, exemption.trial_id)
        return (
            self.get(Programme, trial.programme_id),
            self.get(Network, trial.network_id),
            trial,
            self.get_optional(Institution, exemption.institution_id),
        )

    @use_case
    def grant_exemption(
        self,
        envelope: Envelope,
        exemption_id: UUID,
        command: GrantExemption,
        expected_version: int | None = None,
    ) -> Written:
        """Grant a requested exemption; the grantor is the actor's organisation."""
        exemption, programme, network, trial, institution = self._decision(
            envelope, exemption_id, expected_version
        )
        ctx = self._ctx(envelope)
        exemption.grant(ctx, programme, network, trial, command, institution)
        return self._write(exemption)

    @use_case
    def reject_exemption(
        self,
        envelope: Envelope,
        exemption_id: UUID,
        command: RejectExemption,
        expected_version: int | None = None,
    ) -> Written:
        """Reject a requested exemption (by its competent grantor)."""
        exemption = self._decision(envelope, exemption_id, expected_version)[0]
        exemption.reject(self._ctx(envelope), command.reason)
        return self._write(exemption)

    @use_case
    def amend_exemption(
        self,
        envelope: Envelope,
        exemption_id: UUID,
        command: AmendExemption,
        expected_version: int | None = None,
    ) -> Written:
        """Amend a granted exemption's validity or conditions."""
        exemption, programme, network, trial, _ = self._decision(
            envelope, exemption_id, expected_version
        )
        exemption.amend(self._ctx(envelope), trial, programme, network, command)
        return self._write(exemption)

    @use_case
    def revoke_exemption(
        self,
        envelope: Envelope,
        exemption_id: UUID,
        command: RevokeExemption,
        expected_version: int | None = None,
    ) -> Written:
        """Revoke a granted exemption from a date (by its competent grantor)."""
        exemption = self._decision(envelope, exemption_id, expected_version)[0]
        exemption.revoke(self._ctx(envelope), command.revoked_on, command.reason)
        return self._write(exemption)
