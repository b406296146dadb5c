"""Ed25519 key handling: note verifier keys, PEM files and detached signatures.

The verifier key string ``<name>+<hex key id>+<base64(0x01 || public key)>`` is the
format of c2sp.org/signed-note and golang.org/x/mod/sumdb/note.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "ALG_ED25519",
    "GeneratedSigner",
    "PrivateKeyLike",
    "PublicKeyLike",
    "SigningError",
    "VerifierKey",
    "check_key_name",
    "decode_base64_strict",
    "format_verifier_key",
    "generate_signer",
    "key_id",
    "load_private_key",
    "load_public_key",
    "parse_verifier_key",
    "public_key_pem",
    "raw_public_key",
    "sign_bytes",
    "verifier_key_for",
    "verify_bytes",
]

ALG_ED25519 = 0x01
_KEY_ID_RE = re.compile(r"[0-9a-fA-F]{8}")

PrivateKeyLike = Ed25519PrivateKey | bytes
"""An Ed25519 private key object or its PKCS8 PEM encoding."""

PublicKeyLike = Ed25519PublicKey | str | bytes
"""An Ed25519 public key object, a note verifier key string, or a SubjectPublicKeyInfo PEM."""


class SigningError(ValueError):
    """A key is malformed or unusable, or a signature does not verify."""


@dataclass(frozen=True)
class VerifierKey:
    """A parsed note verifier key: key name, 4-byte key ID and raw 32-byte public key."""

    name: str
    key_id: bytes
    public_key: bytes


class GeneratedSigner(NamedTuple):
    """A fresh signing key: PKCS8 PEM private key and its note verifier key string."""

    private_pem: bytes
    verifier_key: str


def check_key_name(name: str) -> None:
    """Raise SigningError unless name is a valid signed-note key name."""
    if not isinstance(name, str) or not name:
        raise SigningError("key name must be a non-empty string")
    if "+" in name or any(ch.isspace() or ord(ch) < 0x20 for ch in name):
        raise SigningError(f"key name {name!r} must not contain spaces, '+' or control chars")


def decode_base64_strict(text: str, what: str) -> bytes:
    """Decode standard base64, rejecting stray characters and non-canonical encodings."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SigningError(f"{what} is not valid standard base64") from None
    # Non-zero padding bits would give one value two spellings; a signed format wants one.
    if base64.b64encode(raw).decode() != text:
        raise SigningError(f"{what} is not canonical base64")
    return raw


def key_id(name: str, public_key: bytes) -> bytes:
    """Return the 4-byte note key ID SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    data = name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key
    return hashlib.sha256(data).digest()[:4]


def format_verifier_key(name: str, public_key: bytes) -> str:
    """Return the verifier key string for a 32-byte raw Ed25519 public key."""
    check_key_name(name)
    if len(public_key) != 32:
        raise SigningError(f"Ed25519 public key must be 32 bytes, got {len(public_key)}")
    encoded = base64.b64encode(bytes([ALG_ED25519]) + public_key).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def parse_verifier_key(verifier_key: str) -> VerifierKey:
    """Parse and self-check a verifier key string; raise SigningError if malformed."""
    # The name cannot contain '+', but the base64 part can: split at most twice.
    parts = verifier_key.strip().split("+", 2)
    if len(parts) != 3:
        raise SigningError("verifier key must look like <name>+<hex key id>+<base64 key>")
    name, id_hex, key_b64 = parts
    check_key_name(name)
    if not _KEY_ID_RE.fullmatch(id_hex):
        raise SigningError(f"verifier key ID {id_hex!r} must be 8 hex digits")
    raw = decode_base64_strict(key_b64, "verifier key material")
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise SigningError("verifier key material must be 0x01 followed by a 32-byte key")
    public_key = raw[1:]
    if key_id(name, public_key) != bytes.fromhex(id_hex):
        raise SigningError("verifier key ID does not match the key name and public key")
    return VerifierKey(name=name, key_id=bytes.fromhex(id_hex), public_key=public_key)


def raw_public_key(private_key: Ed25519PrivateKey) -> bytes:
    """Return the raw 32-byte public key of a private key."""
    return private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def load_private_key(private_key: PrivateKeyLike) -> Ed25519PrivateKey:
    """Return an Ed25519 private key from a key object or PKCS8 PEM bytes."""
    if isinstance(private_key, Ed25519PrivateKey):
        return private_key
    key = _from_pem(
        lambda pem: serialization.load_pem_private_key(pem, None), private_key, "private"
    )
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"private key is {type(key).__name__}, expected Ed25519")
    return key


def _from_pem(load: Callable[[bytes], object], pem: bytes, which: str) -> object:
    try:
        return load(pem)
    except (ValueError, TypeError) as exc:
        raise SigningError(f"cannot load {which} key PEM: {exc}") from None


def load_public_key(public_key: PublicKeyLike) -> Ed25519PublicKey:
    """Return an Ed25519 public key from a key object, verifier key string or PEM bytes."""
    if isinstance(public_key, Ed25519PublicKey):
        return public_key
    if isinstance(public_key, str):
        return Ed25519PublicKey.from_public_bytes(parse_verifier_key(public_key).public_key)
    key = _from_pem(serialization.load_pem_public_key, public_key, "public")
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError(f"public key is {type(key).__name__}, expected Ed25519")
    return key


def generate_signer(name: str) -> GeneratedSigner:
    """Generate an Ed25519 key; return (PKCS8 PEM private key, verifier key string)."""
    check_key_name(name)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return GeneratedSigner(pem, format_verifier_key(name, raw_public_key(key)))


def verifier_key_for(private_key: PrivateKeyLike, name: str) -> str:
    """Return the verifier key string of a private key under the given key name."""
    return format_verifier_key(name, raw_public_key(load_private_key(private_key)))


def public_key_pem(key: PublicKeyLike | Ed25519PrivateKey) -> bytes:
    """Return the SubjectPublicKeyInfo PEM (what ``openssl pkeyutl -pubin`` reads) of a key."""
    if isinstance(key, Ed25519PrivateKey):
        public = key.public_key()
    elif isinstance(key, bytes) and b"PRIVATE KEY" in key:
        public = load_private_key(key).public_key()
    else:
        public = load_public_key(key)
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def sign_bytes(data: bytes, private_key: PrivateKeyLike) -> bytes:
    """Return the raw 64-byte Ed25519 signature over data (a detached signature)."""
    return load_private_key(private_key).sign(data)


def verify_bytes(data: bytes, signature: bytes, public_key: PublicKeyLike) -> None:
    """Verify a detached Ed25519 signature over data; raise SigningError if it is bad."""
    key = load_public_key(public_key)
    try:
        key.verify(signature, data)
    except InvalidSignature:
        raise SigningError("detached Ed25519 signature does not verify") from None
