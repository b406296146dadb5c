"""Who may decide what an import holds: the same organisations the command routes allow.

The command routes check the caller's organisation before calling a use case (`access`); an
import calls the use cases directly, so it applies the same checks to every line. Once the use
cases decide who may decide themselves, these checks are theirs and this module goes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from frispor.api import access
from frispor.domain.aggregate import Aggregate
from frispor.domain.application import Frispor
from frispor.domain.errors import DomainError
from frispor.domain.values import municipality_organisation

Parties = Callable[[Frispor, Mapping[str, UUID], Any], set[str]]


class NotCompetentError(DomainError):
    """The importer's organisation may not record this decision (the API would answer 403)."""

    rule = "competent-organisation"


def _corrector(app: Frispor, refs: Mapping[str, UUID], body: Any) -> set[str]:
    """Only the organisation that recorded an event corrects it (this import's lines too)."""
    agg = app.get(Aggregate, refs["corrects"])
    for event in agg._log:  # the events the aggregate was built from, this import's too
        if event.event_id == refs["event"]:
            return {event.envelope.actor.organisation}
    return set()


def _trial(municipal: bool = True) -> Parties:
    return lambda app, r, b: access.trial_parties(app, r["trial"], municipal)


PARTIES: dict[str, Parties] = {
    "programme": lambda app, r, b: {b.ministry},
    "network": lambda app, r, b: access.programme_of(app, r["programme"]),
    "trial": lambda app, r, b: access.ministries(app, b.network_id),
    "institution": lambda app, r, b: (
        access.trial_parties(app, r["trial"], False) | {municipality_organisation(b.municipality)}
    ),
    "trial-extend": _trial(False),
    "trial-end": _trial(False),
    "trial-permanent": _trial(False),
    "evaluation": _trial(),
    "exemption": lambda app, r, b: (
        access.trial_parties(app, r["trial"], False) | {municipality_organisation(b.municipality)}
    ),
    "exemption-reject": lambda app, r, b: access.grantors(app, r["exemption"]),
    "exemption-revoke": lambda app, r, b: access.grantors(app, r["exemption"]),
    "goal": _trial(),
    "goal-revise": lambda app, r, b: access.goal_parties(app, r["goal"]),
    "measurement": lambda app, r, b: access.goal_parties(app, r["goal"]),
    "inspection-perform": lambda app, r, b: access.inspecting(app, r["inspection"]),
    "report": lambda app, r, b: access.inspecting(app, r["inspection"]),
    "order": lambda app, r, b: access.inspecting(app, r["inspection"]),
    "order-comply": lambda app, r, b: access.order_authority(app, r["order"]),
    "order-escalate": lambda app, r, b: access.order_authority(app, r["order"]),
    "complaint-decide": lambda app, r, b: access.complaint_body(app, r["complaint"]),
    "correction": _corrector,
}


def require(
    kind: str, app: Frispor, organisation: str, refs: Mapping[str, UUID], body: Any
) -> None:
    """Refuse the line unless the importer's organisation may record it."""
    parties = PARTIES.get(kind)
    if parties is None:
        return  # the use case decides (a grant's grantor, rule 3) or the caller is the party
    allowed = parties(app, refs, body)
    if organisation not in allowed:
        raise NotCompetentError(
            f"a recorder of '{organisation}' may not record a {kind}; "
            f"that is for {', '.join(sorted(allowed)) or 'another organisation'}",
            field="organisation",
        )
