"""The stored topic of every event class, for filtering the log by type."""

from __future__ import annotations

from eventsourcing.utils import get_topic

from frispor.domain.aggregate import Corrected, Event
from frispor.domain.complaint import Complaint
from frispor.domain.exemption import Exemption
from frispor.domain.export import Export
from frispor.domain.goal import Goal
from frispor.domain.inspection import Inspection, Order
from frispor.domain.institution import Institution
from frispor.domain.programme import Network, Programme
from frispor.domain.trial import Trial

AGGREGATES = (
    Programme,
    Network,
    Trial,
    Institution,
    Exemption,
    Goal,
    Inspection,
    Order,
    Complaint,
    Export,
)


def all_event_topics() -> list[str]:
    """Topics of every event class of every aggregate, and of corrections."""
    topics = [get_topic(Corrected)]
    for aggregate in AGGREGATES:
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, Event):
                topics.append(get_topic(value))
    return topics
