"""Exemption (fritagelse) from one rule: requested, granted or rejected, amended, ended."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import Field

from frispor.domain.aggregate import Aggregate, Context, Created, Event
from frispor.domain.errors import IncompetentGrantorError, InvalidTransitionError, NotEnrolledError
from frispor.domain.institution import Institution
from frispor.domain.programme import Network, Programme, responsible_ministries
from frispor.domain.trial import Trial
from frispor.domain.values import (
    LegalReference,
    MunicipalityCode,
    Period,
    RuleCategory,
    RuleLevel,
    Text,
    Value,
    municipality_organisation,
)

if TYPE_CHECKING:
    from frispor.domain.commands import AmendExemption, GrantExemption, RequestExemption


class ExemptionStatus(StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    REJECTED = "rejected"
    REVOKED = "revoked"
    EXPIRED = "expired"


Conditions = tuple[Text, ...]


class RequestFacts(Value):
    """What a request for an exemption says: asked by the command, kept by the event."""

    municipality: MunicipalityCode
    institution_id: UUID | None = None
    rule: LegalReference
    level: RuleLevel
    category: RuleCategory
    description: Text


class Exemption(Aggregate):
    """An exemption from one rule, for a municipality or one of its enrolled institutions."""

    class Requested(RequestFacts, Created):
        trial_id: UUID
        programme_id: UUID

        def apply(self, exemption: Exemption) -> None:
            super().apply(exemption)
            exemption.status = ExemptionStatus.REQUESTED
            exemption.grantor = None
            exemption.conditions = ()
            exemption.validity = None
            exemption.ended_on = None

    class Granted(Event):
        # Version 1 carried the validity as two loose dates; see upcast_v1_v2.
        class_version = 2
        valid_time = "validity"
        grantor: str = Field(min_length=1, max_length=500)
        conditions: Conditions = ()
        validity: Period

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Fold v1's valid_from/valid_to into one validity period."""
            state["validity"] = {"start": state.pop("valid_from"), "end": state.pop("valid_to")}

        def apply(self, exemption: Exemption) -> None:
            exemption.status = ExemptionStatus.GRANTED
            exemption.grantor = self.grantor
            exemption.conditions = self.conditions
            exemption.validity = self.validity

    class Rejected(Event):
        reason: Text

        def apply(self, exemption: Exemption) -> None:
            exemption.status = ExemptionStatus.REJECTED

    class Amended(Event):
        valid_time = "validity"  # from the decision where it changes the conditions only
        validity: Period | None = None
        conditions: Conditions | None = None

        def apply(self, exemption: Exemption) -> None:
            if self.validity is not None:
                exemption.validity = self.validity
            if self.conditions is not None:
                exemption.conditions = self.conditions

    class Revoked(Event):
        valid_time = "revoked_on"
        takes_effect = "valid"
        revoked_on: date
        reason: Text

        def apply(self, exemption: Exemption) -> None:
            exemption.status = ExemptionStatus.REVOKED
            exemption.ended_on = self.revoked_on

    class Expired(Event):
        """The trial ended: the exemption stops being in force on that day."""

        is_decision = False
        valid_time = "expired_on"
        takes_effect = "after"  # in force through the trial's last day
        expired_on: date

        def apply(self, exemption: Exemption) -> None:
            exemption.status = ExemptionStatus.EXPIRED
            exemption.ended_on = self.expired_on

    trial_id: UUID
    programme_id: UUID
    municipality: str
    institution_id: UUID | None
    rule: LegalReference
    level: RuleLevel
    category: RuleCategory
    description: str
    status: ExemptionStatus
    grantor: str | None
    conditions: tuple[str, ...]
    validity: Period | None
    ended_on: date | None

    @classmethod
    def request(
        cls,
        ctx: Context,
        programme: Programme,
        trial: Trial,
        command: RequestExemption,
        institution: Institution | None = None,
    ) -> Exemption:
        """Request an exemption; a rule in a protected category is refused at once."""
        trial.require_participant(command.municipality)
        programme.refuse_protected(command.category, command.rule)
        if institution is not None:
            require_enrolled(institution, trial, command.municipality)
        return cls._start(
            cls.Requested,
            ctx,
            trial_id=trial.id,
            programme_id=programme.id,
            **command.facts("institution_id"),
            institution_id=institution.id if institution else None,
        )

    def _require(self, *allowed: ExemptionStatus, doing: str) -> None:
        if self.status not in allowed:
            raise InvalidTransitionError(
                f"cannot {doing} an exemption that is {self.status}", field="status"
            )

    def grant(
        self,
        ctx: Context,
        programme: Programme,
        network: Network,
        trial: Trial,
        command: GrantExemption,
        institution: Institution | None = None,
    ) -> None:
        """Grant the exemption: rules 1 to 4 are checked here."""
        self._require(ExemptionStatus.REQUESTED, doing="grant")
        programme.refuse_protected(self.category, self.rule)
        trial.require_inside(command.validity, "the exemption's validity")
        grantor = ctx.envelope.actor.organisation
        require_competent(grantor, self.level, self.municipality, programme, network)
        if self.institution_id is not None:
            if institution is None or institution.id != self.institution_id:
                raise NotEnrolledError(
                    f"rule 4: institution {self.institution_id} is not enrolled",
                    field="institution_id",
                )
            require_enrolled(institution, trial, self.municipality)
        self._trigger(self.Granted, ctx, grantor=grantor, **command.facts())

    def reject(self, ctx: Context, reason: str) -> None:
        """Reject the request."""
        self._require(ExemptionStatus.REQUESTED, doing="reject")
        self._trigger(self.Rejected, ctx, reason=reason)

    def amend(
        self,
        ctx: Context,
        trial: Trial,
        programme: Programme,
        network: Network,
        command: AmendExemption,
    ) -> None:
        """Amend a granted exemption's validity or conditions (by its competent grantor)."""
        validity = command.validity
        self._require(ExemptionStatus.GRANTED, doing="amend")
        require_competent(
            ctx.envelope.actor.organisation, self.level, self.municipality, programme, network
        )
        if validity is None and command.conditions is None:
            raise InvalidTransitionError("an amendment changes validity or conditions")
        if validity is not None:
            trial.require_inside(validity, "the exemption's validity")
        self._trigger(self.Amended, ctx, **command.facts())

    def revoke(self, ctx: Context, revoked_on: date, reason: str) -> None:
        """Revoke a granted exemption from a date."""
        self._require(ExemptionStatus.GRANTED, doing="revoke")
        self._trigger(self.Revoked, ctx, revoked_on=revoked_on, reason=reason)

    def expire(self, ctx: Context, expired_on: date) -> bool:
        """Expire the exemption because its trial ended; False where it was not in force."""
        if self.status is not ExemptionStatus.GRANTED:
            return False
        assert self.validity is not None
        if self.validity.end <= expired_on:
            return False
        self._trigger(self.Expired, ctx, expired_on=expired_on)
        return True


def require_competent(
    grantor: str, level: RuleLevel, municipality: str, programme: Programme, network: Network
) -> None:
    """Rule 3: state rules by the responsible ministry, others by the municipality's council."""
    if level is RuleLevel.STATE:
        competent = responsible_ministries(programme, network)
        what = "the responsible ministry " + " or ".join(sorted(competent))
    else:
        competent = {municipality_organisation(municipality)}
        what = f"the council of municipality {municipality} or its delegate"
    if grantor not in competent:
        raise IncompetentGrantorError(
            f"rule 3: a {level} rule can only be granted by {what}, not by '{grantor}'",
            field="grantor",
            value=grantor,
        )


def require_enrolled(institution: Institution, trial: Trial, municipality: str) -> None:
    """Rule 4: the institution is enrolled in this trial, in this municipality."""
    if institution.trial_id != trial.id or institution.municipality != municipality:
        raise NotEnrolledError(
            f"rule 4: institution '{institution.name}' is not enrolled in the trial "
            f"'{trial.title}' for municipality {municipality}",
            field="institution_id",
            value=str(institution.id),
        )
