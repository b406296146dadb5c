"""Domain errors: every refusal names the rule it enforces and the offending value."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the domain raises; `rule` and `field` say what was broken."""

    rule: str = "domain"

    def __init__(self, message: str, *, field: str | None = None, value: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value


class InvalidValueError(DomainError, ValueError):
    """A value object was given a value it cannot hold (bad CVR, unknown municipality …)."""

    rule = "valid-value"


# The six rules of the domain, one class each.


class ProtectedCategoryError(DomainError):
    """Rule 1: no exemption from a rule in a protected category of the programme."""

    rule = "rule-1-protected-category"


class OutsideTrialPeriodError(DomainError):
    """Rule 2: an exemption's validity (or a dated decision) lies inside its trial's period."""

    rule = "rule-2-inside-trial-period"


class NotCompetentError(DomainError):
    """The caller's organisation is not competent for this decision (who may decide)."""

    rule = "competent-organisation"


class IncompetentGrantorError(NotCompetentError):
    """Rule 3: only the competent grantor may grant (and amend, reject or revoke)."""

    rule = "rule-3-competent-grantor"


class NotEnrolledError(DomainError):
    """Rule 4: an institution is enrolled in the trial before anything is granted for it."""

    rule = "rule-4-enrolled-first"


class EnrolmentLimitError(DomainError):
    """Rule 4: the programme's limit on enrolments per municipality holds."""

    rule = "rule-4-enrolment-limit"


class MissingLegalBasisError(DomainError):
    """Rule 5: every decision has a legal basis."""

    rule = "rule-5-legal-basis"


class MissingJustificationError(DomainError):
    """Rule 5: every decision has a justification."""

    rule = "rule-5-justification"


class CprNumberError(DomainError):
    """Rule 6: no CPR number is stored anywhere, free text included."""

    rule = "rule-6-no-cpr"


# Errors of lifecycle and reference, not of the six rules.


class InvalidTransitionError(DomainError):
    """The command does not fit the aggregate's current state (e.g. granting a revoked one)."""

    rule = "lifecycle"


class NotParticipatingError(DomainError):
    """A municipality that does not take part in the network or trial was named."""

    rule = "participation"


class InvalidCorrectionError(DomainError):
    """A correction names an event, field or old value that does not match the record."""

    rule = "correction"


class NotFoundError(DomainError):
    """No aggregate of the asked kind has that id."""

    rule = "not-found"


class ConcurrencyError(DomainError):
    """Another decision was recorded on the same aggregate first (stale version)."""

    rule = "optimistic-concurrency"


class WriteConflictError(ConcurrencyError):
    """A concurrent decision took a version this one meant to write; the use case may retry."""


class StoreRefusedError(DomainError):
    """The database refused to store the events (a constraint of its own); nothing was stored."""

    rule = "store-refused"
