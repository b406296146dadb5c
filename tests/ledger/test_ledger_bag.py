"""The bag's line format, manifests, bag-info and scope (pure)."""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest

from frispor.ledger import bag
from frispor.ledger.bag import BagError, LineError, Scope

LEAF = '{"actor":{"id":"u","organisation":"Æ ,\\"payload\\":{} Kommune","role":"r"},"x":1}'.encode()
STATE = '{"a":"ø","b":[1,2]}'.encode()


def test_line_round_trip_keeps_leaf_and_payload_bytes() -> None:
    line = bag.format_line(7, LEAF, STATE)
    assert line.endswith(b"}\n") and b"\n" not in line[:-1]
    assert json.loads(line)["leaf"]["actor"]["organisation"] == 'Æ ,"payload":{} Kommune'
    assert bag.parse_line(line) == (7, LEAF, STATE)


@pytest.mark.parametrize("state", [b'{"a":\n1}', b"\x00\xff", b"[1]", b""])
def test_state_that_is_not_a_one_line_object_travels_as_base64(state: bytes) -> None:
    line = bag.format_line(0, LEAF, state)
    assert json.loads(line)["payload_base64"] == base64.b64encode(state).decode()
    assert bag.parse_line(line) == (0, LEAF, state)


@pytest.mark.parametrize(
    "line",
    [
        b'{"index":1,"leaf":{},"payload":{}}',  # no newline
        b'{"index":01,"leaf":{},"payload":{}}\n',
        b'{"index":-1,"leaf":{},"payload":{}}\n',
        b'{"leaf":{},"index":1,"payload":{}}\n',
        b'{"index":1,"leaf":{},"body":{}}\n',
        b'{"index":1,"leaf":{},"payload_base64":"!!"}\n',
    ],
)
def test_malformed_lines_are_refused(line: bytes) -> None:
    with pytest.raises(LineError):
        bag.parse_line(line)


def test_leaf_text_field_reads_canonical_fields() -> None:
    leaf = b'{"actor":{"id":"\\"recorded_at\\":\\"x"},"recorded_at":"2018-01-01T00:00:00.000000Z"}'
    assert bag.leaf_text_field(leaf, "recorded_at") == "2018-01-01T00:00:00.000000Z"


def test_manifest_round_trip_and_safety() -> None:
    entries = {"data/b.csv": "b" * 64, "data/a\n%.txt": "a" * 64}
    text = bag.format_manifest(entries)
    assert text.startswith(b"a" * 64 + b"  data/a%0A%25.txt\n")
    assert bag.parse_manifest(text, "m") == entries
    for bad in (
        b"x  data/a\n",
        ("a" * 64 + "  ../etc/passwd\n").encode(),
        ("a" * 64 + "  /abs\n").encode(),
    ):
        with pytest.raises(BagError):
            bag.parse_manifest(bad, "m")
    with pytest.raises(BagError, match="twice"):
        bag.parse_manifest(("a" * 64 + "  x\n").encode() * 2, "m")


def test_bag_info_round_trip_folding_and_repeats() -> None:
    assert bag.parse_bag_info(bag.format_bag_info([("A", "1"), ("B-C", "x: y")])) == {
        "A": "1",
        "B-C": "x: y",
    }
    assert bag.parse_bag_info(b"A: one\n  two\n") == {"A": "one two"}
    with pytest.raises(BagError, match="repeats"):
        bag.parse_bag_info(b"A: 1\nA: 2\n")
    with pytest.raises(ValueError):
        bag.format_bag_info([("A", "two\nlines")])


def test_scope_bounds_info_and_fullness() -> None:
    scope = Scope("Ankestyrelsen", "aeldre", date(2018, 1, 1), date(2018, 12, 31))
    assert scope.recorded_bounds() == ("2018-01-01T00:00:00.000000Z", "2019-01-01T00:00:00.000000Z")
    assert Scope.from_info(dict(scope.info())) == scope and not scope.is_full
    assert Scope(authority="A").is_full and Scope().info() == []
    with pytest.raises(BagError, match="not a date"):
        Scope.from_info({"Frispor-Period-To": "2018-13-01"})
