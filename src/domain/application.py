"""The use cases: load aggregates, run one command, save, return the id and position written."""

from __future__ import annotations

from frispor.domain.cases_exemptions import ExemptionCases
from frispor.domain.cases_oversight import OversightCases
from frispor.domain.cases_trials import TrialCases
from frispor.domain.core import Written, utc_now
from frispor.domain.import_record import ImportCases

APP_NAME = "frispor"

__all__ = ["Frispor", "Written", "utc_now"]


class Frispor(TrialCases, ExemptionCases, OversightCases, ImportCases):
    """The trail of the rule-exemption trials: every decision an immutable event."""

    name = APP_NAME
