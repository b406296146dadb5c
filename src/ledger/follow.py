"""Keeps the stored tree current with the event store, batch by batch, and cuts checkpoints.

Like a projection: read the events after the tree's last position in position order,
turn each into its leaf, and write leaves, new nodes and the new size in one transaction.
Positions can have gaps, so a leaf's index (its ordinal in the tree) and the event's
position are both kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Notification
from eventsourcing.utils import TopicError

from frispor.domain.aggregate import Created
from frispor.domain.mapper import decode_event
from frispor.ledger import tree
from frispor.ledger.checkpoint import CheckpointError, open_note
from frispor.ledger.leaf import LeafError, encode_leaf_fields, format_recorded_at, payload_sha256
from frispor.ledger.merkle import leaf_hash
from frispor.ledger.signer import Signer
from frispor.ledger.store import LeafRow, StoredCheckpoint, StoredRow, TreeStore

if TYPE_CHECKING:
    from frispor.ledger.steps import Steps

__all__ = [
    "EventFacts",
    "LedgerError",
    "cut_checkpoint",
    "ensure_checkpoint",
    "event_facts",
    "resolve_scope",
    "sync",
]

# Where an aggregate's area comes from: the first of these references its creation names.
_PARENTS = ("network_id", "trial_id", "inspection_id")
_UNREADABLE = (ValueError, LookupError, AttributeError, TypeError, TopicError, LeafError)

Known = dict[str, tuple[str, str | None]]
"""{aggregate id: (aggregate type, area)} of aggregates seen so far."""


class LedgerError(RuntimeError):
    """The ledger cannot go on: an event cannot be read as a leaf, or the tables disagree."""


@dataclass(frozen=True)
class EventFacts:
    """What the ledger takes from one stored event: its leaf and what decides its scope."""

    position: int
    leaf: bytes
    recorded_at: str
    aggregate_id: str
    created_kind: str | None  # the aggregate type when this event creates the aggregate
    area: str | None  # an area the event itself names (a network's designation)
    parent_id: str | None  # the network, trial or inspection whose area a new aggregate takes


def _text(value: object) -> str:
    return str(value.value) if isinstance(value, Enum) else str(value)


def event_facts(notification: Notification) -> EventFacts:
    """Decode a stored event and compute its canonical leaf; raise LedgerError if unreadable."""
    n = notification
    return _facts((n.id, n.originator_id, n.originator_version, n.topic, n.state))


def _facts(stored: StoredRow) -> EventFacts:
    position, originator_id, version, topic, state = stored
    try:
        originator = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
        event = decode_event(topic, originator, version, state)
        actor = event.envelope.actor
        valid_to = event.valid_to
        recorded_at = format_recorded_at(event.timestamp)
        aggregate_id = str(originator_id)
        leaf = encode_leaf_fields(
            position=position,
            recorded_at=recorded_at,
            valid_from=event.valid_from.isoformat(),
            valid_to=valid_to.isoformat() if valid_to is not None else None,
            event_type=topic.split(":", 1)[-1],
            aggregate_id=aggregate_id,
            aggregate_version=version,
            actor_id=actor.id,
            actor_role=_text(actor.role),
            actor_organisation=actor.organisation,
            payload_sha256=payload_sha256(state),
        )
    except _UNREADABLE as error:
        raise LedgerError(
            f"the event at position {position} cannot be read as a leaf: "
            f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        ) from error
    if not isinstance(event, Created):
        return EventFacts(position, leaf, recorded_at, aggregate_id, None, None, None)
    kind = type(event).aggregate_type.__name__
    area = getattr(event, "area", None)
    parent = next((getattr(event, p) for p in _PARENTS if getattr(event, p, None)), None)
    return EventFacts(
        position=position,
        leaf=leaf,
        recorded_at=recorded_at,
        aggregate_id=aggregate_id,
        created_kind=kind,
        area=_text(area) if area is not None else None,
        parent_id=str(parent) if parent is not None else None,
    )


def resolve_scope(facts: EventFacts, known: Known) -> tuple[str, str | None]:
    """Return (aggregate type, area) of an event; a creating event adds its aggregate to known."""
    if facts.created_kind is not None:
        area = facts.area
        if area is None and facts.parent_id is not None:
            area = known.get(facts.parent_id, ("", None))[1]
        known[facts.aggregate_id] = (facts.created_kind, area)
        return facts.created_kind, area
    return known.get(facts.aggregate_id, ("unknown", None))


def scope_lookups(facts: Sequence[EventFacts]) -> set[str]:
    """Return the aggregate ids whose (type, area) resolving these events needs."""
    return {f.parent_id for f in facts if f.created_kind and f.parent_id} | {
        f.aggregate_id for f in facts if f.created_kind is None
    }


def _rows(store: TreeStore, events: Sequence[StoredRow], size: int) -> tuple[list[LeafRow], Known]:
    facts = [_facts(e) for e in events]
    known = store.aggregates(scope_lookups(facts))
    created: Known = {}
    rows: list[LeafRow] = []
    for offset, fact in enumerate(facts):
        kind, area = resolve_scope(fact, known)
        if fact.created_kind is not None:
            created[fact.aggregate_id] = (kind, area)
        rows.append(LeafRow(size + offset, fact.position, fact.leaf, fact.recorded_at, kind, area))
    return rows, created


def _events_after(
    store: TreeStore, recorder: ApplicationRecorder, last: int, batch: int
) -> Sequence[StoredRow]:
    if store.db.is_postgres:
        # The events' table is in the ledger's schema (the export joins it too): plain rows
        # in the ledger's own transaction cost a quarter of the recorder's Notification objects.
        return store.events_after(last, batch)
    notes = recorder.select_notifications(start=last + 1, limit=batch)
    return [(n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in notes]


def sync(
    store: TreeStore,
    recorder: ApplicationRecorder,
    *,
    batch: int = 1000,
    steps: Steps | None = None,
) -> int:
    """Append every event after the stored tree to it, one transaction per batch; return size."""
    if steps is not None:
        behind = (recorder.max_notification_id() or 0) - store.state()[1]
        steps.begin("ledger", max(behind, 0))
    while True:
        # The lock and the size are taken inside the transaction, so two appenders
        # in different processes take turns and never write the same leaf twice.
        with store.db.transaction(write=True, append_lock=True):
            size, last = store.state()
            events = _events_after(store, recorder, last, batch)
            if not events:
                return size
            rows, created = _rows(store, events, size)
            hashes = [leaf_hash(r.leaf) for r in rows]
            reader = store.fetch_nodes(tree.nodes_needed_for_append(size, len(rows)))
            store.append(rows, tree.append_leaves(size, hashes, reader), created)
        if steps is not None:
            steps.advance(len(events))
        if len(events) < batch:
            return size + len(rows)


def cut_checkpoint(
    store: TreeStore, signer: Signer, *, now: datetime | None = None
) -> StoredCheckpoint:
    """Sign and store a checkpoint of the stored tree at its current size."""
    size = store.size()
    root = store.root_at(size)
    cut_at = format_recorded_at(now or datetime.now(UTC))
    return store.add_checkpoint(size, root, signer.sign_checkpoint(size, root), cut_at)


def ensure_checkpoint(
    store: TreeStore, signer: Signer, *, now: datetime | None = None
) -> StoredCheckpoint:
    """Return the latest checkpoint if it covers the whole tree under this key, else cut one."""
    latest = store.latest_checkpoint()
    if latest is not None and latest.size == store.size():
        try:
            open_note(latest.note, signer.verifier_key())
            return latest
        except CheckpointError:
            pass  # signed by another (older) key: cut a fresh one under the current key
    return cut_checkpoint(store, signer, now=now)
