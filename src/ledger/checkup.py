"""What `frispor check` asks of the ledger: its tree, checkpoints, stamps and cosignatures
against the events, with the keys, certificate and witnesses the settings name."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization

from frispor.domain.application import Frispor
from frispor.ledger.check import check_ledger
from frispor.ledger.check_checkpoints import outside_problems
from frispor.ledger.checkpoint import SigningError, format_verifier_key
from frispor.ledger.checkpoint_file import CheckpointFile
from frispor.ledger.cosign import CosignError, WitnessKey
from frispor.ledger.keys import load_public_key
from frispor.ledger.signer import public_key_path
from frispor.ledger.store import TreeStore
from frispor.ledger.timestamp import TimestampError, TsaTrust
from frispor.settings import Settings
from frispor.store.db import Database


class SetupError(ValueError):
    """A key, certificate or witness the settings name cannot be used."""


def verifier_key_of(settings: Settings) -> str | None:
    """The log's verifier key from FRISPOR_PUBLIC_KEY (or SIGNING_KEY.pub), if one is set."""
    path = settings.public_key
    if path is None and settings.signing_key is not None:
        path = public_key_path(settings.signing_key)
    if path is None:
        return None
    try:
        public = load_public_key(path.read_bytes())
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return format_verifier_key(settings.ledger_origin, raw)
    except OSError as error:
        raise SetupError(f"cannot read the log's public key {path}: {error.strerror}") from None
    except SigningError as error:
        raise SetupError(f"cannot use the log's public key {path}: {error}") from None


def ledger_problems(app: Frispor, db: Database, settings: Settings) -> list[str]:
    """The ledger's problems: leaves, nodes and checkpoints that the events contradict."""
    key = verifier_key_of(settings)
    filed = CheckpointFile(settings.checkpoint_file) if settings.checkpoint_file else None
    try:
        trust = TsaTrust.from_pem(settings.tsa_cert.read_bytes()) if settings.tsa_cert else None
        witnesses = [WitnessKey.parse(w.key) for w in settings.witnesses]
    except (OSError, TimestampError, CosignError) as error:
        raise SetupError(f"cannot use FRISPOR_TSA_CERT or FRISPOR_WITNESSES: {error}") from None
    with TreeStore.borrow(db, settings.checkpoint_file) as store:
        problems = check_ledger(store, app.recorder, verifier_key=key, checkpoint_file=filed)
        return problems + outside_problems(store, trust, witnesses)
