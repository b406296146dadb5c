"""One exported event as bytes: its CSV row, read from the canonical leaf without parsing it.

The export writes every event twice (JSON Lines and CSV), so this runs once per event and
is kept cheap: a canonical leaf (RFC 8785, keys sorted) has one fixed shape, and a leaf
whose strings need no JSON escapes is read with one regular expression. Any other leaf
takes the reference path (``json.loads`` and ``csv_row``), which gives the same bytes.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

__all__ = ["CSV_HEADER", "FastLeaf", "csv_row", "fast_leaf", "fast_csv_row"]

CSV_HEADER = [
    "index",
    "position",
    "recorded_at",
    "valid_from",
    "valid_to",
    "type",
    "aggregate_type",
    "aggregate_id",
    "aggregate_version",
    "actor_id",
    "actor_role",
    "actor_organisation",
    "payload_sha256",
    "payload",
]

_CSV_SPECIAL = re.compile(r'[",\r\n]')
# A JSON string with no escapes and no control characters: its bytes are its UTF-8 text.
# Strings that go into the CSV must hold no comma either, so they never need quoting.
_S = rb'"([^"\\\x00-\x1f]*)"'
_T = rb'"([^"\\\x00-\x1f,]*)"'
_INT = rb"(0|[1-9][0-9]*)"
_LEAF = re.compile(
    rb'\{"actor":\{"id":'
    + _T
    + rb',"organisation":'
    + _T
    + rb',"role":'
    + _T
    + rb'\},"aggregate_id":'
    + _T
    + rb',"aggregate_version":'
    + _INT
    + rb',"payload_sha256":"([0-9a-f]{64})","position":'
    + _INT
    + rb',"recorded_at":'
    + _S
    + rb',"type":'
    + _T
    + rb',"valid_from":(?:'
    + _S
    + rb'|null),"valid_to":(?:'
    + _S
    + rb"|null)\}"
)
FastLeaf = tuple[bytes, ...]
"""The leaf's fields as raw bytes, in key order (actor id, organisation, role, aggregate id,
version, payload SHA-256, position, recorded_at, type, valid_from, valid_to); None for null."""


def fast_leaf(leaf: bytes) -> FastLeaf | None:
    """Return the fields of a leaf without escapes in one match, or None (use json.loads)."""
    match = _LEAF.fullmatch(leaf)
    return match.groups() if match else None


def _payload_text(state: bytes) -> str:
    try:
        return state.decode()
    except UnicodeDecodeError:
        return "base64:" + base64.b64encode(state).decode()


def _q(field: str) -> str:
    # RFC 4180 by hand: the csv module is several times slower on long quoted payloads.
    return '"' + field.replace('"', '""') + '"' if _CSV_SPECIAL.search(field) else field


def csv_row(index: int, position: int, kind: str, leaf: dict[str, Any], state: bytes) -> bytes:
    """Return the CSV row of an event from its parsed leaf (the reference path)."""
    # Fields of fixed shape (numbers, times, dates, digests) never need quoting; the payload
    # always does.
    actor = leaf["actor"]
    payload = _payload_text(state).replace('"', '""')
    return (
        f"{index},{position},{leaf['recorded_at']},{leaf['valid_from'] or ''},"
        f"{leaf['valid_to'] or ''},{_q(leaf['type'])},{_q(kind)},{_q(leaf['aggregate_id'])},"
        f"{leaf['aggregate_version']},{_q(actor['id'])},{_q(actor['role'])},"
        f'{_q(actor["organisation"])},{leaf["payload_sha256"]},"{payload}"\r\n'
    ).encode()


def _payload_bytes(state: bytes) -> bytes:
    if not state.isascii():
        try:
            state.decode()  # only to check it is UTF-8, as the reference path does
        except UnicodeDecodeError:
            return b"base64:" + base64.b64encode(state)
    return state.replace(b'"', b'""')


def fast_csv_row(index: int, position: int, kind: bytes, f: FastLeaf, state: bytes) -> bytes:
    """Return the CSV row of an event from fast_leaf fields; kind is already quoted if needed."""
    # No fast_leaf string holds a quote, comma or line break, so none needs quoting.
    return b",".join(
        (
            b"%d" % index,
            b"%d" % position,
            f[7],
            f[9] or b"",
            f[10] or b"",
            f[8],
            kind,
            f[3],
            f[4],
            f[0],
            f[2],
            f[1],
            f[5],
            b'"' + _payload_bytes(state) + b'"\r\n',
        )
    )


def quoted(kind: str) -> bytes:
    """Return an aggregate type as a CSV field (quoted if it needs it)."""
    return _q(kind).encode()


def leaf_json(leaf: bytes) -> dict[str, Any]:
    """Parse a leaf the slow way, for leaves fast_leaf does not read."""
    parsed: dict[str, Any] = json.loads(leaf)
    return parsed
