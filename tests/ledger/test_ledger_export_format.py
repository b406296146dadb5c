"""The export's fast CSV row: the same bytes as the reference path, for any leaf and payload."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from frispor.ledger.compact import CompactRange
from frispor.ledger.export_format import csv_row, fast_csv_row, fast_leaf, quoted
from frispor.ledger.leaf import Actor, LeafData, encode_leaf
from frispor.ledger.merkle import leaf_hash

# Text that exercises quoting and JSON escapes: commas, quotes, backslashes, CR/LF, non-ASCII.
TEXT = st.text(st.sampled_from('ab,"\\\r\n\x01øÆ€ 𝄞'), min_size=1, max_size=12)
DAY = st.sampled_from(["2018-01-02", "2020-02-29"])


def _leaf(texts: list[str], version: int, valid_from: str, valid_to: str | None) -> bytes:
    return encode_leaf(
        LeafData(
            position=2**53 - 1 - version,
            recorded_at="2018-01-02T12:00:00.000000Z",
            valid_from=valid_from,
            valid_to=valid_to,
            type=texts[0],
            aggregate_id=texts[1],
            aggregate_version=version,
            actor=Actor(id=texts[2], role=texts[3], organisation=texts[4]),
            payload_sha256=hashlib.sha256(b"x").hexdigest(),
        )
    )


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(TEXT | st.sampled_from(["Trial.Approved", "recorder"]), min_size=5, max_size=5),
    kind=TEXT,
    version=st.integers(0, 2**53 - 1),
    valid_from=DAY,
    valid_to=st.none() | DAY,
    state=st.binary(max_size=40) | st.text(max_size=40).map(lambda t: json.dumps(t).encode()),
)
def test_the_fast_row_is_the_reference_row(
    texts: list[str], kind: str, version: int, valid_from: str, valid_to: str | None, state: bytes
) -> None:
    leaf = _leaf(texts, version, valid_from, valid_to)
    fields = fast_leaf(leaf)
    plain = not any(c in t for t in texts for c in ',"\\\r\n\x01')
    assert (fields is not None) == plain  # anything that needs escaping or quoting falls back
    if fields is not None:
        expected = csv_row(5, 9, kind, json.loads(leaf), state)
        assert fast_csv_row(5, 9, quoted(kind), fields, state) == expected
        assert (fields[8].decode(), fields[3].decode()) == (texts[0], texts[1])


def test_a_typical_leaf_takes_the_fast_path() -> None:
    leaf = _leaf(
        ["Trial.Approved", "7f0c", "generator", "recorder", "Økonomi"], 3, "2018-01-02", None
    )
    fields = fast_leaf(leaf)
    assert fields is not None and fields[10] is None and fields[4] == b"3"
    row = fast_csv_row(0, 4, quoted("Trial"), fields, b'{"a":"\xc3\xb8"}')
    assert row.endswith(b'"{""a"":""\xc3\xb8""}"\r\n') and b",,Trial.Approved,Trial," in row
    assert fast_csv_row(0, 4, b"T", fields, b"\xff").endswith(b',"base64:/w=="\r\n')
    assert fast_leaf(leaf.replace(b'"aggregate_version":3', b'"aggregate_version":03')) is None


def test_extend_is_push_one_by_one() -> None:
    hashes = [leaf_hash(b"%d" % i) for i in range(37)]
    one, many = CompactRange(), CompactRange()
    for h in hashes:
        one.push(h)
    many.extend(hashes[:5])
    many.extend(hashes[5:])
    assert (many.root(), many.size, many.nodes()) == (one.root(), one.size, one.nodes())
