"""Institution enrolled in a trial: plejehjem, dagtilbud, botilbud, …"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from frispor.domain.aggregate import Aggregate, Context, Created
from frispor.domain.errors import InvalidValueError
from frispor.domain.programme import Network
from frispor.domain.trial import Trial
from frispor.domain.values import (
    Cvr,
    InstitutionKind,
    MunicipalityCode,
    Name,
    Ownership,
    PNumber,
    Value,
)

if TYPE_CHECKING:
    from frispor.domain.commands import EnrolInstitution


class InstitutionFacts(Value):
    """What an enrolment says of the institution: asked by the command, kept by the event."""

    name: Name
    kind: InstitutionKind
    municipality: MunicipalityCode
    ownership: Ownership
    cvr: Cvr | None = None
    p_number: PNumber | None = None


class Institution(Aggregate):
    """An institution enrolled in one trial, identified by CVR and/or P-nummer."""

    class Enrolled(InstitutionFacts, Created):
        """Its facts become the institution's state, name for name (Created.apply)."""

        trial_id: UUID
        network_id: UUID

    trial_id: UUID
    network_id: UUID
    name: str
    kind: InstitutionKind
    municipality: str
    cvr: str | None
    p_number: str | None
    ownership: Ownership

    @classmethod
    def enrol(
        cls,
        ctx: Context,
        trial: Trial,
        network: Network,
        command: EnrolInstitution,
    ) -> Institution:
        """Enrol an institution of a participating municipality in the trial."""
        trial.require_participant(command.municipality)
        if command.cvr is None and command.p_number is None:
            raise InvalidValueError(
                "an institution is identified by a CVR or a P-nummer (or both)", field="cvr"
            )
        return cls._start(
            cls.Enrolled,
            ctx,
            trial_id=trial.id,
            network_id=network.id,
            **command.facts(),
        )
