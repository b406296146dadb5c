"""The time-stamp tokens a bag carries, checked offline against the TSA's certificate.

A good token over the bag's checkpoint proves that every event in the bag existed no later
than the token's time: the events are leaves of the tree the checkpoint signs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from frispor.ledger import bag
from frispor.ledger.bag import BagError
from frispor.ledger.timestamp import Stamp, TimestampError, TsaTrust, verify_token

__all__ = ["StampReport", "check_stamps"]


@dataclass(frozen=True)
class StampReport:
    """One token's outcome: the statement it proves, or why it proves nothing."""

    path: str
    stamp: Stamp | None
    statement: str


def _last_position(root: Path) -> int | None:
    """The position of the last event line of events.jsonl (its leaf was verified before)."""
    with (root / bag.EVENTS_JSONL).open("rb") as file:
        end = file.seek(0, 2)
        chunk, start = b"", end
        while start > 0 and chunk.count(b"\n") < 2:
            start = max(0, start - 65536)
            file.seek(start)
            chunk = file.read(end - start)
    lines = chunk.rstrip(b"\n").rsplit(b"\n", 1)
    if not lines[-1]:
        return None
    parsed = bag.parse_line(lines[-1] + b"\n")
    return int(json.loads(parsed.leaf)["position"])


def _one(
    root: Path, path: str, note: str, trust: TsaTrust | None, require: bool, what: str
) -> StampReport | None:
    if not (root / path).is_file():
        if require:
            raise BagError(f"{path} is missing: {what} has no time-stamp token")
        return None
    if trust is None:
        return StampReport(path, None, f"{path}: present, not checked (no TSA certificate given)")
    try:
        stamp = verify_token((root / path).read_bytes(), note, trust)
    except TimestampError as error:
        if require:
            raise BagError(f"{path}: {error}") from None
        return StampReport(path, None, f"{path}: NOT VERIFIED — {error}")
    when = stamp.time.strftime("%Y-%m-%dT%H:%M:%SZ")
    return StampReport(
        path, stamp, f"{what} existed no later than {when}, timestamped by {stamp.tsa}"
    )


def check_stamps(
    root: Path,
    note: str,
    previous_note: str | None,
    trust: TsaTrust | None,
    *,
    require: bool,
) -> list[StampReport]:
    """Check the checkpoint's token (and the previous checkpoint's); BagError when required."""
    position = _last_position(root)
    what = (
        f"position {position} and every event before it"
        if position is not None
        else "the bag's checkpoint"
    )
    reports = [_one(root, bag.CHECKPOINT_TSR, note, trust, require, what)]
    if previous_note is not None and (root / bag.PREVIOUS_TSR).is_file():
        size = previous_note.split("\n")[1]
        reports.append(
            _one(root, bag.PREVIOUS_TSR, previous_note, trust, require, f"tree size {size}")
        )
    return [r for r in reports if r is not None]
