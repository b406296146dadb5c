"""Who may decide: the organisations competent for each kind of decision (deny by default)."""

from __future__ import annotations

from collections.abc import Iterable

from frispor.domain.errors import NotCompetentError
from frispor.domain.exemption import Exemption, require_competent
from frispor.domain.institution import Institution
from frispor.domain.programme import Network, Programme, responsible_ministries
from frispor.domain.trial import Trial
from frispor.domain.values import municipality_organisation

# National supervisory authorities inspect an institution wherever it lies; a municipality
# inspects only its own institutions.
INSPECTING_AUTHORITIES = frozenset(
    {
        "Styrelsen for Patientsikkerhed",
        "Socialtilsyn Hovedstaden",
        "Socialtilsyn Midt",
        "Socialtilsyn Nord",
        "Socialtilsyn Syd",
        "Socialtilsyn Øst",
    }
)
# Bodies that receive complaints about any trial, beside the trial's own parties.
COMPLAINT_BODIES = INSPECTING_AUTHORITIES | {"Ankestyrelsen"}


def require(organisation: str, competent: Iterable[str], doing: str) -> None:
    """Refuse unless the organisation is one of the competent ones."""
    allowed = set(competent)
    if organisation not in allowed:
        raise NotCompetentError(
            f"'{organisation}' may not {doing}; that is for {', '.join(sorted(allowed))}",
            field="organisation",
            value=organisation,
        )


def ministries(programme: Programme, network: Network) -> set[str]:
    """The ministries responsible for a network: its programme's and its own."""
    return responsible_ministries(programme, network)


def municipalities(trial: Trial, institution: Institution | None = None) -> set[str]:
    """The councils of a trial's municipalities, or of one institution's municipality only."""
    if institution is not None:
        return {municipality_organisation(institution.municipality)}
    return {municipality_organisation(m) for m in trial.municipalities}


def require_grantor(
    organisation: str, exemption: Exemption, programme: Programme, network: Network
) -> None:
    """Rule 3 for every decision on an exemption: grant, amend, reject and revoke."""
    require_competent(organisation, exemption.level, exemption.municipality, programme, network)


def inspectors(institution: Institution) -> set[str]:
    """Who may plan an inspection: the institution's municipality or a national authority."""
    return {municipality_organisation(institution.municipality)} | INSPECTING_AUTHORITIES
