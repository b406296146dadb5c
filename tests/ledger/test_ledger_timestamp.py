"""RFC 3161 tokens over checkpoints from a real TSA on loopback: good, wrong, foreign, tampered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tsa_testkit import Tsa, running_tsa

from frispor.ledger.checkpoint import generate_signer, sign_checkpoint
from frispor.ledger.timestamp import TimestampError, TsaTrust, verify_token
from frispor.ledger.tsa_client import TsaUnavailableError, fetch_token

ORIGIN = "frispor.test/trail"
KEY = generate_signer(ORIGIN).private_pem


def note(size: int) -> str:
    return sign_checkpoint(ORIGIN, size, bytes([size % 256]) * 32, KEY, ORIGIN)


def test_good_token_verifies_offline_with_the_time(tsa: Tsa) -> None:
    trust = TsaTrust.from_pem(tsa.trust.read_bytes())
    token, stamp = fetch_token(tsa.url, note(57), trust)
    assert abs(stamp.time - datetime.now(UTC)) < timedelta(seconds=30)
    assert stamp.tsa == "Frispor Test TSA" and stamp.nonce is not None
    offline = verify_token(token, note(57), trust)
    assert offline.time == stamp.time


def test_token_for_another_checkpoint_is_refused(tsa: Tsa) -> None:
    trust = TsaTrust.from_pem(tsa.trust.read_bytes())
    token, _ = fetch_token(tsa.url, note(57), trust)
    with pytest.raises(TimestampError, match="for another message, not this checkpoint"):
        verify_token(token, note(58), trust)


def test_token_signed_under_another_ca_is_refused(tsa: Tsa, tmp_path: Path) -> None:
    token, _ = fetch_token(tsa.url, note(57), TsaTrust.from_pem(tsa.trust.read_bytes()))
    with running_tsa(tmp_path / "other", "Other") as other:
        foreign = TsaTrust.from_pem(other.trust.read_bytes())
        with pytest.raises(TimestampError, match="does not verify"):
            verify_token(token, note(57), foreign)
        # And the other way round: the other TSA's token under our trust.
        their, _ = fetch_token(other.url, note(57), foreign)
    with pytest.raises(TimestampError, match="does not verify"):
        verify_token(their, note(57), TsaTrust.from_pem(tsa.trust.read_bytes()))


def test_tampered_token_is_refused(tsa: Tsa) -> None:
    trust = TsaTrust.from_pem(tsa.trust.read_bytes())
    token, _ = fetch_token(tsa.url, note(57), trust)
    # The genTime digits sit inside the signed TSTInfo: change one second of it.
    at = token.index(b"Z") - 1
    tampered = token[:at] + bytes([token[at] ^ 1]) + token[at + 1 :]
    with pytest.raises(TimestampError):
        verify_token(tampered, note(57), trust)
    with pytest.raises(TimestampError, match="not an RFC 3161"):
        verify_token(token[:-20], note(57), trust)


def test_tsa_down_then_up(tsa: Tsa) -> None:
    trust = TsaTrust.from_pem(tsa.trust.read_bytes())
    tsa.down = True
    with pytest.raises(TsaUnavailableError, match="did not answer"):
        fetch_token(tsa.url, note(57), trust)
    tsa.down = False
    token, _ = fetch_token(tsa.url, note(57), trust)
    assert verify_token(token, note(57), trust).tsa == "Frispor Test TSA"


def test_trust_file_needs_the_tsa_and_its_root(tsa: Tsa) -> None:
    only_root = tsa.trust.read_bytes().split(b"-----END CERTIFICATE-----\n", 1)[1]
    with pytest.raises(TimestampError, match="must hold the TSA's certificate and its root CA"):
        TsaTrust.from_pem(only_root)
