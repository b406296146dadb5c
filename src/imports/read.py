"""Reading an import file: its size, hash and format; CSV or JSON Lines, one line at a time."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from frispor.imports.kinds import Kind
from frispor.imports.report import FileRefusedError, Refusal

DEFAULT_MAX_BYTES = 1 << 30  # 1 GiB: a larger history is split into several files
_ORDER_PREFIX = re.compile(r"^\d+[-_ ]")


@dataclass(frozen=True)
class Line:
    """One line of the file: its number, kind, and fields (or why it cannot be read)."""

    number: int
    kind: Kind | None
    fields: dict[str, Any]
    problem: Refusal | None = None


def refuse(file: str, rule: str, message: str, field: str | None = None, line: int = 0) -> None:
    """Refuse the whole file."""
    raise FileRefusedError(Refusal(file, line, field, rule, message))


def digest(path: Path, name: str, max_bytes: int) -> tuple[str, int]:
    """The file's SHA-256 and size, refusing one larger than allowed before reading it."""
    size = path.stat().st_size
    if size > max_bytes:
        refuse(
            name, "file-too-large", f"the file is {size:,} bytes; at most {max_bytes:,} are read"
        )
    sha = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest(), size


def kind_of(name: str, kinds: Mapping[str, Kind], given: str | None) -> Kind | None:
    """The kind a CSV file holds: given, or its name (`exemption-grant.csv`, `04-goal.csv`)."""
    stem = given or _ORDER_PREFIX.sub("", Path(name).name.split(".")[0])
    return kinds.get(stem)


def is_json_lines(name: str, head: bytes) -> bool:
    """JSON Lines by the name's suffix, else by the first character."""
    suffix = Path(name).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return True
    if suffix in (".csv", ".txt"):
        return False
    return head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"{")


def lines(
    raw: BinaryIO, name: str, kinds: Mapping[str, Kind], given_kind: str | None
) -> Iterator[Line]:
    """The file's lines, read one at a time; a file that cannot be read at all is refused."""
    head = raw.read(4096)
    raw.seek(0)
    if b"\0" in head:
        refuse(name, "not-csv-or-json", "the file is neither CSV nor JSON Lines text")
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
    number = 0
    try:
        if is_json_lines(name, head):
            for number, row in enumerate(text, start=1):
                if row.strip():
                    yield _json_line(name, number, row, kinds)
        else:
            yield from _csv_lines(text, name, kinds, given_kind)
    except UnicodeDecodeError:
        refuse(
            name,
            "encoding",
            "the file is not UTF-8 text; save it as UTF-8 (CSV UTF-8 in a spreadsheet)",
            line=number + 1 if number else 0,
        )
    except csv.Error as error:
        refuse(name, "not-csv-or-json", f"the file is not CSV: {error}")
    finally:
        text.detach()  # the caller closes the file


def _json_line(name: str, number: int, row: str, kinds: Mapping[str, Kind]) -> Line:
    try:
        fields = json.loads(row)
    except ValueError:
        return Line(number, None, {}, Refusal(name, number, None, "json", "the line is not JSON"))
    if not isinstance(fields, dict):
        return Line(number, None, {}, Refusal(name, number, None, "json", "a line is an object"))
    command = fields.pop("command", None)
    kind = kinds.get(command) if isinstance(command, str) else None
    if kind is None:
        known = ", ".join(kinds)
        message = f"unknown command; one of: {known}"
        return Line(number, None, {}, Refusal(name, number, "command", "unknown-kind", message))
    return Line(number, kind, fields)


def _csv_lines(
    text: io.TextIOWrapper, name: str, kinds: Mapping[str, Kind], given_kind: str | None
) -> Iterator[Line]:
    from frispor.imports.cells import unflatten

    kind = kind_of(name, kinds, given_kind)
    if kind is None:
        refuse(
            name,
            "unknown-kind",
            f"name the file after its kind (KIND.csv); kinds: {', '.join(kinds)}",
            field="kind",
        )
    assert kind is not None
    header_line = text.readline()
    if not header_line.strip():
        refuse(name, "missing-column", "the file has no header row")
    delimiter = ";" if header_line.count(";") >= header_line.count(",") else ","
    header = [h.strip() for h in next(csv.reader([header_line], delimiter=delimiter))]
    columns = kind.csv_columns()
    known = {c.name for c in columns}
    for title in header:
        if title not in known:
            refuse(name, "unknown-column", f"no column '{title}' in a {kind.name} file", title, 1)
    for needed in (c.name for c in columns if c.required):
        if needed not in header:
            refuse(name, "missing-column", f"a {kind.name} file needs column '{needed}'", needed, 1)
    for number, row in enumerate(csv.reader(text, delimiter=delimiter), start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problem = Refusal(
                name,
                number,
                None,
                "columns",
                f"{len(row)} cells where the header has {len(header)}",
            )
            yield Line(number, kind, {}, problem)
            continue
        cells = dict(zip(header, row, strict=True))
        fields, bad = unflatten(cells, columns)
        if bad:
            cell, message = next(iter(bad.items()))
            yield Line(number, kind, {}, Refusal(name, number, cell, "valid-value", message))
            continue
        yield Line(number, kind, fields)
