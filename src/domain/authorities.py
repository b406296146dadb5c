"""The supervisory authorities that receive exports (DOMAIN.md's reference data)."""

from __future__ import annotations

SUPERVISORY_AUTHORITIES = frozenset(
    {
        "Ankestyrelsen",
        "Styrelsen for Patientsikkerhed",
        "Socialtilsyn",
        "Rigsrevisionen",
    }
)
