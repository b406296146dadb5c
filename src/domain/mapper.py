"""Maps pydantic events to stored bytes and back, upcasting older schema versions on read."""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import ConfigDict, Field

from frispor.domain.aggregate import Envelope, Event
from frispor.domain.stored import stored_json


def encode_event(event: Event) -> bytes:
    """The stored JSON of an event: its fields without the id and version kept in columns."""
    return stored_json(event, type(event).class_version)


def decode_event(
    topic: str, originator_id: UUID, version: int, state: bytes, *, facts_only: bool = False
) -> Event:
    """Rebuild an event from its stored JSON, upcasting from the version it was written in.

    With `facts_only`, an event written in the current version comes without its envelope,
    unread: for a reader that uses nothing else of it (a measurement's row or findings), and
    never to be stored again.
    """
    cls: type[Event] = resolve_topic(topic)
    if (body := _current_body(cls.class_version, state)) is not None:
        # Written in the current version: pydantic parses the JSON itself, about twice as fast
        # as json.loads and then model_validate; the columns' fields go in front (the id as
        # 32 hex digits, which pydantic reads as well and Python writes in a third of the time).
        head = b'{"originator_id":"%032x","originator_version":%d' % (originator_id.int, version)
        model = _without_envelope(cls) if facts_only else cls
        return model.model_validate_json(head + (b"," + body if body != b"}" else body))
    data: dict[str, Any] = json.loads(state)
    written_as = data.pop("class_version", 1)
    while written_as < cls.class_version:
        getattr(cls, f"upcast_v{written_as}_v{written_as + 1}")(data)
        written_as += 1
    data["originator_id"], data["originator_version"] = originator_id, version
    return cls.model_validate(data)


@cache
def _without_envelope(cls: type[Event]) -> type[Event]:
    """A subclass of an event class that leaves the envelope in the JSON unread.

    The envelope is most of the work of decoding a small event (models within models: the
    actor, each legal reference). Unknown keys are skipped, and the envelope is read from a
    key no stored event has. The event id is read: a record keys positions by it.
    """
    namespace = {
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__annotations__": {"envelope": Envelope | None},
        "model_config": ConfigDict(extra="ignore"),
        "envelope": Field(default=None, validation_alias="envelope (unread)"),
    }
    made: type[Event] = type(cls)(cls.__name__, (cls,), namespace)  # type: ignore[misc]
    return made


def _current_body(class_version: int, state: bytes) -> bytes | None:
    """The JSON's fields after its `{`, if it was written in the current version, else None."""
    if state[:1] != b"{":
        return None
    if class_version == 1:
        return None if b'"class_version"' in state else state[1:]
    prefix = b'{"class_version":%d,' % class_version  # where domain/stored.py writes it
    if state.startswith(prefix):
        return state[len(prefix) :]
    suffix = b',"class_version":%d}' % class_version  # where the first encoder wrote it
    return state[1 : -len(suffix)] + b"}" if state.endswith(suffix) else None


class PydanticMapper(Mapper[UUID]):
    """The library's Mapper for pydantic events (compression and encryption still apply)."""

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        """Encode an event for the recorder."""
        assert isinstance(domain_event, Event)
        state = encode_event(domain_event)
        if self.compressor:
            state = self.compressor.compress(state)
        if self.cipher:
            state = self.cipher.encrypt(state)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=state,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        """Decode a stored event into its pydantic event."""
        state = stored_event.state
        if self.cipher:
            state = self.cipher.decrypt(state)
        if self.compressor:
            state = self.compressor.decompress(state)
        originator_id = stored_event.originator_id
        if not isinstance(originator_id, UUID):
            originator_id = UUID(originator_id)
        event = decode_event(
            stored_event.topic, originator_id, stored_event.originator_version, state
        )
        return event
