"""The days the review reasons with: when an exemption is in force, when a measurement is due."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from frispor.domain.exemption import Exemption, ExemptionStatus


def in_force_days(x: Exemption) -> tuple[date, date] | None:
    """First and last day an exemption is in force as its state stands (None if never).

    Written apart from the exemptions read model's `in_force` on purpose: `frispor replay`
    compares the read models with this second, independent derivation.
    """
    if x.validity is None or x.status not in (
        ExemptionStatus.GRANTED,
        ExemptionStatus.REVOKED,
        ExemptionStatus.EXPIRED,
    ):
        return None
    end = x.validity.end
    if x.status is ExemptionStatus.REVOKED and x.ended_on:
        end = min(end, x.ended_on - timedelta(days=1))
    if x.status is ExemptionStatus.EXPIRED and x.ended_on:
        end = min(end, x.ended_on)
    return (x.validity.start, end) if end >= x.validity.start else None


@lru_cache(maxsize=1 << 16)  # asked for every checkpoint of a goal each time it is measured
def measure_by(day: date, months: int) -> date:
    """The last day a measurement after one ending `day` is not yet overdue."""
    return _add_months(day, months) + timedelta(days=31)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))
