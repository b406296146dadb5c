"""Rule 6: find CPR numbers (DDMMYY-NNNN, with or without the dash) anywhere in a record."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from pydantic import BaseModel

from frispor.domain.errors import CprNumberError

CPR = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})[-‐ ]?(\d{4})(?!\d)")

# Structured values, validated as such, that may hold ten digits in a row: a P-number is ten
# digits by definition, and a SHA-256 in hex has a run that reads as a date now and then.
NOT_FREE_TEXT = frozenset({"p_number", "checkpoint_root", "tagmanifest_sha256", "sha256"})


def find_cpr(text: str) -> str | None:
    """Return the first substring of text that reads as a CPR number, if any."""
    for m in CPR.finditer(text):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
        # The century is unknown from the number alone; any century with a real date counts.
        for century in (1900, 2000):
            try:
                date(century + year, month, day)
            except ValueError:
                continue
            return m[0]
    return None


def _could_hold_cpr(text: str) -> bool:
    return any(find_cpr(m[0]) for m in CPR.finditer(text))


# Digits become 0, the separators CPR allows become -, every other byte a dot: then a CPR
# number needs ten zeros in a row, or six, a dash and four. Two substring searches in C rule out
# nearly every event for a fraction of what the regex costs (its look-behind runs at each byte).
_SHAPE = bytes(
    b"0"[0] if b in b"0123456789" else b"-"[0] if b in b" -" else b"."[0] for b in range(256)
)
_HYPHEN = "‐".encode()


def _may_hold_cpr(data: bytes) -> bool:
    """Whether UTF-8 text could hold a CPR number (no false negatives)."""
    shape = data.replace(_HYPHEN, b"-").translate(_SHAPE)
    return b"0000000000" in shape or b"000000-0000" in shape


def _walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            if name not in NOT_FREE_TEXT:
                yield from _walk(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(str(key), f"{path}.<key>")
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list | tuple | set | frozenset):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")


def refuse_cpr(record: Any, where: str = "", serialised: bytes | None = None) -> None:
    """Raise CprNumberError naming the field if any text in record holds a CPR number."""
    # A pass over the serialised record rules out nearly every event cheaply; only a possible
    # hit pays for the walk that finds (and masks) the field.
    if isinstance(record, BaseModel):
        data = record.model_dump_json().encode() if serialised is None else serialised
        if not _may_hold_cpr(data) or not _could_hold_cpr(data.decode()):
            return
    for path, text in _walk(record, where):
        if find_cpr(text):
            # Not even the birth date: the message is shown and logged where CPR may not be.
            raise CprNumberError(
                f"rule 6: a CPR number may not be stored; found in '{path}'", field=path
            )
