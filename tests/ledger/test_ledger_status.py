"""The export's status tally: the same document as json.dumps, whatever it holds."""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from frispor.ledger.status import StatusTally, write_json

NAME = st.text(st.sampled_from('aZø"\\\n\x00€𝄞-'), max_size=6)


def _reference(events: list[tuple[str, str, str]]) -> bytes:
    ids: dict[str, set[str]] = {}
    for _, kind, aggregate in events:
        ids.setdefault(kind, set()).add(aggregate)
    document: dict[str, Any] = {
        "events": len(events),
        "events_by_type": dict(Counter(e[0] for e in events)),
        "aggregates_by_type": {k: sorted(v) for k, v in ids.items()},
    }
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True).encode()


def _written(tally: StatusTally) -> bytes:
    out = io.BytesIO()
    tally.write(out.write)
    return out.getvalue()


@settings(max_examples=200, deadline=None)
@given(events=st.lists(st.tuples(NAME, NAME, NAME), max_size=40), spill=st.integers(1, 50))
def test_the_streamed_document_is_json_dumps(
    events: list[tuple[str, str, str]], spill: int
) -> None:
    tally = StatusTally(spill_after=spill)
    for event in events:
        tally.add(*event)
    expected = _reference(events)
    assert json.loads(expected) == tally.result()
    assert _written(tally) == expected


def test_many_ids_spill_to_disk_and_come_back_in_order() -> None:
    events = [("Goal.Set", "Goal", f"{n:05d}") for n in range(8192)]
    events += [("Trial.Approved", "Trial", f"t{n % 4097}") for n in range(9000)]
    tally = StatusTally(spill_after=1000)
    for event in reversed(events):
        tally.add(*event)
    assert tally._spilled is not None  # the ids went to the temporary file
    buffer = io.BytesIO()
    write_json(json.loads(_reference(events)), buffer.write)
    assert _written(tally) == buffer.getvalue() == _reference(events)
    assert tally._spilled is None  # and the file is gone
