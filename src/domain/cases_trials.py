"""Use cases of programmes, networks and trials."""

from __future__ import annotations

from uuid import UUID

from frispor.domain.aggregate import Envelope
from frispor.domain.commands import (
    ApproveTrial,
    DesignateNetwork,
    EndTrial,
    EnrolInstitution,
    EstablishProgramme,
    ExtendTrial,
    MakeTrialPermanent,
    PublishEvaluation,
)
from frispor.domain.competence import ministries, municipalities, require
from frispor.domain.core import Core, Written, use_case
from frispor.domain.exemption import Exemption
from frispor.domain.institution import Institution
from frispor.domain.programme import Network, Programme
from frispor.domain.trial import Trial


class TrialCases(Core):
    """Programmes, networks, trials and enrolment."""

    # --- programmes, networks, trials ------------------------------------------------------

    @use_case
    def establish_programme(
        self, envelope: Envelope, command: EstablishProgramme, new_id: UUID | None = None
    ) -> Written:
        """Establish a trial programme (by the ministry responsible for it)."""
        ministry = {command.ministry}
        require(envelope.actor.organisation, ministry, "establish a programme of that ministry")
        return self._write(Programme.establish(self._ctx(envelope, new_id), command))

    @use_case
    def designate_network(
        self,
        envelope: Envelope,
        programme_id: UUID,
        command: DesignateNetwork,
        expected_version: int | None = None,
    ) -> Written:
        """Designate a network or partnership in a programme (by the programme's ministry)."""
        programme = self.get(Programme, programme_id)
        self.allow(
            envelope, {programme.ministry}, "designate a network in it", programme, expected_version
        )
        return self._write(Network.designate(self._ctx(envelope), programme, command))

    @use_case
    def approve_trial(self, envelope: Envelope, command: ApproveTrial) -> Written:
        """Approve a trial in a network (by its ministries; about its theme and declared areas)."""
        network = self.get(Network, command.network_id)
        programme = self.get(Programme, network.programme_id)
        require(envelope.actor.organisation, ministries(programme, network), "approve its trials")
        return self._write(Trial.approve(self._ctx(envelope), programme, network, command))

    @use_case
    def enrol_institution(
        self,
        envelope: Envelope,
        trial_id: UUID,
        command: EnrolInstitution,
        expected_version: int | None = None,
    ) -> Written:
        """Enrol an institution in a trial, within the programme's limit per municipality."""
        ctx = self._ctx(envelope)
        municipality = command.municipality
        doing = f"enrol an institution of municipality {municipality}"
        trial, programme, network = self.trial_for_council(
            envelope, trial_id, municipality, doing, expected_version
        )
        institution = Institution.enrol(ctx, trial, network, command)
        # Counted on the network in the same transaction: its version serialises enrolments.
        network.count_enrolment(ctx, programme, institution.id, trial.id, municipality)
        return self._write(institution, network)

    @use_case
    def extend_trial(
        self,
        envelope: Envelope,
        trial_id: UUID,
        command: ExtendTrial,
        expected_version: int | None = None,
    ) -> Written:
        """Extend a trial to a later end."""
        trial = self._trial_for_ministry(envelope, trial_id, expected_version, "extend it")
        trial.extend(self._ctx(envelope), command.new_end)
        return self._write(trial)

    @use_case
    def end_trial(
        self,
        envelope: Envelope,
        trial_id: UUID,
        command: EndTrial,
        expected_version: int | None = None,
    ) -> Written:
        """End a trial; every exemption it granted that is still in force expires with it."""
        ctx = self._ctx(envelope)
        trial = self._trial_for_ministry(envelope, trial_id, expected_version, "end it")
        trial.end(ctx, command.ended_on)
        expired = []
        for exemption_id in trial.exemption_ids:
            exemption = self.get(Exemption, exemption_id)
            if exemption.expire(ctx, command.ended_on):
                expired.append(exemption)
        return self._write(trial, *expired)

    @use_case
    def make_trial_permanent(
        self,
        envelope: Envelope,
        trial_id: UUID,
        command: MakeTrialPermanent,
        expected_version: int | None = None,
    ) -> Written:
        """Record that a trial was made permanent."""
        trial = self._trial_for_ministry(envelope, trial_id, expected_version, "make it permanent")
        trial.make_permanent(self._ctx(envelope), command.permanent_from)
        return self._write(trial)

    @use_case
    def publish_evaluation(
        self,
        envelope: Envelope,
        trial_id: UUID,
        command: PublishEvaluation,
        expected_version: int | None = None,
    ) -> Written:
        """Record an evaluation of a trial (by its ministries or municipalities)."""
        trial = self.get(Trial, trial_id)
        parties = self.trial_ministries(trial) | municipalities(trial)
        self.allow(envelope, parties, "evaluate this trial", trial, expected_version)
        trial.publish_evaluation(self._ctx(envelope), command)
        return self._write(trial)

    def _trial_for_ministry(
        self, envelope: Envelope, trial_id: UUID, expected_version: int | None, doing: str
    ) -> Trial:
        trial = self.get(Trial, trial_id)
        self.allow(envelope, self.trial_ministries(trial), doing, trial, expected_version)
        return trial
