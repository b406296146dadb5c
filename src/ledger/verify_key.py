"""The log's public key as a bag verifier takes it: PEM (named by the checkpoint) or a vkey."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from frispor.ledger import bag
from frispor.ledger.bag import BagError
from frispor.ledger.keys import (
    SigningError,
    format_verifier_key,
    load_public_key,
    parse_verifier_key,
)

__all__ = ["LogKey"]


@dataclass(frozen=True)
class LogKey:
    """The log's public key; a PEM key has no name, so the checkpoint's origin names it."""

    public: Ed25519PublicKey
    name: str | None

    @classmethod
    def load(cls, key: bytes | str) -> LogKey:
        """Read PEM bytes or a verifier key; raise BagError if it is neither."""
        try:
            if isinstance(key, bytes) and key.lstrip().startswith(b"-----BEGIN"):
                return cls(load_public_key(key), None)
            text = (key.decode() if isinstance(key, bytes) else key).strip()
            return cls(load_public_key(text), parse_verifier_key(text).name)
        except (SigningError, UnicodeDecodeError) as error:
            raise BagError(
                f"the key is not an Ed25519 public key or verifier key: {error}"
            ) from None

    def verifier_key(self, note: str) -> str:
        """The verifier key string, named by the key itself or else by the note's origin."""
        name = self.name or note.split("\n", 1)[0]
        raw = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        try:
            return format_verifier_key(name, raw)
        except SigningError:
            raise BagError(f"{bag.CHECKPOINT}: bad format: {name!r} is not a log origin") from None
