"""The log's signing key: load it from a PEM file, write a fresh key pair, sign checkpoints."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from frispor.ledger.checkpoint import (
    SigningError,
    generate_signer,
    public_key_pem,
    sign_bytes,
    sign_checkpoint,
    verifier_key_for,
)
from frispor.ledger.keys import load_private_key

__all__ = ["Signer", "public_key_path", "write_key_pair"]


def public_key_path(private_path: Path) -> Path:
    """Return where the public key of a private key file lives: the same path plus '.pub'."""
    return private_path.with_name(private_path.name + ".pub")


@dataclass(frozen=True)
class Signer:
    """An Ed25519 private key and the log origin it signs checkpoints for (the key name)."""

    private_key: Ed25519PrivateKey
    origin: str

    @classmethod
    def from_pem_file(cls, path: Path, origin: str) -> Signer:
        """Load a PKCS8 PEM private key file; raise SigningError if it is missing or unusable."""
        try:
            pem = path.read_bytes()
        except OSError as error:
            raise SigningError(f"cannot read the signing key {path}: {error.strerror}") from None
        signer = cls(load_private_key(pem), origin)
        signer.verifier_key()  # checks the origin is a valid key name
        return signer

    def verifier_key(self) -> str:
        """Return the note verifier key string '<origin>+<key id>+<base64 key>'."""
        return verifier_key_for(self.private_key, self.origin)

    def public_pem(self) -> bytes:
        """Return the SubjectPublicKeyInfo PEM that openssl and the verifier read."""
        return public_key_pem(self.private_key)

    def sign_checkpoint(self, size: int, root: bytes) -> str:
        """Return the signed checkpoint note for a tree size and root."""
        return sign_checkpoint(self.origin, size, root, self.private_key, self.origin)

    def sign(self, data: bytes) -> bytes:
        """Return a detached raw 64-byte Ed25519 signature over data."""
        return sign_bytes(data, self.private_key)


def write_key_pair(path: Path, origin: str, *, overwrite: bool = False) -> str:
    """Write a private key to path (mode 0600) and its public PEM to path.pub; return the vkey."""
    public = public_key_path(path)
    if not overwrite and (path.exists() or public.exists()):
        raise SigningError(f"{path} or {public} exists already; refusing to overwrite a key")
    private_pem, verifier_key = generate_signer(origin)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Create with restrictive permissions from the start rather than chmod afterwards.
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(private_pem)
    public.write_bytes(public_key_pem(private_pem))
    return verifier_key
