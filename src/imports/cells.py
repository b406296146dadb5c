"""Spreadsheet cells to the API's JSON: dotted columns, Danish dates and decimal commas."""

from __future__ import annotations

import json
import re
import types
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

LIST_SEPARATOR = "|"  # several values in one cell: "a|b"
_DANISH_DATE = re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{4})$")


class CellError(ValueError):
    """A cell that cannot be read as its column's type."""


@dataclass(frozen=True)
class Column:
    """One CSV column: its dotted path, the type of its cells, and whether it lists values."""

    path: tuple[str, ...]
    kind: str  # date, decimal, int, bool, json or text
    listed: int | None = None  # the path's length up to a list of objects, zipped by "|"
    required: bool = False

    @property
    def name(self) -> str:
        """The header: dotted path."""
        return ".".join(self.path)


def _bare(annotation: Any) -> tuple[Any, bool]:
    """The type without Optional and Annotated, and whether it may be None."""
    optional = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(get_args(annotation))
            annotation = args[0] if len(args) == 1 else Any
        else:
            return annotation, optional


def _kind(annotation: Any) -> str:
    if isinstance(annotation, type):
        if issubclass(annotation, bool):
            return "bool"
        if issubclass(annotation, int):
            return "int"
        if issubclass(annotation, Decimal | float):
            return "decimal"
        if issubclass(annotation, date):
            return "date"
        if issubclass(annotation, str | Enum):
            return "text"
    return "json"


def columns(
    model: type[BaseModel], prefix: tuple[str, ...] = (), listed: int | None = None
) -> list[Column]:
    """The model's fields as flat columns, nested models dotted, in declaration order."""
    found: list[Column] = []
    for name, info in model.model_fields.items():
        annotation, _ = _bare(info.annotation)
        path = (*prefix, name)
        required = info.is_required() and listed is None
        if get_origin(annotation) in (list, tuple):
            item, _ = _bare(get_args(annotation)[0] if get_args(annotation) else Any)
            if isinstance(item, type) and issubclass(item, BaseModel):
                found += columns(item, path, len(path))
            else:
                found.append(Column(path, _kind(item), len(path), required))
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found += [
                Column(c.path, c.kind, c.listed, c.required and required)
                for c in columns(annotation, path, listed)
            ]
        else:
            found.append(Column(path, _kind(annotation), listed, required))
    return found


def read_cell(kind: str, text: str) -> Any:
    """A cell's JSON value: dd-mm-yyyy dates, 1.234,5 decimals, ja/nej."""
    text = text.strip()
    if kind == "date":
        if m := _DANISH_DATE.match(text):
            text = f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"
        return text
    if kind == "decimal":
        if "," in text:  # Danish: a comma for decimals, dots (or spaces) between thousands
            text = text.replace(".", "").replace(" ", "").replace(",", ".")
        return text
    if kind == "int":
        return text.replace(".", "").replace(" ", "")
    if kind == "bool":
        value = {"ja": True, "nej": False, "true": True, "false": False, "1": True, "0": False}
        if text.lower() not in value:
            raise CellError("write ja or nej")
        return value[text.lower()]
    if kind == "json":
        try:
            return json.loads(text)
        except ValueError:
            return text  # plain text stays text
    return text


def unflatten(row: dict[str, str], cols: list[Column]) -> tuple[dict[str, Any], dict[str, str]]:
    """A row's nested JSON body, and the cells that could not be read (column → message)."""
    body: dict[str, Any] = {}
    bad: dict[str, str] = {}
    for col in cols:
        text = row.get(col.name, "")
        if not text or not text.strip():
            continue
        try:
            if col.listed is None:
                _put(body, col.path, read_cell(col.kind, text))
            elif col.listed == len(col.path):  # a list of plain values
                values = [read_cell(col.kind, v) for v in text.split(LIST_SEPARATOR)]
                _put(body, col.path, values)
            else:  # one field of a list of objects: the i-th value goes to the i-th object
                head, tail = col.path[: col.listed], col.path[col.listed :]
                items = _list_at(body, head)
                for i, value in enumerate(text.split(LIST_SEPARATOR)):
                    while len(items) <= i:
                        items.append({})
                    if value.strip():
                        _put(items[i], tail, read_cell(col.kind, value))
        except CellError as error:
            bad[col.name] = str(error)
    return body, bad


def _put(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


def _list_at(target: dict[str, Any], path: tuple[str, ...]) -> list[dict[str, Any]]:
    for part in path[:-1]:
        target = target.setdefault(part, {})
    found: list[dict[str, Any]] = target.setdefault(path[-1], [])
    return found


def write_cell(kind: str, value: Any) -> str:
    """A JSON value as a Danish spreadsheet writes it: dd-mm-yyyy, decimal comma, ja/nej."""
    if value is None:
        return ""
    if kind == "date":
        year, month, day = str(value).split("-")
        return f"{day}-{month}-{year}"
    if kind == "decimal":
        return str(value).replace(".", ",")
    if kind == "bool":
        return "ja" if value else "nej"
    if kind == "json" and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def flatten(body: dict[str, Any], cols: list[Column]) -> dict[str, str]:
    """A nested JSON body as one CSV row of the columns (the inverse of `unflatten`)."""
    row: dict[str, str] = {}
    for col in cols:
        if col.listed is None:
            row[col.name] = write_cell(col.kind, _get(body, col.path))
        elif col.listed == len(col.path):
            values = _get(body, col.path) or []
            row[col.name] = LIST_SEPARATOR.join(write_cell(col.kind, v) for v in values)
        else:
            items = _get(body, col.path[: col.listed]) or []
            tail = col.path[col.listed :]
            row[col.name] = LIST_SEPARATOR.join(write_cell(col.kind, _get(i, tail)) for i in items)
    return row


def _get(body: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(body, dict):
            return None
        body = body.get(part)
    return body
