"""The export bag's layout (BagIt, RFC 8493), its line format, manifests and scope.

Pure: the exporter and the offline verifier share it, and it needs no database.

Line format of ``data/events.jsonl``, one event per line, bytes exactly::

    {"index":<leaf index>,"leaf":<canonical leaf JSON>,"payload":<stored event JSON>}\\n

The leaf is byte-for-byte the RFC 8785 encoding whose RFC 6962 leaf hash is in the
tree; the payload is byte-for-byte the stored event state whose SHA-256 the leaf names.
A state that is not a one-line JSON object is written as ``"payload_base64":"<base64>"``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

__all__ = [
    "BAGIT_TXT",
    "BagError",
    "HashingWriter",
    "LineError",
    "ParsedLine",
    "Scope",
    "format_bag_info",
    "format_line",
    "format_manifest",
    "leaf_text_field",
    "parse_bag_info",
    "parse_line",
    "parse_manifest",
    "sha256_file",
]

BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
BAGIT = "bagit.txt"
BAG_INFO = "bag-info.txt"
MANIFEST = "manifest-sha256.txt"
TAGMANIFEST = "tagmanifest-sha256.txt"
SIGNATURE = "signature.ed25519"
EVENTS_JSONL = "data/events.jsonl"
EVENTS_CSV = "data/events.csv"
STATUS_JSON = "data/status.json"
CHECKPOINT = "ledger/checkpoint.txt"
PREVIOUS_CHECKPOINT = "ledger/previous-checkpoint.txt"
CONSISTENCY = "ledger/consistency.json"
LEAF_HASHES = "ledger/leaf-hashes.txt"
INCLUSION_PROOFS = "ledger/inclusion-proofs.jsonl"
CHECKPOINT_TSR = "ledger/checkpoint.tsr"  # RFC 3161 time-stamp response over checkpoint.txt
PREVIOUS_TSR = "ledger/previous-checkpoint.tsr"

_LINE_START = b'{"index":'
_LEAF_KEY = b',"leaf":'
_PAYLOAD_KEY = b',"payload":'
_PAYLOAD_B64_KEY = b',"payload_base64":"'
_MANIFEST_LINE = re.compile(r"([0-9a-fA-F]{64})[ \t]+\*?(.+)")
_CHUNK = 1 << 20


class BagError(ValueError):
    """A bag is malformed or fails verification; the message names the first failure."""


class LineError(ValueError):
    """A line of data/events.jsonl does not have the export line format."""


@dataclass(frozen=True)
class Scope:
    """Whom an export is for and which events it holds: an area and a recorded-time period."""

    authority: str | None = None
    area: str | None = None
    period_from: date | None = None
    period_to: date | None = None

    @property
    def is_full(self) -> bool:
        """Whether the export holds every leaf of the tree (no area or period filter)."""
        return self.area is None and self.period_from is None and self.period_to is None

    def recorded_bounds(self) -> tuple[str | None, str | None]:
        """Return [low, high) as canonical recorded_at strings; the period's days are inclusive."""
        low = f"{self.period_from.isoformat()}T00:00:00.000000Z" if self.period_from else None
        high = None
        if self.period_to is not None:
            high = f"{(self.period_to + timedelta(days=1)).isoformat()}T00:00:00.000000Z"
        return low, high

    def info(self) -> list[tuple[str, str]]:
        """Return the scope as bag-info labels; an unset part is left out."""
        pairs = [
            ("Frispor-Authority", self.authority),
            ("Frispor-Area", self.area),
            ("Frispor-Period-From", self.period_from.isoformat() if self.period_from else None),
            ("Frispor-Period-To", self.period_to.isoformat() if self.period_to else None),
        ]
        return [(label, value) for label, value in pairs if value is not None]

    @classmethod
    def from_info(cls, info: dict[str, str]) -> Scope:
        """Read the scope back from parsed bag-info labels."""

        def day(label: str) -> date | None:
            if label not in info:
                return None
            try:
                return date.fromisoformat(info[label])
            except ValueError:
                raise BagError(f"bag-info.txt: {label} {info[label]!r} is not a date") from None

        return cls(
            authority=info.get("Frispor-Authority"),
            area=info.get("Frispor-Area"),
            period_from=day("Frispor-Period-From"),
            period_to=day("Frispor-Period-To"),
        )


class ParsedLine(NamedTuple):
    """One export line split into its leaf index, leaf bytes and payload bytes."""

    leaf_index: int
    leaf: bytes
    payload: bytes


def _is_plain_json(state: bytes) -> bool:
    # Embedding is safe only for a one-line object; anything else travels as base64.
    return state[:1] == b"{" and state[-1:] == b"}" and b"\n" not in state and b"\r" not in state


def format_line(index: int, leaf: bytes, state: bytes) -> bytes:
    """Return the export line for a leaf and its stored event state."""
    if _is_plain_json(state):
        return b"".join((_LINE_START, b"%d" % index, _LEAF_KEY, leaf, _PAYLOAD_KEY, state, b"}\n"))
    encoded = base64.b64encode(state)
    return b"".join(
        (_LINE_START, b"%d" % index, _LEAF_KEY, leaf, _PAYLOAD_B64_KEY, encoded, b'"}\n')
    )


def parse_line(line: bytes) -> ParsedLine:
    """Split an export line; raise LineError if it does not have the line format."""
    if not line.startswith(_LINE_START) or not line.endswith(b"}\n"):
        raise LineError('does not look like {"index":…,"leaf":…,"payload":…}')
    comma = line.find(_LEAF_KEY, 9)
    digits = line[9:comma]
    if comma < 0 or not digits.isdigit() or (digits[:1] == b"0" and len(digits) > 1):
        raise LineError("has no valid leaf index")
    start = comma + 8
    # A JSON string cannot hold an unescaped quote and a canonical leaf has no "payload"
    # key, so the first ',"payload":' after the leaf's start ends a genuine leaf.
    plain = line.find(_PAYLOAD_KEY, start)
    if plain >= 0:
        # tuple.__new__ skips the NamedTuple constructor: this runs once per verified line.
        return tuple.__new__(ParsedLine, (int(digits), line[start:plain], line[plain + 11 : -2]))
    coded = line.find(_PAYLOAD_B64_KEY, start)
    if coded >= 0 and line.endswith(b'"}\n'):
        try:
            payload = base64.b64decode(line[coded + len(_PAYLOAD_B64_KEY) : -3], validate=True)
        except (binascii.Error, ValueError):
            raise LineError("has a payload_base64 that is not base64") from None
        return ParsedLine(int(digits), line[start:coded], payload)
    raise LineError("has no payload")


_FIELD_KEYS: dict[str, bytes] = {}


def leaf_text_field(leaf: bytes, name: str) -> str:
    """Return a string field of an authenticated canonical leaf without parsing all of it."""
    # Safe only for leaves whose hash was checked: canonical JSON escapes every quote in
    # string values, so '"name":"' occurs once, at the key itself.
    key = _FIELD_KEYS.get(name) or _FIELD_KEYS.setdefault(name, f'"{name}":"'.encode())
    start = leaf.find(key)
    if start < 0:
        raise LineError(f"leaf has no string field {name!r}")
    start += len(key)
    return leaf[start : leaf.index(b'"', start)].decode()


class HashingWriter:
    """A binary file writer that keeps the SHA-256 and byte count of what it wrote."""

    def __init__(self, path: Path) -> None:
        """Create (or truncate) the file at path."""
        self._file = path.open("wb")
        self._sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        """Write bytes, hashing them on the way."""
        self._file.write(data)
        self._sha.update(data)
        self.size += len(data)

    def hexdigest(self) -> str:
        """Return the SHA-256 of everything written so far."""
        return self._sha.hexdigest()

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def __enter__(self) -> HashingWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def sha256_file(path: Path) -> tuple[str, int]:
    """Return the SHA-256 hex digest and size of a file, read in chunks."""
    sha, size = hashlib.sha256(), 0
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def _encode_path(path: str) -> str:
    # RFC 8493 §2.1.3: only CR, LF and % are percent-encoded in manifest paths.
    return path.replace("%", "%25").replace("\n", "%0A").replace("\r", "%0D")


def _decode_path(path: str) -> str:
    return path.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def format_manifest(entries: dict[str, str]) -> bytes:
    """Return a manifest: one '<sha256>  <path>' line per file, sorted (sha256sum -c reads it)."""
    return "".join(f"{d}  {_encode_path(p)}\n" for p, d in sorted(entries.items())).encode()


def parse_manifest(data: bytes, name: str) -> dict[str, str]:
    """Parse a manifest into {path: lowercase sha256}; raise BagError if malformed."""
    entries: dict[str, str] = {}
    try:
        text = data.decode()
    except UnicodeDecodeError:
        raise BagError(f"{name} is not UTF-8") from None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _MANIFEST_LINE.fullmatch(line)
        if not match:
            raise BagError(f"{name} line {number} is not '<sha256> <path>'")
        path = _decode_path(match.group(2))
        parts = path.split("/")
        if path.startswith("/") or "\\" in path or any(p in ("", ".", "..") for p in parts):
            raise BagError(f"{name} line {number}: unsafe path {path!r}")
        if path in entries:
            raise BagError(f"{name} lists {path} twice")
        entries[path] = match.group(1).lower()
    return entries


def format_bag_info(pairs: list[tuple[str, str]]) -> bytes:
    """Return bag-info.txt text: one 'Label: value' line per pair."""
    for label, value in pairs:
        if ":" in label or "\n" in label or "\n" in value or "\r" in value:
            raise ValueError(f"bag-info pair {label!r}: {value!r} must be one line")
    return "".join(f"{label}: {value}\n" for label, value in pairs).encode()


def parse_bag_info(data: bytes) -> dict[str, str]:
    """Parse bag-info.txt into {label: value}; a repeated label is an error here."""
    info: dict[str, str] = {}
    last: str | None = None
    try:
        text = data.decode()
    except UnicodeDecodeError:
        raise BagError("bag-info.txt is not UTF-8") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if line[:1] in (" ", "\t") and last is not None:
            info[last] += " " + line.strip()  # RFC 8493 allows folded values
            continue
        label, sep, value = line.partition(":")
        if not sep or not label.strip():
            raise BagError(f"bag-info.txt line {number} is not 'Label: value'")
        last = label.strip()
        if last in info:
            raise BagError(f"bag-info.txt repeats the label {last}")
        info[last] = value.strip()
    return info
