"""Canonical leaf encoding (RFC 8785) and its validation."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from frispor.ledger import merkle
from frispor.ledger.leaf import (
    MAX_SAFE_INTEGER,
    LeafData,
    LeafError,
    encode_leaf,
    format_recorded_at,
    leaf_hash_of,
    payload_sha256,
)

PAYLOAD = b'{"state":"approved"}'


def sample(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "position": 7,
        "recorded_at": "2024-05-01T12:30:00.123456Z",
        "valid_from": "2024-06-01",
        "valid_to": None,
        "type": "ExemptionGranted",
        "aggregate_id": "trial-42",
        "aggregate_version": 3,
        "actor": {"id": "u-1", "role": "caseworker", "organisation": "Aarhus Kommune"},
        "payload_sha256": hashlib.sha256(PAYLOAD).hexdigest(),
    }
    data.update(changes)
    return data


def test_payload_sha256_is_lowercase_hex_digest() -> None:
    assert payload_sha256(b"") == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert payload_sha256(PAYLOAD) == hashlib.sha256(PAYLOAD).hexdigest()


def test_encoding_is_sorted_compact_json_with_nulls() -> None:
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    expected = (
        '{"actor":{"id":"u-1","organisation":"Aarhus Kommune","role":"caseworker"},'
        '"aggregate_id":"trial-42","aggregate_version":3,'
        f'"payload_sha256":"{digest}","position":7,'
        '"recorded_at":"2024-05-01T12:30:00.123456Z","type":"ExemptionGranted",'
        '"valid_from":"2024-06-01","valid_to":null}'
    ).encode()
    assert encode_leaf(sample()) == expected
    assert leaf_hash_of(sample()) == merkle.leaf_hash(expected)


def test_non_ascii_is_raw_utf8() -> None:
    encoded = encode_leaf(sample(actor={"id": "ø", "role": "r", "organisation": "Æblerød"}))
    assert "Æblerød".encode() in encoded
    assert b"\\u" not in encoded


def test_model_and_mapping_encode_identically() -> None:
    model = LeafData.model_validate(sample())
    assert encode_leaf(model) == encode_leaf(sample())
    with pytest.raises(ValidationError, match="frozen"):
        model.position = 8


def test_every_field_changes_the_hash() -> None:
    base = leaf_hash_of(sample())
    variants = [
        sample(position=8),
        sample(recorded_at="2024-05-01T12:30:00.123457Z"),
        sample(valid_from=None),
        sample(valid_to="2025-01-01"),
        sample(type="ExemptionRevoked"),
        sample(aggregate_id="trial-43"),
        sample(aggregate_version=4),
        sample(actor={"id": "u-2", "role": "caseworker", "organisation": "Aarhus Kommune"}),
        sample(actor={"id": "u-1", "role": "auditor", "organisation": "Aarhus Kommune"}),
        sample(actor={"id": "u-1", "role": "caseworker", "organisation": "Odense Kommune"}),
        sample(payload_sha256=payload_sha256(b"other")),
    ]
    hashes = {leaf_hash_of(v) for v in variants}
    assert base not in hashes
    assert len(hashes) == len(variants)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"position": -1}, "position"),
        ({"position": MAX_SAFE_INTEGER + 1}, "position"),
        ({"position": True}, "position"),
        ({"position": "7"}, "position"),
        ({"aggregate_version": 1.0}, "aggregate_version"),
        ({"recorded_at": "2024-05-01T12:30:00+00:00"}, "recorded_at"),
        ({"recorded_at": "2024-05-01 12:30:00Z"}, "recorded_at"),
        ({"recorded_at": "2024-13-01T12:30:00Z"}, "recorded_at"),
        ({"recorded_at": "2024-05-01T12:30:00.1234567Z"}, "recorded_at"),
        ({"valid_from": "20240601"}, "valid_from"),
        ({"valid_to": "2024-02-30"}, "valid_to"),
        ({"type": ""}, "type"),
        ({"payload_sha256": "AB" * 32}, "payload_sha256"),
        ({"payload_sha256": "ab" * 31}, "payload_sha256"),
        ({"actor": {"id": "u-1", "role": "caseworker"}}, "organisation"),
        ({"extra": 1}, "extra"),
        ({"type": "bad\ud800"}, "type"),
    ],
)
def test_invalid_leaf_data_is_rejected_naming_the_field(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(LeafError, match=field):
        encode_leaf(sample(**changes))


def test_missing_field_is_rejected() -> None:
    data = sample()
    del data["valid_to"]
    with pytest.raises(LeafError, match="valid_to"):
        encode_leaf(data)


def test_format_recorded_at_is_canonical_utc() -> None:
    cet = timezone(timedelta(hours=2))
    moment = datetime(2024, 5, 1, 14, 30, 0, 5, tzinfo=cet)
    text = format_recorded_at(moment)
    assert text == "2024-05-01T12:30:00.000005Z"
    encode_leaf(sample(recorded_at=text))
    assert format_recorded_at(datetime(2024, 1, 1, tzinfo=UTC)) == "2024-01-01T00:00:00.000000Z"
    with pytest.raises(LeafError, match="timezone-aware"):
        format_recorded_at(datetime(2024, 1, 1))


_text = st.text(min_size=1, max_size=20)


@settings(max_examples=100, deadline=None, database=None)
@given(
    position=st.integers(0, MAX_SAFE_INTEGER),
    version=st.integers(0, 2**40),
    kind=_text,
    aggregate=_text,
    actor=st.fixed_dictionaries({"id": _text, "role": _text, "organisation": _text}),
    valid_from=st.none() | st.dates().map(lambda d: d.isoformat()),
)
def test_encoding_matches_sorted_compact_json(
    position: int,
    version: int,
    kind: str,
    aggregate: str,
    actor: dict[str, str],
    valid_from: str | None,
) -> None:
    data = sample(
        position=position,
        aggregate_version=version,
        type=kind,
        aggregate_id=aggregate,
        actor=actor,
        valid_from=valid_from,
    )
    # For ASCII keys, integers and strings, RFC 8785 coincides with sorted compact JSON.
    expected = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert encode_leaf(data) == expected.encode()


@settings(max_examples=200, deadline=None, database=None)
@given(
    position=st.integers(0, MAX_SAFE_INTEGER),
    texts=st.lists(
        st.text(
            st.characters(codec="utf-8") | st.sampled_from('"\\\x00\x1f\x7f\u2028'), min_size=1
        ),
        min_size=5,
        max_size=5,
    ),
)
def test_encoding_is_rfc8785(position: int, texts: list[str]) -> None:
    data = sample(position=position, type=texts[0], aggregate_id=texts[1])
    data["actor"] = {"id": texts[2], "role": texts[3], "organisation": texts[4]}
    assert encode_leaf(data) == rfc8785.dumps(data)


def test_a_lone_surrogate_cannot_be_encoded() -> None:
    with pytest.raises(LeafError):
        encode_leaf(sample(type="a\ud800b"))
