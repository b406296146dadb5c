"""C2SP tlog-cosignature (Ed25519, cosignature/v1) and the tlog-witness request body.

A cosignature is a note signature line `— <witness name> base64(key ID || u64 time || sig)`
where the signature covers "cosignature/v1\\ntime <t>\\n" followed by the checkpoint body, and
the key ID is SHA-256(name || "\\n" || 0x04 || public key)[:4]. Witness verifier keys are
`<name>+<key id>+base64(0x04 || public key)`.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from frispor.ledger.keys import (
    SigningError,
    check_key_name,
    decode_base64_strict,
    raw_public_key,
)

__all__ = [
    "AddCheckpoint",
    "CosignError",
    "WitnessKey",
    "as_cut",
    "cosign",
    "format_add_checkpoint",
    "note_body",
    "parse_add_checkpoint",
    "valid_cosigners",
    "witness_vkey",
]

ALG_COSIGNATURE_V1 = 0x04
_PREFIX = "\N{EM DASH} "
_MAX_PROOF = 63


class CosignError(ValueError):
    """A witness key, cosignature or add-checkpoint body is malformed."""


def _key_id(name: str, public_key: bytes) -> bytes:
    data = name.encode() + b"\n" + bytes([ALG_COSIGNATURE_V1]) + public_key
    return hashlib.sha256(data).digest()[:4]


def witness_vkey(name: str, private_key: Ed25519PrivateKey) -> str:
    """Return the witness's verifier key string (signature type 0x04)."""
    check_key_name(name)
    public = raw_public_key(private_key)
    encoded = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + public).decode()
    return f"{name}+{_key_id(name, public).hex()}+{encoded}"


@dataclass(frozen=True)
class WitnessKey:
    """A witness's name and Ed25519 public key, parsed from its verifier key."""

    name: str
    key_id: bytes
    public: Ed25519PublicKey

    @classmethod
    def parse(cls, vkey: str) -> WitnessKey:
        """Parse `<name>+<key id>+<base64 0x04||key>`; raise CosignError if it is not one."""
        parts = vkey.strip().split("+", 2)
        try:
            if len(parts) != 3:
                raise SigningError("must look like <name>+<hex key id>+<base64 key>")
            name, id_hex, material = parts
            check_key_name(name)
            raw = decode_base64_strict(material, "witness key material")
        except SigningError as error:
            raise CosignError(f"bad witness key: {error}") from None
        if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
            raise CosignError("bad witness key: material must be 0x04 and a 32-byte Ed25519 key")
        if _key_id(name, raw[1:]).hex() != id_hex:
            raise CosignError("bad witness key: key ID does not match name and key")
        return cls(name, bytes.fromhex(id_hex), Ed25519PublicKey.from_public_bytes(raw[1:]))


def note_body(note: str) -> str:
    """The checkpoint text of a signed note: everything before the blank line, newline included."""
    split = note.find("\n\n")
    if split < 0:
        raise CosignError("not a signed note: no blank line before the signatures")
    return note[: split + 1]


def as_cut(note: str) -> str:
    """The note as the log signed it: its text and the first signature line, no cosignatures."""
    body = note_body(note)
    first = note[len(body) + 1 :].split("\n", 1)[0]
    return f"{body}\n{first}\n"


def _message(body: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosign(note: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> str:
    """Return the cosignature line (with its newline) of a witness over a checkpoint note."""
    signature = private_key.sign(_message(note_body(note), timestamp))
    blob = _key_id(name, raw_public_key(private_key)) + struct.pack(">Q", timestamp) + signature
    return f"{_PREFIX}{name} {base64.b64encode(blob).decode()}\n"


def valid_cosigners(note: str, witnesses: list[WitnessKey]) -> dict[str, int]:
    """Return {witness name: cosignature time} of the given witnesses whose cosignature holds."""
    body = note_body(note)
    found: dict[str, int] = {}
    for line in note[len(body) + 1 :].split("\n"):
        if not line.startswith(_PREFIX):
            continue
        name, _, encoded = line[len(_PREFIX) :].partition(" ")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except ValueError:
            continue
        for key in witnesses:
            if key.name != name or blob[:4] != key.key_id or len(blob) != 76:
                continue
            (timestamp,) = struct.unpack(">Q", blob[4:12])
            try:
                key.public.verify(blob[12:], _message(body, timestamp))
            except InvalidSignature:
                continue
            found[name] = timestamp
    return found


@dataclass(frozen=True)
class AddCheckpoint:
    """An add-checkpoint request: the size the witness saw last, the proof, the new note."""

    old_size: int
    proof: list[bytes]
    note: str


def format_add_checkpoint(old_size: int, proof: list[bytes], note: str) -> bytes:
    """Return the tlog-witness add-checkpoint request body."""
    lines = [f"old {old_size}\n", *(base64.b64encode(h).decode() + "\n" for h in proof), "\n"]
    return ("".join(lines) + note).encode()


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Parse an add-checkpoint request body; raise CosignError naming what is wrong."""
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise CosignError("the request body is not UTF-8") from None
    head, sep, note = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or not lines[0].startswith("old "):
        raise CosignError("the body must start with 'old <size>', proof lines and a blank line")
    size_text = lines[0][4:]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise CosignError(f"old size {size_text!r} is not a plain decimal")
    if len(lines) - 1 > _MAX_PROOF:
        raise CosignError(f"more than {_MAX_PROOF} consistency proof lines")
    proof: list[bytes] = []
    for number, line in enumerate(lines[1:], start=1):
        try:
            proof.append(decode_base64_strict(line, f"proof line {number}"))
        except SigningError as error:
            raise CosignError(str(error)) from None
    return AddCheckpoint(int(size_text), proof, note)
