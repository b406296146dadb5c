"""Programme (forsøgsprogram) and network or partnership (frikommunenetværk, partnerskab)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from pydantic import Field

from frispor.domain.aggregate import Aggregate, Context, Created, Event
from frispor.domain.errors import EnrolmentLimitError, InvalidValueError, ProtectedCategoryError
from frispor.domain.values import (
    Area,
    LegalReference,
    MunicipalityCode,
    Name,
    NetworkKind,
    Period,
    ProgrammeKind,
    RuleCategory,
    Value,
)

if TYPE_CHECKING:
    from frispor.domain.commands import DesignateNetwork, EstablishProgramme


class ProgrammeFacts(Value):
    """What establishing a programme says: asked by the command, kept by the event."""

    name: Name
    kind: ProgrammeKind
    enabling_act: LegalReference
    period: Period
    ministry: Name
    protected_categories: tuple[RuleCategory, ...]
    max_institutions_per_municipality: int | None = Field(default=None, ge=1)


class NetworkFacts(Value):
    """What designating a network says: asked by the command, kept by the event."""

    name: Name
    kind: NetworkKind
    area: Area
    municipalities: tuple[MunicipalityCode, ...] = Field(min_length=1)
    coordinator: MunicipalityCode | None = None
    ministry: Name | None = None


class Programme(Aggregate):
    """A trial programme: enabling act, period, ministry, protected rules, enrolment limits."""

    class Established(ProgrammeFacts, Created):
        def apply(self, programme: Programme) -> None:
            programme.name = self.name
            programme.kind = self.kind
            programme.period = self.period
            programme.enabling_act = self.enabling_act
            programme.ministry = self.ministry
            programme.protected_categories = frozenset(self.protected_categories)
            programme.max_institutions = self.max_institutions_per_municipality

    name: str
    kind: ProgrammeKind
    period: Period
    enabling_act: LegalReference
    ministry: str
    protected_categories: frozenset[RuleCategory]
    max_institutions: int | None

    @classmethod
    def establish(cls, ctx: Context, command: EstablishProgramme) -> Programme:
        """Establish a programme under its enabling act."""
        categories = tuple(dict.fromkeys(command.protected_categories))
        facts = {**command.facts(), "protected_categories": categories}
        return cls._start(cls.Established, ctx, **facts)

    def refuse_protected(self, category: RuleCategory, rule: LegalReference) -> None:
        """Rule 1: raise if the category is protected in this programme."""
        if category in self.protected_categories:
            raise ProtectedCategoryError(
                f"rule 1: no exemption may be granted from {rule} in the protected category "
                f"'{category}' of the programme '{self.name}'",
                field="category",
                value=str(category),
            )


class Network(Aggregate):
    """A network or partnership of municipalities around a theme, inside a programme."""

    class Designated(NetworkFacts, Created):
        programme_id: UUID

        def apply(self, network: Network) -> None:
            super().apply(network)
            network.enrolments = {}

    class InstitutionCounted(Event):
        """Bookkeeping for the enrolment limit; saved with the enrolment it counts."""

        is_decision = False
        bookkeeping = True
        institution_id: UUID
        trial_id: UUID
        municipality: MunicipalityCode

        def apply(self, network: Network) -> None:
            network.enrolments.setdefault(self.municipality, []).append(self.institution_id)

    programme_id: UUID
    name: str
    kind: NetworkKind
    area: Area
    municipalities: tuple[str, ...]
    coordinator: str | None
    ministry: str | None
    enrolments: dict[str, list[UUID]]

    @classmethod
    def designate(cls, ctx: Context, programme: Programme, command: DesignateNetwork) -> Network:
        """Designate a network or partnership with its member municipalities."""
        members = tuple(dict.fromkeys(command.municipalities))
        coordinator = command.coordinator
        if coordinator is not None and coordinator not in members:
            raise InvalidValueError(
                f"coordinator {coordinator} is not a member of the network",
                field="coordinator",
                value=coordinator,
            )
        return cls._start(
            cls.Designated,
            ctx,
            programme_id=programme.id,
            **{**command.facts(), "municipalities": members},
        )

    def count_enrolment(
        self, ctx: Context, programme: Programme, institution_id: UUID, trial_id: UUID, code: str
    ) -> None:
        """Rule 4: count an enrolment, refusing one past the programme's limit."""
        already = self.enrolments.get(code, [])
        limit = programme.max_institutions
        if limit is not None and len(already) >= limit:
            raise EnrolmentLimitError(
                f"rule 4: municipality {code} already has {len(already)} institution(s) in "
                f"'{self.name}'; the programme '{programme.name}' allows at most {limit}",
                field="municipality",
                value=code,
            )
        self._trigger(
            self.InstitutionCounted,
            ctx,
            institution_id=institution_id,
            trial_id=trial_id,
            municipality=code,
        )


def responsible_ministries(programme: Programme, network: Network) -> set[str]:
    """The ministries responsible for a network: its programme's and its own."""
    return {programme.ministry} | ({network.ministry} if network.ministry else set())
