"""The parsing types of query parameters: days, moments and positions, alike on every route.

Each refuses what a store could not hold or a conversion could not make (a 422 that names the
parameter) instead of failing deep inside a query: a moment that leaves the years 1-9999 once
turned into UTC, an integer beyond the 64 bits both stores keep positions in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from annotated_types import Ge, Le
from pydantic import AfterValidator

# Where the record is kept: a day or a time given without a zone is a Danish one.
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
# Positions and tree sizes are BIGINT on PostgreSQL and INTEGER on SQLite: signed 64 bits.
MAX_POSITION = 2**63 - 1


def instant(value: datetime) -> datetime:
    """A moment with its zone (Europe/Copenhagen if it has none) that UTC can hold."""
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=COPENHAGEN)
    try:
        value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("the moment lies outside the years 1 to 9999 once given in UTC") from None
    return value


def jsonable(value: Any) -> Any:
    """What an answer writes for a value JSON has no type for: times with their offset."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


Instant = Annotated[datetime, AfterValidator(instant)]
"""A moment: ISO 8601 with or without an offset (none: Europe/Copenhagen)."""

Day = date
"""A calendar day, ISO 8601 (years 1-9999)."""

Position = Annotated[int, Ge(1), Le(MAX_POSITION)]
"""A global position or a tree size: 1 up to 2**63 - 1."""

PositionOrZero = Annotated[int, Ge(0), Le(MAX_POSITION)]
"""A position to read after, 0 for the start: 0 up to 2**63 - 1."""
