"""C2SP tlog-checkpoint inside a C2SP signed-note, signed with Ed25519.

Wire formats follow c2sp.org/tlog-checkpoint, c2sp.org/signed-note and
golang.org/x/mod/sumdb/note, so Go tooling can verify our checkpoints with our
verifier key string. Key handling and detached signatures live in ``ledger.keys``
and are re-exported here.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from frispor.ledger.keys import (
    GeneratedSigner,
    PrivateKeyLike,
    SigningError,
    VerifierKey,
    check_key_name,
    decode_base64_strict,
    format_verifier_key,
    generate_signer,
    key_id,
    load_private_key,
    parse_verifier_key,
    public_key_pem,
    raw_public_key,
    sign_bytes,
    verifier_key_for,
    verify_bytes,
)
from frispor.ledger.merkle import HASH_SIZE

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "GeneratedSigner",
    "SigningError",
    "VerifierKey",
    "checkpoint_body",
    "format_verifier_key",
    "generate_signer",
    "key_id",
    "open_note",
    "parse_and_verify_checkpoint",
    "parse_verifier_key",
    "public_key_pem",
    "sign_bytes",
    "sign_checkpoint",
    "sign_note",
    "verifier_key_for",
    "verify_bytes",
]

_SIG_PREFIX = "\N{EM DASH} "
_MAX_SIGNATURES = 100  # the spec requires accepting at least 16
_SIZE_RE = re.compile(r"0|[1-9][0-9]*")


class CheckpointError(SigningError):
    """A note or checkpoint is malformed, not signed by the expected key, or for another log."""


@dataclass(frozen=True)
class Checkpoint:
    """A verified tree head: the log origin, its tree size and its RFC 6962 root hash."""

    origin: str
    size: int
    root: bytes


def _has_control_chars(text: str) -> bool:
    return any(ord(ch) < 0x20 and ch != "\n" for ch in text)


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    """Return the checkpoint note text ``<origin>\\n<size>\\n<base64 root>\\n``."""
    if not isinstance(origin, str) or not origin or "\n" in origin or _has_control_chars(origin):
        raise CheckpointError("origin must be a non-empty single line without control chars")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise CheckpointError(f"tree size must be a non-negative integer, got {size!r}")
    if len(root) != HASH_SIZE:
        raise CheckpointError(f"root hash must be {HASH_SIZE} bytes, got {len(root)}")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign_note(text: str, private_key: PrivateKeyLike, key_name: str) -> str:
    """Return a signed note: text, a blank line and one Ed25519 signature line."""
    check_key_name(key_name)
    if not text.endswith("\n") or _has_control_chars(text):
        raise CheckpointError("note text must end with a newline and have no control chars")
    key = load_private_key(private_key)
    blob = key_id(key_name, raw_public_key(key)) + key.sign(text.encode())
    return f"{text}\n{_SIG_PREFIX}{key_name} {base64.b64encode(blob).decode()}\n"


def sign_checkpoint(
    origin: str, size: int, root: bytes, private_key: PrivateKeyLike, key_name: str
) -> str:
    """Return the full signed note text of a checkpoint, signed by key_name's Ed25519 key."""
    return sign_note(checkpoint_body(origin, size, root), private_key, key_name)


def _split_note(note_text: str) -> tuple[str, list[tuple[str, bytes]]]:
    """Return (signed text, [(key name, key id || signature)]) of a signed note."""
    if _has_control_chars(note_text):
        raise CheckpointError("bad format: note contains control characters other than newline")
    if not note_text.endswith("\n"):
        raise CheckpointError("bad format: note does not end with a newline")
    # The text may contain blank lines; the signatures start after the last one.
    split = note_text.rfind("\n\n")
    if split < 0:
        raise CheckpointError("bad format: no blank line between note text and signatures")
    text, sig_block = note_text[: split + 1], note_text[split + 2 :]
    lines = sig_block.split("\n")[:-1]
    if not lines:
        raise CheckpointError("bad format: note has no signature lines")
    if len(lines) > _MAX_SIGNATURES:
        raise CheckpointError(f"bad format: more than {_MAX_SIGNATURES} signatures")
    signatures: list[tuple[str, bytes]] = []
    for number, line in enumerate(lines, start=1):
        if not line.startswith(_SIG_PREFIX):
            raise CheckpointError(f"bad format: signature line {number} must start with em dash")
        fields = line[len(_SIG_PREFIX) :].split(" ")
        if len(fields) != 2 or not fields[0]:
            raise CheckpointError(f"bad format: signature line {number} is not '— name sig'")
        name, sig_b64 = fields
        try:
            blob = decode_base64_strict(sig_b64, f"signature line {number}")
        except SigningError as exc:
            raise CheckpointError(f"bad format: {exc}") from None
        if len(blob) < 5:
            raise CheckpointError(f"bad format: signature line {number} is too short")
        signatures.append((name, blob))
    return text, signatures


def _parse_body(text: str) -> Checkpoint:
    lines = text.split("\n")[:-1]  # the text always ends with a newline
    if len(lines) < 3:
        raise CheckpointError("bad format: checkpoint needs origin, size and root hash lines")
    if len(lines) > 3:
        # Extension lines are optional in the spec; this log never writes any.
        raise CheckpointError("bad format: unexpected checkpoint extension lines")
    origin, size_text, root_b64 = lines
    if not origin:
        raise CheckpointError("bad format: empty origin line")
    if not _SIZE_RE.fullmatch(size_text):
        raise CheckpointError(f"bad format: tree size {size_text!r} is not a plain decimal")
    try:
        root = decode_base64_strict(root_b64, "root hash")
    except SigningError as exc:
        raise CheckpointError(f"bad format: {exc}") from None
    if len(root) != HASH_SIZE:
        raise CheckpointError(f"bad format: root hash is {len(root)} bytes, not {HASH_SIZE}")
    return Checkpoint(origin=origin, size=int(size_text), root=root)


def _parse_key(verifier_key: str) -> VerifierKey:
    try:
        return parse_verifier_key(verifier_key)
    except SigningError as exc:
        raise CheckpointError(f"bad verifier key: {exc}") from None


def open_note(note_text: str, verifier_key: str) -> str:
    """Verify a signed note against one verifier key and return its text; raise CheckpointError.

    Signatures from other keys are ignored, as the signed-note spec requires.
    """
    key = _parse_key(verifier_key)
    text, signatures = _split_note(note_text)
    matching = [blob for name, blob in signatures if name == key.name and blob[:4] == key.key_id]
    if not matching:
        found = ", ".join(f"{name}+{blob[:4].hex()}" for name, blob in signatures)
        raise CheckpointError(
            f"unknown key: no signature by {key.name}+{key.key_id.hex()} (found: {found})"
        )
    public = Ed25519PublicKey.from_public_bytes(key.public_key)
    for blob in matching:
        try:
            public.verify(blob[4:], text.encode())
        except InvalidSignature:
            raise CheckpointError(
                f"bad signature: signature by {key.name} does not verify"
            ) from None
    return text


def parse_and_verify_checkpoint(
    note_text: str, verifier_key: str, *, origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint note and return its contents; raise CheckpointError.

    ``origin`` is the expected log origin; it defaults to the verifier key's name.
    """
    checkpoint = _parse_body(open_note(note_text, verifier_key))
    expected = _parse_key(verifier_key).name if origin is None else origin
    if checkpoint.origin != expected:
        raise CheckpointError(
            f"wrong origin: checkpoint is for {checkpoint.origin!r}, expected {expected!r}"
        )
    return checkpoint
