"""An event's stored JSON, serialised once and shared by rule 6 and the mapper."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

# Kept in their own columns of the events table, so not in the JSON.
COLUMNS = {"originator_id", "originator_version"}
# Kept beside the fields in the instance's __dict__: pydantic's equality and serialisers look
# only at declared fields, and events are frozen, so the bytes cannot go stale (a copy that
# changes a field drops them: Event.model_copy).
CACHE = "_stored_json"


def stored_json(event: BaseModel, class_version: int = 1) -> bytes:
    """The JSON the events table keeps for an event, computed on first use and then reused."""
    cached: bytes | None = event.__dict__.get(CACHE)
    if cached is None:
        cached = type(event).__pydantic_serializer__.to_json(event, exclude=COLUMNS)
        if class_version > 1:
            # Every event has fields, so the object is never empty: `{` + version + `,` + rest.
            cached = b'{"class_version":%d,%s' % (class_version, cached[1:])
        event.__dict__[CACHE] = cached
    return cached


def forget_stored_json(event: BaseModel, update: dict[str, Any] | None) -> None:
    """Drop the cached JSON of a copy whose update changed a stored field."""
    if update and not update.keys() <= COLUMNS:
        event.__dict__.pop(CACHE, None)
