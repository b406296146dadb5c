"""The checkpoint file: every signed checkpoint kept outside the database too, one per line.

A JSON line per checkpoint (`{"cut_at": ..., "note": ...}`), appended with one `write` on a
file opened with O_APPEND and flushed to disk before the append returns. A crash can at worst
leave a last line without its newline; it is reported, never taken for a checkpoint. The
database must hold every checkpoint of this file in a tree consistent with it (`frispor check`),
so whoever rewrites the database must also reach the file (keep it on another machine or disk).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CheckpointFile", "CheckpointFileError", "FiledCheckpoint"]


class CheckpointFileError(ValueError):
    """The checkpoint file cannot be read or holds a line that is not a checkpoint."""


@dataclass(frozen=True)
class FiledCheckpoint:
    """One line of the file: its number (from 1), the signed note and when it was cut."""

    line: int
    note: str
    cut_at: str


@dataclass(frozen=True)
class CheckpointFile:
    """An append-only file of signed checkpoint notes at a path the operator chooses."""

    path: Path

    def append(self, note: str, cut_at: str) -> None:
        """Append one checkpoint as one line, in one write, synced to disk."""
        record = {"cut_at": cut_at, "note": note}
        data = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            written = os.write(fd, data)
            if written != len(data):  # a full disk: say so rather than leave half a line
                raise OSError(f"only {written} of {len(data)} bytes written to {self.path}")
            os.fsync(fd)
        finally:
            os.close(fd)

    def read(self) -> tuple[list[FiledCheckpoint], bool]:
        """Return the complete lines' checkpoints and whether a torn last line was left out."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return [], False
        except OSError as error:
            raise CheckpointFileError(f"cannot read {self.path}: {error.strerror}") from None
        lines = data.split(b"\n")
        torn = lines.pop() != b""  # the text after the last newline: empty unless torn
        filed: list[FiledCheckpoint] = []
        for number, line in enumerate(lines, start=1):
            try:
                record = json.loads(line)
                filed.append(FiledCheckpoint(number, str(record["note"]), str(record["cut_at"])))
            except (ValueError, KeyError, TypeError):
                raise CheckpointFileError(
                    f"{self.path} line {number} is not a checkpoint record"
                ) from None
        return filed, torn
