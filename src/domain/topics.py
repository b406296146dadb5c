"""The stored topic of every event class, for filtering the log by type."""

from __future__ import annotations

from eventsourcing.utils import get_topic

from domain.aggregate import Corrected, Event
from domain.complaint import Complaint
from domain.exemption import Exemption
from domain.export import Export
from domain.goal import Goal
from domain.inspection import Inspection, Order
from domain.institution import Institution
from domain.programme import Network, Programme
from domain.trial import Trial

AGGREGATES = (
    Programme, Network, Trial, Institution, Exemption, Goal, Inspection, Order, Complaint, Export,
)  # fmt: skip


def all_event_topics() -> list[str]:
    """Topics of every event class of every aggregate, and of corrections."""
    topics = [get_topic(Corrected)]
    for aggregate in AGGREGATES:
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, Event):
                topics.append(get_topic(value))
    return topics
