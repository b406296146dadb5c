"""Canonical leaf encoding: the exact bytes whose RFC 6962 leaf hash enters the log."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from json.encoder import encode_basestring  # json.dumps' own string escaper (C when built)
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from frispor.ledger.merkle import leaf_hash

__all__ = [
    "Actor",
    "LeafData",
    "LeafError",
    "MAX_SAFE_INTEGER",
    "encode_leaf",
    "encode_leaf_fields",
    "format_recorded_at",
    "leaf_hash_of",
    "payload_sha256",
]

# RFC 8785 serialises numbers as IEEE-754 doubles; larger integers would not round-trip.
MAX_SAFE_INTEGER = 2**53 - 1

# UTC only and always with a literal "Z", so one instant has few spellings and no offsets.
_RECORDED_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", strict=True)


class LeafError(ValueError):
    """The event data cannot be encoded as a leaf; the message says which field is wrong."""


class Actor(BaseModel):
    """Who caused the event."""

    model_config = _MODEL_CONFIG

    id: str = Field(min_length=1)
    role: str = Field(min_length=1)
    organisation: str = Field(min_length=1)


class LeafData(BaseModel):
    """The event fields committed to by a log leaf (the payload only by its SHA-256)."""

    model_config = _MODEL_CONFIG

    position: int = Field(ge=0, le=MAX_SAFE_INTEGER)
    recorded_at: str
    valid_from: str | None
    valid_to: str | None
    type: str = Field(min_length=1)
    aggregate_id: str = Field(min_length=1)
    aggregate_version: int = Field(ge=0, le=MAX_SAFE_INTEGER)
    actor: Actor
    payload_sha256: str

    @field_validator("recorded_at")
    @classmethod
    def _check_recorded_at(cls, value: str) -> str:
        if not _RECORDED_AT.fullmatch(value):
            raise ValueError("must be ISO 8601 UTC like 2024-05-01T12:00:00.000000Z")
        datetime.fromisoformat(value)  # rejects impossible dates such as month 13
        return value

    @field_validator("valid_from", "valid_to")
    @classmethod
    def _check_date(cls, value: str | None) -> str | None:
        if value is not None:
            if not _ISO_DATE.fullmatch(value):
                raise ValueError("must be an ISO 8601 calendar date YYYY-MM-DD or null")
            date.fromisoformat(value)
        return value

    @field_validator("payload_sha256")
    @classmethod
    def _check_digest(cls, value: str) -> str:
        if not _SHA256_HEX.fullmatch(value):
            raise ValueError("must be 64 lowercase hexadecimal characters")
        return value


def format_recorded_at(moment: datetime) -> str:
    """Return the canonical recorded_at string (UTC, microseconds, "Z") for an aware datetime."""
    offset = moment.utcoffset() if moment.tzinfo is not None else None
    if offset is None:
        raise LeafError("recorded_at datetime must be timezone-aware")
    utc = moment.astimezone(UTC)
    if utc.year >= 1000:
        # The same text as the strftime below at half its cost: isoformat ends in "+00:00".
        return utc.isoformat(timespec="microseconds")[:-6] + "Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # strftime does not pad years below 1000


def payload_sha256(stored_state: bytes) -> str:
    """Return the lowercase hex SHA-256 of the stored event state bytes."""
    return hashlib.sha256(stored_state).hexdigest()


def _to_model(data: Mapping[str, Any] | LeafData) -> LeafData:
    if isinstance(data, LeafData):
        return data
    try:
        return LeafData.model_validate(dict(data))
    except ValidationError as exc:
        raise LeafError(f"invalid leaf data: {exc}") from exc


def encode_leaf(data: Mapping[str, Any] | LeafData) -> bytes:
    """Return the RFC 8785 canonical JSON bytes of the leaf fields (all keys, nulls kept)."""
    model = _to_model(data)
    try:
        # For a leaf this is RFC 8785 byte for byte, at a tenth of rfc8785.dumps' cost: keys
        # are ASCII (so code-point order is UTF-16 order), integers are at most 2**53 - 1
        # (validated), and both escape exactly '"', '\\' and U+0000..U+001F, the same way.
        text = json.dumps(
            model.model_dump(mode="python"),
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        return text.encode()
    except UnicodeError as exc:
        # e.g. lone surrogates, which have no UTF-8 encoding
        raise LeafError(f"leaf data cannot be canonicalised: {exc}") from exc


def leaf_hash_of(data: Mapping[str, Any] | LeafData) -> bytes:
    """Return the RFC 6962 leaf hash of the canonical leaf encoding."""
    return leaf_hash(encode_leaf(data))


def _is_count(value: object) -> bool:
    return type(value) is int and 0 <= value <= MAX_SAFE_INTEGER  # strict: no bool, no float


def _is_text(value: object) -> bool:
    return type(value) is str and value != ""


def _parses(value: object, shape: re.Pattern[str], parse: Callable[[str], object]) -> bool:
    """A string of the exact shape that also parses (a shape alone lets 2018-02-30 through)."""
    if type(value) is not str or not shape.fullmatch(value):
        return False
    try:
        parse(value)
    except ValueError:
        return False
    return True


def _is_instant(value: object) -> bool:
    return _parses(value, _RECORDED_AT, datetime.fromisoformat)


def _is_date(value: object) -> bool:
    return value is None or _parses(value, _ISO_DATE, date.fromisoformat)


def encode_leaf_fields(
    *,
    position: int,
    recorded_at: str,
    valid_from: str | None,
    valid_to: str | None,
    event_type: str,
    aggregate_id: str,
    aggregate_version: int,
    actor_id: str,
    actor_role: str,
    actor_organisation: str,
    payload_sha256: str,
) -> bytes:
    """Return ``encode_leaf`` of these fields, byte for byte, without building the models.

    The ledger encodes a leaf per event, and the models cost more than the rest of the leaf.
    Fields that pass the same checks as ``LeafData`` are written straight into the canonical
    form (keys in sorted order, strings escaped by json.dumps' own escaper); anything else
    goes through ``encode_leaf``, which refuses it with the model's message.
    """
    if (
        _is_count(position)
        and _is_count(aggregate_version)
        and _is_instant(recorded_at)
        and _is_date(valid_from)
        and _is_date(valid_to)
        and _is_text(event_type)
        and _is_text(aggregate_id)
        and _is_text(actor_id)
        and _is_text(actor_role)
        and _is_text(actor_organisation)
        and type(payload_sha256) is str
        and _SHA256_HEX.fullmatch(payload_sha256)
    ):
        # The regexes admit no character that JSON escapes, so those fields go in as they are.
        start = "null" if valid_from is None else f'"{valid_from}"'
        end = "null" if valid_to is None else f'"{valid_to}"'
        text = (
            f'{{"actor":{{"id":{encode_basestring(actor_id)},'
            f'"organisation":{encode_basestring(actor_organisation)},'
            f'"role":{encode_basestring(actor_role)}}},'
            f'"aggregate_id":{encode_basestring(aggregate_id)},'
            f'"aggregate_version":{aggregate_version},"payload_sha256":"{payload_sha256}",'
            f'"position":{position},"recorded_at":"{recorded_at}",'
            f'"type":{encode_basestring(event_type)},"valid_from":{start},"valid_to":{end}}}'
        )
        try:
            return text.encode()
        except UnicodeError:
            pass  # e.g. a lone surrogate: encode_leaf refuses it with its own message
    return encode_leaf(
        {
            "position": position,
            "recorded_at": recorded_at,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "type": event_type,
            "aggregate_id": aggregate_id,
            "aggregate_version": aggregate_version,
            "actor": {"id": actor_id, "role": actor_role, "organisation": actor_organisation},
            "payload_sha256": payload_sha256,
        }
    )
