"""Given-when-then helpers for domain tests: aggregates built in memory, no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from frispor.domain.aggregate import Aggregate, Context, Envelope, Event
from frispor.domain.commands import (
    ApproveTrial,
    DesignateNetwork,
    EnrolInstitution,
    EstablishProgramme,
    RequestExemption,
)
from frispor.domain.exemption import Exemption
from frispor.domain.institution import Institution
from frispor.domain.programme import Network, Programme
from frispor.domain.trial import Trial
from frispor.domain.values import (
    Actor,
    Area,
    InstitutionKind,
    LegalReference,
    NetworkKind,
    Ownership,
    Period,
    ProgrammeKind,
    Role,
    RuleCategory,
    RuleLevel,
)

MINISTRY = "Økonomi- og Indenrigsministeriet"
BASIS = LegalReference.parse("eli/lta/2017/658", "§ 1", "lov om frikommunenetværk")
RULE = LegalReference.parse("eli/lta/2017/988", "§ 151, stk. 2", "serviceloven")
_clock = [datetime(2018, 1, 1, tzinfo=UTC)]


def ctx(
    organisation: str = MINISTRY,
    *,
    decided_on: date = date(2018, 1, 1),
    justification: str = "because",
    basis: tuple[LegalReference, ...] = (BASIS,),
) -> Context:
    """A command context with a ticking recorded time."""
    _clock[0] += timedelta(seconds=1)
    envelope = Envelope(
        actor=Actor(id="u-1", role=Role.RECORDER, organisation=organisation),
        legal_basis=basis,
        justification=justification,
        decided_on=decided_on,
    )
    return Context(envelope=envelope, recorded_at=_clock[0])


def settled(agg: Aggregate) -> Aggregate:
    """Forget the aggregate's pending events: they are the 'given'."""
    agg.collect_events()
    return agg


def then(agg: Aggregate) -> list[Event]:
    """The events the 'when' step triggered."""
    return agg.collect_events()


def world(
    *, kind: ProgrammeKind = ProgrammeKind.FRIINSTITUTION, limit: int | None = 2
) -> dict[str, Any]:
    """A programme, a partnership of 101/147/751, a trial 2018 for 101 and 147, two institutions."""
    programme = Programme.establish(
        ctx(),
        EstablishProgramme(
            name="Friinstitutioner 2018",
            kind=kind,
            enabling_act=BASIS,
            period=Period(start=date(2018, 1, 1), end=date(2021, 12, 31)),
            ministry=MINISTRY,
            protected_categories=(RuleCategory.MAGTANVENDELSE, RuleCategory.TILSYN),
            max_institutions_per_municipality=limit,
        ),
    )
    network = Network.designate(
        ctx(),
        programme,
        DesignateNetwork(
            name="Ældre",
            kind=NetworkKind.PARTNERSHIP,
            area=Area.AELDRE,
            municipalities=("101", "147", "751"),
            ministry="Sundhedsministeriet",
        ),
    )
    trial = Trial.approve(
        ctx(),
        programme,
        network,
        ApproveTrial(
            network_id=network.id,
            title="Friplejehjem",
            purpose="Resultatmål i stedet for regler",
            period=Period(start=date(2018, 3, 1), end=date(2018, 12, 31)),
            municipalities=("101", "147"),
        ),
    )
    home = Institution.enrol(
        ctx("kommune:101"),
        trial,
        network,
        EnrolInstitution(
            name="Plejecenter Østerbro",
            kind=InstitutionKind.PLEJEHJEM,
            municipality="101",
            ownership=Ownership.KOMMUNAL,
            cvr="29556814",
        ),
    )
    for agg in (programme, network, trial, home):
        settled(agg)
    return {"programme": programme, "network": network, "trial": trial, "home": home}


def requested(
    w: dict[str, Any],
    *,
    level: RuleLevel = RuleLevel.STATE,
    category: RuleCategory = RuleCategory.TILSYNSFORM,
    municipality: str = "101",
    institution: Institution | None = None,
) -> Exemption:
    """An exemption requested in the world's trial."""
    x = Exemption.request(
        ctx("kommune:101"),
        w["programme"],
        w["trial"],
        RequestExemption(
            municipality=municipality,
            rule=RULE,
            level=level,
            category=category,
            description="Anmeldte tilsyn",
        ),
        institution=institution,
    )
    settled(x)
    return x
