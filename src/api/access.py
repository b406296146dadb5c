"""Which organisation may record which decision: a recorder writes for its own organisation only."""

from __future__ import annotations

from uuid import UUID

from frispor.api.auth import ForbiddenError, Principal
from frispor.domain.application import Frispor
from frispor.domain.exemption import Exemption
from frispor.domain.goal import Goal
from frispor.domain.inspection import Inspection, Order
from frispor.domain.programme import Network, Programme
from frispor.domain.trial import Trial
from frispor.domain.values import RuleLevel, municipality_organisation


def allow(principal: Principal, allowed: set[str], what: str) -> None:
    """Deny unless the caller's organisation is one of those allowed."""
    if principal.organisation not in allowed:
        raise ForbiddenError(
            f"a recorder of '{principal.organisation}' may not {what}; "
            f"that is for {', '.join(sorted(allowed))}"
        )


def ministries(app: Frispor, network_id: UUID) -> set[str]:
    """The ministries responsible for a network: its own and its programme's."""
    network = app.get(Network, network_id)
    programme = app.get(Programme, network.programme_id)
    return {programme.ministry} | ({network.ministry} if network.ministry else set())


def trial_parties(app: Frispor, trial_id: UUID, municipal: bool = True) -> set[str]:
    """Who may record for a trial: its ministries and (for municipal facts) its municipalities."""
    trial = app.get(Trial, trial_id)
    parties = ministries(app, trial.network_id)
    if municipal:
        parties |= {municipality_organisation(m) for m in trial.municipalities}
    return parties


def grantors(app: Frispor, exemption_id: UUID) -> set[str]:
    """Who decides on an exemption: the ministry for state rules, else the council (rule 3)."""
    exemption = app.get(Exemption, exemption_id)
    if exemption.level is RuleLevel.STATE:
        return ministries(app, app.get(Trial, exemption.trial_id).network_id)
    return {municipality_organisation(exemption.municipality)}


def goal_parties(app: Frispor, goal_id: UUID) -> set[str]:
    """Who may revise a goal or record its measurements."""
    return trial_parties(app, app.get(Goal, goal_id).trial_id)


def inspecting(app: Frispor, inspection_id: UUID) -> set[str]:
    """The authority that planned an inspection is the one that records it."""
    return {app.get(Inspection, inspection_id).authority}


def order_authority(app: Frispor, order_id: UUID) -> set[str]:
    """The authority whose inspection gave the order."""
    return inspecting(app, app.get(Order, order_id).inspection_id)


def corrector(app: Frispor, aggregate_id: UUID, event_id: UUID) -> set[str]:
    """Only the organisation that recorded an event corrects it."""
    for event in app.history(aggregate_id):
        if event.event_id == event_id:
            return {event.envelope.actor.organisation}
    return {"(the organisation that recorded the event)"}


def programme_of(app: Frispor, programme_id: UUID) -> set[str]:
    """The programme's ministry."""
    return {app.get(Programme, programme_id).ministry}


def complaint_body(app: Frispor, complaint_id: UUID) -> set[str]:
    """The complaint body that received a complaint decides it."""
    from frispor.domain.complaint import Complaint

    return {app.get(Complaint, complaint_id).complaint_body}
