"""Paging of list answers: `limit` (default 100, at most 1,000) and an opaque cursor."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Query

from frispor.api.errors import ApiError

T = TypeVar("T")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

Limit = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description="how many items at most (default 100, at most 1000)")
]
CursorParam = Annotated[
    str | None, Query(description="where the page starts: `next_cursor` of the previous page")
]


def encode(position: list[Any] | tuple[Any, ...]) -> str:
    """An opaque cursor for the position after the last item of a page."""
    text = json.dumps(list(position), separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str | None, shape: tuple[type, ...]) -> tuple[Any, ...] | None:
    """The position a cursor stands for, of the given types; a 422 naming `cursor` if not one."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != len(shape)
        or not all(type(v) is t for v, t in zip(values, shape, strict=True))
    ):
        raise ApiError(422, "cursor", "not a cursor this list gave out", field="cursor")
    return tuple(values)


def page(items: list[Any], cursor: tuple[Any, ...] | None) -> dict[str, Any]:
    """The list part of an answer: the items and where the next page starts (null: none)."""
    return {"items": items, "next_cursor": encode(cursor) if cursor is not None else None}


def cut(
    rows: Sequence[T], limit: int, position: Callable[[T], tuple[Any, ...]]
) -> tuple[list[T], tuple[Any, ...] | None]:
    """Rows read one past `limit`: the page, and where the next starts (None: the last page)."""
    shown = list(rows[:limit])
    return shown, position(shown[-1]) if len(rows) > limit else None
