"""The ledger's field-by-field leaf encoder gives encode_leaf's bytes and refusals."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from frispor.ledger.leaf import (
    MAX_SAFE_INTEGER,
    LeafError,
    encode_leaf,
    encode_leaf_fields,
    format_recorded_at,
)

DIGEST = hashlib.sha256(b"{}").hexdigest()


def fields(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "position": 7,
        "recorded_at": "2024-05-01T12:30:00.123456Z",
        "valid_from": "2024-06-01",
        "valid_to": None,
        "event_type": "ExemptionGranted",
        "aggregate_id": "trial-42",
        "aggregate_version": 3,
        "actor_id": "u-1",
        "actor_role": "caseworker",
        "actor_organisation": "Aarhus Kommune",
        "payload_sha256": DIGEST,
    }
    data.update(changes)
    return data


def as_leaf_data(f: dict[str, Any]) -> dict[str, Any]:
    return {
        "position": f["position"],
        "recorded_at": f["recorded_at"],
        "valid_from": f["valid_from"],
        "valid_to": f["valid_to"],
        "type": f["event_type"],
        "aggregate_id": f["aggregate_id"],
        "aggregate_version": f["aggregate_version"],
        "actor": {
            "id": f["actor_id"],
            "role": f["actor_role"],
            "organisation": f["actor_organisation"],
        },
        "payload_sha256": f["payload_sha256"],
    }


def outcome(call: Any) -> bytes | str:
    try:
        return bytes(call())
    except LeafError as error:
        return f"LeafError: {error}"


def assert_same(f: dict[str, Any]) -> None:
    fast = outcome(lambda: encode_leaf_fields(**f))
    assert fast == outcome(lambda: encode_leaf(as_leaf_data(f)))


_texts = st.text(st.characters(codec="utf-8") | st.sampled_from('"\\\x00\x1f\x7f\u2028'))


@settings(max_examples=300, deadline=None, database=None)
@given(
    position=st.integers(-1, MAX_SAFE_INTEGER + 1),
    version=st.integers(-1, MAX_SAFE_INTEGER + 1),
    texts=st.lists(_texts, min_size=4, max_size=4),
    valid_from=st.none() | st.dates().map(lambda d: d.isoformat()),
    valid_to=st.none() | st.dates().map(lambda d: d.isoformat()) | _texts,
)
def test_same_bytes_or_same_refusal_as_encode_leaf(
    position: int, version: int, texts: list[str], valid_from: str | None, valid_to: str | None
) -> None:
    f = fields(
        position=position,
        aggregate_version=version,
        event_type=texts[0],
        actor_id=texts[1],
        actor_role=texts[2],
        actor_organisation=texts[3],
        valid_from=valid_from,
        valid_to=valid_to,
    )
    assert_same(f)
    if isinstance(fast := outcome(lambda: encode_leaf_fields(**f)), bytes):
        assert fast == rfc8785.dumps(as_leaf_data(f))


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"position": True},
        {"position": 1.0},
        {"aggregate_version": "3"},
        {"recorded_at": "2024-13-01T00:00:00Z"},
        {"recorded_at": "2024-05-01T12:30:00+00:00"},
        {"recorded_at": "2024-05-01T12:30:00Z"},
        {"valid_from": "2024-02-30"},
        {"valid_from": "2024-6-1"},
        {"valid_to": "2024-06-30"},
        {"event_type": ""},
        {"event_type": "a\ud800b"},
        {"aggregate_id": ""},
        {"actor_organisation": ""},
        {"payload_sha256": DIGEST.upper()},
        {"payload_sha256": DIGEST[:-1]},
    ],
)
def test_edge_cases_match_encode_leaf(changes: dict[str, Any]) -> None:
    assert_same(fields(**changes))


@pytest.mark.parametrize("year", [1, 999, 1000, 2024, 9999])
@pytest.mark.parametrize("offset", [0, 2, -5])
@pytest.mark.parametrize("micro", [0, 1, 999_999])
def test_recorded_at_is_strftime_text(year: int, offset: int, micro: int) -> None:
    moment = datetime(year, 6, 1, 12, 4, 5, micro, tzinfo=timezone(timedelta(hours=offset)))
    expected = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert format_recorded_at(moment) == expected
