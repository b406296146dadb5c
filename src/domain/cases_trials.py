"""Use cases of programmes, networks and trials."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from frispor.domain.aggregate import Envelope
from frispor.domain.core import Core, Written
from frispor.domain.exemption import Exemption
from frispor.domain.institution import Institution
from frispor.domain.programme import Network, Programme
from frispor.domain.trial import Trial
from frispor.domain.values import (
    Area,
    EvaluationKind,
    InstitutionKind,
    LegalReference,
    NetworkKind,
    Ownership,
    Period,
    ProgrammeKind,
    RuleCategory,
)


class TrialCases(Core):
    """Programmes, networks, trials and enrolment."""

    # --- programmes, networks, trials ------------------------------------------------------

    def establish_programme(
        self,
        envelope: Envelope,
        *,
        name: str,
        kind: ProgrammeKind,
        enabling_act: LegalReference,
        period: Period,
        ministry: str,
        protected_categories: tuple[RuleCategory, ...],
        max_institutions_per_municipality: int | None = None,
        new_id: UUID | None = None,
    ) -> Written:
        """Establish a trial programme."""
        programme = Programme.establish(
            self._ctx(envelope, new_id),
            name=name,
            kind=kind,
            enabling_act=enabling_act,
            period=period,
            ministry=ministry,
            protected_categories=protected_categories,
            max_institutions_per_municipality=max_institutions_per_municipality,
        )
        return self._write(programme)

    def designate_network(
        self,
        envelope: Envelope,
        programme_id: UUID,
        *,
        name: str,
        kind: NetworkKind,
        area: Area,
        municipalities: tuple[str, ...],
        coordinator: str | None = None,
        ministry: str | None = None,
    ) -> Written:
        """Designate a network or partnership in a programme."""
        programme = self.get(Programme, programme_id)
        network = Network.designate(
            self._ctx(envelope),
            programme,
            name=name,
            kind=kind,
            area=area,
            municipalities=municipalities,
            coordinator=coordinator,
            ministry=ministry,
        )
        return self._write(network)

    def approve_trial(
        self,
        envelope: Envelope,
        network_id: UUID,
        *,
        title: str,
        purpose: str,
        period: Period,
        municipalities: tuple[str, ...],
        areas: tuple[Area, ...] = (),
    ) -> Written:
        """Approve a trial in a network (about its theme and any areas declared with it)."""
        network = self.get(Network, network_id)
        programme = self.get(Programme, network.programme_id)
        trial = Trial.approve(
            self._ctx(envelope),
            programme,
            network,
            title=title,
            purpose=purpose,
            period=period,
            municipalities=municipalities,
            areas=areas,
        )
        return self._write(trial)

    def enrol_institution(
        self,
        envelope: Envelope,
        trial_id: UUID,
        *,
        name: str,
        kind: InstitutionKind,
        municipality: str,
        ownership: Ownership,
        cvr: str | None = None,
        p_number: str | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Enrol an institution in a trial, within the programme's limit per municipality."""
        ctx = self._ctx(envelope)
        trial = self.get(Trial, trial_id, expected_version)
        network = self.get(Network, trial.network_id)
        programme = self.get(Programme, trial.programme_id)
        institution = Institution.enrol(
            ctx,
            trial,
            network,
            name=name,
            kind=kind,
            municipality=municipality,
            ownership=ownership,
            cvr=cvr,
            p_number=p_number,
        )
        # Counted on the network in the same transaction: its version serialises enrolments.
        network.count_enrolment(ctx, programme, institution.id, trial.id, municipality)
        return self._write(institution, network)

    def extend_trial(
        self, envelope: Envelope, trial_id: UUID, new_end: date, expected_version: int | None = None
    ) -> Written:
        """Extend a trial to a later end."""
        trial = self.get(Trial, trial_id, expected_version)
        trial.extend(self._ctx(envelope), new_end)
        return self._write(trial)

    def end_trial(
        self,
        envelope: Envelope,
        trial_id: UUID,
        ended_on: date,
        expected_version: int | None = None,
    ) -> Written:
        """End a trial; every exemption it granted that is still in force expires with it."""
        ctx = self._ctx(envelope)
        trial = self.get(Trial, trial_id, expected_version)
        trial.end(ctx, ended_on)
        expired = []
        for exemption_id in trial.exemption_ids:
            exemption = self.get(Exemption, exemption_id)
            if exemption.expire(ctx, ended_on):
                expired.append(exemption)
        return self._write(trial, *expired)

    def make_trial_permanent(
        self,
        envelope: Envelope,
        trial_id: UUID,
        permanent_from: date,
        expected_version: int | None = None,
    ) -> Written:
        """Record that a trial was made permanent."""
        trial = self.get(Trial, trial_id, expected_version)
        trial.make_permanent(self._ctx(envelope), permanent_from)
        return self._write(trial)

    def publish_evaluation(
        self,
        envelope: Envelope,
        trial_id: UUID,
        *,
        kind: EvaluationKind,
        evaluator: str,
        published_on: date,
        location: str,
        summary: str = "",
    ) -> Written:
        """Record an evaluation of a trial."""
        trial = self.get(Trial, trial_id)
        trial.publish_evaluation(
            self._ctx(envelope),
            kind=kind,
            evaluator=evaluator,
            published_on=published_on,
            location=location,
            summary=summary,
        )
        return self._write(trial)
