"""C2SP tlog-checkpoint in a C2SP signed-note with Ed25519, plus detached signatures.

Wire formats follow c2sp.org/signed-note and golang.org/x/mod/sumdb/note, so
Go tooling can verify our checkpoints with our verifier key string.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.merkle import HASH_SIZE

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "GeneratedSigner",
    "SignatureError",
    "VerifierKey",
    "checkpoint_body",
    "format_verifier_key",
    "generate_signer",
    "key_id",
    "load_private_key",
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

ALG_ED25519 = 0x01
_SIG_PREFIX = "\N{EM DASH} "
_MAX_SIGNATURES = 100  # the spec requires accepting at least 16
_SIZE_RE = re.compile(r"0|[1-9][0-9]*")
_KEY_ID_RE = re.compile(r"[0-9a-fA-F]{8}")

PrivateKeyLike = Ed25519PrivateKey | bytes
"""An Ed25519 private key object or its PKCS8 PEM encoding."""

PublicKeyLike = Ed25519PublicKey | str | bytes
"""An Ed25519 public key object, a note verifier key string, or a SubjectPublicKeyInfo PEM."""


class CheckpointError(ValueError):
    """A checkpoint or note is malformed, unsigned by the expected key, or for another log."""


class SignatureError(ValueError):
    """A detached signature does not verify, or a key is unusable."""


@dataclass(frozen=True)
class Checkpoint:
    """A verified tree head: the log origin, its tree size and its RFC 6962 root hash."""

    origin: str
    size: int
    root: bytes


@dataclass(frozen=True)
class VerifierKey:
    """A parsed note verifier key ``<name>+<hex key id>+<base64(0x01 || public key)>``."""

    name: str
    key_id: bytes
    public_key: bytes


class GeneratedSigner(NamedTuple):
    """A fresh signing key: PKCS8 PEM private key and its note verifier key string."""

    private_pem: bytes
    verifier_key: str


def _check_key_name(name: str) -> None:
    if not isinstance(name, str) or not name:
        raise CheckpointError("key name must be a non-empty string")
    if "+" in name or any(ch.isspace() or ord(ch) < 0x20 for ch in name):
        raise CheckpointError(f"key name {name!r} must not contain spaces, '+' or control chars")


def key_id(name: str, public_key: bytes) -> bytes:
    """Return the 4-byte note key ID SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    data = name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key
    return hashlib.sha256(data).digest()[:4]


def format_verifier_key(name: str, public_key: bytes) -> str:
    """Return the verifier key string for a 32-byte raw Ed25519 public key."""
    _check_key_name(name)
    if len(public_key) != 32:
        raise CheckpointError(f"Ed25519 public key must be 32 bytes, got {len(public_key)}")
    encoded = base64.b64encode(bytes([ALG_ED25519]) + public_key).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def parse_verifier_key(verifier_key: str) -> VerifierKey:
    """Parse and self-check a verifier key string; raise CheckpointError if malformed."""
    # The name cannot contain '+', but the base64 part can: split at most twice.
    parts = verifier_key.strip().split("+", 2)
    if len(parts) != 3:
        raise CheckpointError("verifier key must look like <name>+<hex key id>+<base64 key>")
    name, id_hex, key_b64 = parts
    _check_key_name(name)
    if not _KEY_ID_RE.fullmatch(id_hex):
        raise CheckpointError(f"verifier key ID {id_hex!r} must be 8 hex digits")
    raw = _b64decode(key_b64, "verifier key material", CheckpointError)
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise CheckpointError("verifier key material must be 0x01 followed by a 32-byte key")
    public_key = raw[1:]
    if key_id(name, public_key) != bytes.fromhex(id_hex):
        raise CheckpointError("verifier key ID does not match the key name and public key")
    return VerifierKey(name=name, key_id=bytes.fromhex(id_hex), public_key=public_key)


def _b64decode(text: str, what: str, error: type[ValueError]) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise error(f"{what} is not valid standard base64") from None
    # Reject non-canonical encodings (stray padding bits) so every value has one spelling.
    if base64.b64encode(raw).decode() != text:
        raise error(f"{what} is not canonical base64")
    return raw


def _raw_public(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def load_private_key(private_key: PrivateKeyLike) -> Ed25519PrivateKey:
    """Return an Ed25519 private key from a key object or PKCS8 PEM bytes."""
    if isinstance(private_key, Ed25519PrivateKey):
        return private_key
    try:
        key = serialization.load_pem_private_key(private_key, password=None)
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"cannot load private key PEM: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError(f"private key is {type(key).__name__}, expected Ed25519")
    return key


def generate_signer(name: str) -> GeneratedSigner:
    """Generate an Ed25519 key; return (PKCS8 PEM private key, verifier key string)."""
    _check_key_name(name)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return GeneratedSigner(pem, format_verifier_key(name, _raw_public(key)))


def verifier_key_for(private_key: PrivateKeyLike, name: str) -> str:
    """Return the verifier key string of a private key under the given key name."""
    return format_verifier_key(name, _raw_public(load_private_key(private_key)))


def _load_public_key(public_key: PublicKeyLike) -> Ed25519PublicKey:
    if isinstance(public_key, Ed25519PublicKey):
        return public_key
    if isinstance(public_key, str):
        try:
            raw = parse_verifier_key(public_key).public_key
        except CheckpointError as exc:
            raise SignatureError(str(exc)) from None
        return Ed25519PublicKey.from_public_bytes(raw)
    try:
        key = serialization.load_pem_public_key(public_key)
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"cannot load public key PEM: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SignatureError(f"public key is {type(key).__name__}, expected Ed25519")
    return key


def public_key_pem(key: PublicKeyLike | Ed25519PrivateKey) -> bytes:
    """Return the SubjectPublicKeyInfo PEM (usable by ``openssl pkeyutl``) of a key."""
    if isinstance(key, Ed25519PrivateKey):
        public = key.public_key()
    elif isinstance(key, bytes) and b"PRIVATE KEY" in key:
        public = load_private_key(key).public_key()
    else:
        public = _load_public_key(key)
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def sign_bytes(data: bytes, private_key: PrivateKeyLike) -> bytes:
    """Return the raw 64-byte Ed25519 signature over data (a detached signature)."""
    return load_private_key(private_key).sign(data)


def verify_bytes(data: bytes, signature: bytes, public_key: PublicKeyLike) -> None:
    """Verify a detached Ed25519 signature over data; raise SignatureError if it is bad."""
    key = _load_public_key(public_key)
    try:
        key.verify(signature, data)
    except InvalidSignature:
        raise SignatureError("detached Ed25519 signature does not verify") from None


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    """Return the checkpoint note text ``<origin>\\n<size>\\n<base64 root>\\n``."""
    if not isinstance(origin, str) or not origin:
        raise CheckpointError("origin must be a non-empty string")
    if any(ord(ch) < 0x20 for ch in origin):
        raise CheckpointError("origin must not contain newlines or control characters")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise CheckpointError(f"tree size must be a non-negative integer, got {size!r}")
    if len(root) != HASH_SIZE:
        raise CheckpointError(f"root hash must be {HASH_SIZE} bytes, got {len(root)}")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign_note(text: str, private_key: PrivateKeyLike, key_name: str) -> str:
    """Return a signed note: text, a blank line and one Ed25519 signature line."""
    _check_key_name(key_name)
    if not text.endswith("\n") or any(ord(ch) < 0x20 and ch != "\n" for ch in text):
        raise CheckpointError("note text must end with a newline and have no control chars")
    key = load_private_key(private_key)
    blob = key_id(key_name, _raw_public(key)) + key.sign(text.encode())
    return f"{text}\n{_SIG_PREFIX}{key_name} {base64.b64encode(blob).decode()}\n"


def sign_checkpoint(
    origin: str, size: int, root: bytes, private_key: PrivateKeyLike, key_name: str
) -> str:
    """Return the full signed note text of a checkpoint, signed by key_name's Ed25519 key."""
    return sign_note(checkpoint_body(origin, size, root), private_key, key_name)


def _split_note(note_text: str) -> tuple[str, list[tuple[str, bytes]]]:
    """Return (signed text, [(key name, key id || signature)]) of a signed note."""
    if any(ord(ch) < 0x20 and ch != "\n" for ch in note_text):
        raise CheckpointError("bad format: note contains control characters other than newline")
    if not note_text.endswith("\n"):
        raise CheckpointError("bad format: note does not end with a newline")
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
        blob = _b64decode(sig_b64, f"signature line {number}", CheckpointError)
        if len(blob) < 5:
            raise CheckpointError(f"bad format: signature line {number} is too short")
        signatures.append((name, blob))
    return text, signatures


def _parse_body(text: str) -> Checkpoint:
    lines = text.split("\n")[:-1]  # the text always ends with a newline
    if len(lines) < 3:
        raise CheckpointError("bad format: checkpoint needs origin, size and root hash lines")
    if len(lines) > 3:
        raise CheckpointError("bad format: unexpected checkpoint extension lines")
    origin, size_text, root_b64 = lines
    if not origin:
        raise CheckpointError("bad format: empty origin line")
    if not _SIZE_RE.fullmatch(size_text):
        raise CheckpointError(f"bad format: tree size {size_text!r} is not a plain decimal")
    root = _b64decode(root_b64, "root hash", CheckpointError)
    if len(root) != HASH_SIZE:
        raise CheckpointError(f"bad format: root hash is {len(root)} bytes, not {HASH_SIZE}")
    return Checkpoint(origin=origin, size=int(size_text), root=root)


def open_note(note_text: str, verifier_key: str) -> str:
    """Verify a signed note against one verifier key and return its text; raise CheckpointError.

    Signatures from other keys are ignored, as the signed-note spec requires.
    """
    key = parse_verifier_key(verifier_key)
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
    expected = parse_verifier_key(verifier_key).name if origin is None else origin
    if checkpoint.origin != expected:
        raise CheckpointError(
            f"wrong origin: checkpoint is for {checkpoint.origin!r}, expected {expected!r}"
        )
    return checkpoint
