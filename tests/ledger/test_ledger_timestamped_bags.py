"""Timestamped checkpoints on both stores: stamped in the background, carried in bags, verified
offline; the wrong token, another CA, a tampered token and a TSA that is down then up."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from ledger_testkit import (
    ORIGIN,
    add_programme,
    check,
    following,
    frispor,
    health,
    raw_sql,
    reseal,
    unguard,
)
from tsa_testkit import Tsa, running_tsa

from frispor.domain.application import Frispor
from frispor.ledger import bag
from frispor.ledger.bag import BagError, Scope
from frispor.ledger.export import export_bag
from frispor.ledger.follow import cut_checkpoint, sync
from frispor.ledger.signer import Signer
from frispor.ledger.stamps import pending, token_of
from frispor.ledger.store import TreeStore
from frispor.ledger.timestamp import TsaTrust
from frispor.ledger.timestamp_service import Timestamper, stamp_once
from frispor.ledger.verify import verify_bag
from frispor.settings import Settings


def _settings(database_url: str, tsa: Tsa) -> Settings:
    return Settings.model_validate(
        {"DATABASE_URL": database_url, "tsa_url": tsa.url, "tsa_cert": str(tsa.trust)}
    )


@pytest.fixture
def stamped_bag(
    store: TreeStore, app: Frispor, signer: Signer, tsa: Tsa, tmp_path: Path, database_url: str
) -> Path:
    """A full export whose checkpoint (size 56) was stamped by the TSA at export time."""
    out = tmp_path / "bag"
    export_bag(
        store, app.recorder, signer, out, Scope(), stamp=stamp_once(_settings(database_url, tsa))
    )
    assert (out / bag.CHECKPOINT_TSR).is_file()
    return out


def _trust(tsa: Tsa) -> TsaTrust:
    return TsaTrust.from_pem(tsa.trust.read_bytes())


def test_a_good_token_proves_when_the_events_existed(
    stamped_bag: Path, signer: Signer, tsa: Tsa
) -> None:
    result = verify_bag(stamped_bag, signer.public_pem(), tsa=_trust(tsa), require_timestamp=True)
    [report] = result.stamps
    assert report.stamp is not None
    assert report.statement.startswith("position 56 and every event before it existed no later ")
    assert report.statement.endswith("timestamped by Frispor Test TSA")


def test_a_missing_token_fails_only_when_required(
    store: TreeStore, app: Frispor, signer: Signer, tsa: Tsa, tmp_path: Path
) -> None:
    export_bag(store, app.recorder, signer, tmp_path / "plain", Scope())
    assert verify_bag(tmp_path / "plain", signer.public_pem(), tsa=_trust(tsa)).stamps == []
    with pytest.raises(BagError, match="checkpoint.tsr is missing: position 56 and every"):
        verify_bag(tmp_path / "plain", signer.public_pem(), tsa=_trust(tsa), require_timestamp=True)


def test_a_token_for_another_checkpoint_fails(
    stamped_bag: Path,
    store: TreeStore,
    app: Frispor,
    signer: Signer,
    tsa: Tsa,
    private_pem: bytes,
    database_url: str,
) -> None:
    add_programme(app)
    sync(store, app.recorder)
    later = cut_checkpoint(store, signer)
    stamp = stamp_once(_settings(database_url, tsa))
    assert stamp is not None
    stamp(store, later)
    other = token_of(store, later.id)
    assert other is not None
    (stamped_bag / bag.CHECKPOINT_TSR).write_bytes(other)
    reseal(stamped_bag, private_pem)  # someone holding the key, swapping tokens
    with pytest.raises(BagError, match="for another message, not this checkpoint"):
        verify_bag(stamped_bag, signer.public_pem(), tsa=_trust(tsa), require_timestamp=True)
    lenient = verify_bag(stamped_bag, signer.public_pem(), tsa=_trust(tsa))
    assert lenient.stamps[0].statement.startswith(f"{bag.CHECKPOINT_TSR}: NOT VERIFIED")


def test_a_token_under_another_ca_fails(stamped_bag: Path, signer: Signer, tmp_path: Path) -> None:
    with running_tsa(tmp_path / "other", "Other") as other:
        with pytest.raises(BagError, match="checkpoint.tsr: time-stamp token does not verify"):
            verify_bag(stamped_bag, signer.public_pem(), tsa=_trust(other), require_timestamp=True)


def test_a_tampered_token_fails(
    stamped_bag: Path, signer: Signer, tsa: Tsa, private_pem: bytes
) -> None:
    path = stamped_bag / bag.CHECKPOINT_TSR
    token = path.read_bytes()
    at = token.index(b"Z") - 1  # a digit of the signed time
    path.write_bytes(token[:at] + bytes([token[at] ^ 1]) + token[at + 1 :])
    reseal(stamped_bag, private_pem)
    with pytest.raises(BagError, match="checkpoint.tsr: time-stamp token"):
        verify_bag(stamped_bag, signer.public_pem(), tsa=_trust(tsa), require_timestamp=True)


def test_tsa_down_then_up_stamps_later_and_health_shows_the_lag(
    store: TreeStore, app: Frispor, signer: Signer, tsa: Tsa, database_url: str
) -> None:
    sync(store, app.recorder)
    cut = cut_checkpoint(store, signer)
    tsa.down = True
    settings = _settings(database_url, tsa)
    with following(app, settings) as service:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            timestamps = health(service, "timestamps")
            if timestamps["last_error"]:
                break
            time.sleep(0.1)
        assert (
            timestamps["checkpoints_waiting"] >= 1 and "did not answer" in timestamps["last_error"]
        )
        assert timestamps["lag_seconds"] is not None
        # Decisions go on while the TSA is down.
        assert add_programme(app) > cut.size
        tsa.down = False
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and token_of(store, cut.id) is None:
            time.sleep(0.2)
        assert token_of(store, cut.id) is not None, "the token was not fetched after the TSA rose"
        while time.monotonic() < deadline:
            timestamps = health(service, "timestamps")
            if timestamps["last_error"] is None:
                break
            time.sleep(0.1)
        assert timestamps["last_error"] is None and timestamps["stamped"] >= 1


def test_the_timestamper_stamps_every_checkpoint(
    store: TreeStore, app: Frispor, signer: Signer, tsa: Tsa, database_url: str
) -> None:
    sync(store, app.recorder)
    cut_checkpoint(store, signer)
    add_programme(app)
    sync(store, app.recorder)
    cut_checkpoint(store, signer)
    stop = threading.Event()
    settings = _settings(database_url, tsa)
    db = settings.database()
    worker = Timestamper(settings, db, stop)
    worker.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and pending(store):
        time.sleep(0.1)
    stop.set()
    worker.thread.join(5)
    db.close()
    assert pending(store) == [] and worker.status()["checkpoints_waiting"] == 0


def test_verify_cli_says_when(stamped_bag: Path, signer: Signer, tsa: Tsa, tmp_path: Path) -> None:
    pub = tmp_path / "log.pub"
    pub.write_bytes(signer.public_pem())
    args = ["verify", str(stamped_bag), "--key", str(pub), "--require-timestamp"]
    needs = frispor(*args, env={"FRISPOR_TSA_CERT": ""})
    assert needs.returncode == 2 and "--require-timestamp needs --tsa-cert" in needs.stdout
    ok = frispor(*args, "--tsa-cert", str(tsa.trust))
    assert ok.returncode == 0, ok.stdout
    assert "timestamp: position 56 and every event before it existed no later than" in ok.stdout
    assert ORIGIN in ok.stdout


def test_check_names_a_token_swapped_in_the_database(
    stamped_bag: Path,
    store: TreeStore,
    app: Frispor,
    signer: Signer,
    tsa: Tsa,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FRISPOR_TSA_CERT", str(tsa.trust))
    assert check(database_url) == []
    add_programme(app)
    sync(store, app.recorder)
    later = cut_checkpoint(store, signer)
    stamp = stamp_once(_settings(database_url, tsa))
    assert stamp is not None
    stamp(store, later)
    first = store.checkpoints()[0]
    unguard(database_url, "ledger_timestamps")
    raw_sql(database_url)(
        "UPDATE ledger_timestamps SET token = ? WHERE checkpoint_id = ?",
        (token_of(store, later.id), first.id),
    )
    assert check(database_url) == [
        f"checkpoint {first.id}: time-stamp token does not verify: the token is for another "
        "message, not this checkpoint"
    ]
