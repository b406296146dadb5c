"""What the event reads answer: one aggregate's history, the global feed, the review's findings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from frispor.api.schemas.reads import Cursor, Public
from frispor.domain.aggregate import Envelope
from frispor.projections.audit.finding import FindingKind, Severity


class EventPublic(Public):
    """One event: where it sits in the log, when it was recorded and in force, who, and what."""

    position: int = Field(description="its place in the global log")
    event_id: UUID
    type: str = Field(examples=["Exemption.Granted"])
    schema_version: int
    aggregate_id: UUID
    aggregate_version: int
    recorded_at: datetime = Field(description="recorded time: when the system learnt it")
    effective_on: date
    valid_from: date
    valid_to: date | None
    envelope: Envelope
    facts: dict[str, Any] = Field(description="the event's own fields; they differ by type")


class HistoryPage(Public):
    """A page of one aggregate's events, oldest first."""

    aggregate_id: UUID
    items: list[EventPublic]
    next_cursor: Cursor


class EventFeed(Public):
    """Events after a position; go on with `after=next_after`."""

    after: int
    next_after: int = Field(description="past everything examined, matched or not")
    items: list[EventPublic]


class FindingPublic(Public):
    """One thing a legal reviewer should look at, with the positions of the events behind it."""

    id: str = Field(description="stable: the same facts give the same id")
    code: FindingKind
    severity: Severity
    title: str
    explanation: str
    trial_id: UUID | None
    institution_id: UUID | None
    day: date
    positions: list[int]


class ReviewPage(Public):
    """A page of the legal-certainty review."""

    as_of: date
    known_at: datetime | None
    items: list[FindingPublic]
    next_cursor: Cursor
