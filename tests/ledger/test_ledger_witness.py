"""Two C2SP witnesses on loopback: a normal sequence cosigned, a rewritten history refused, a
restart that keeps state, a witness down that blocks nothing and shows in /health."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from ledger_testkit import (
    ORIGIN,
    add_programme,
    check,
    following,
    health,
    raw_sql,
    stored_state,
    tamper_event_state,
    unguard,
)

from frispor.domain.application import Frispor
from frispor.ledger.bag import BagError, Scope
from frispor.ledger.checkpoint import generate_signer
from frispor.ledger.cosign import WitnessKey, format_add_checkpoint
from frispor.ledger.export import export_bag
from frispor.ledger.follow import cut_checkpoint, sync
from frispor.ledger.keys import load_private_key
from frispor.ledger.schema import GUARDED
from frispor.ledger.signer import Signer
from frispor.ledger.store import TreeStore
from frispor.ledger.verify import verify_bag
from frispor.ledger.witness import Witness, serve_witness
from frispor.ledger.witnessing import WitnessError, WitnessTarget, last_cosigned_size, send
from frispor.settings import Settings


@contextmanager
def running(witness: Witness) -> Iterator[str]:
    """Serve a witness on a free loopback port; yield its add-checkpoint URL."""
    server = serve_witness(witness, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/add-checkpoint"
    finally:
        server.shutdown()
        server.server_close()


def make_witness(tmp_path: Path, name: str, signer: Signer) -> Witness:
    key = load_private_key(generate_signer(name).private_pem)
    return Witness(name, key, [signer.verifier_key()], tmp_path / f"{name.split('/')[0]}.json")


VKEYS: dict[str, str] = {}  # witness name -> verifier key, for settings in tests


@pytest.fixture
def witnesses(tmp_path: Path, signer: Signer) -> Iterator[list[WitnessTarget]]:
    first = make_witness(tmp_path, "tilsyn.test/w1", signer)
    second = make_witness(tmp_path, "revision.test/w2", signer)
    VKEYS.update({first.name: first.vkey, second.name: second.vkey})
    with running(first) as url1, running(second) as url2:
        yield [
            WitnessTarget(first.name, url1, WitnessKey.parse(first.vkey)),
            WitnessTarget(second.name, url2, WitnessKey.parse(second.vkey)),
        ]


def _cut_and_send(
    store: TreeStore, app: Frispor, signer: Signer, targets: list[WitnessTarget]
) -> None:
    sync(store, app.recorder)
    checkpoint = cut_checkpoint(store, signer)
    for target in targets:
        send(store, checkpoint, target, timeout=5)


def test_a_sequence_is_cosigned_and_verify_counts_the_quorum(
    store: TreeStore,
    app: Frispor,
    signer: Signer,
    witnesses: list[WitnessTarget],
    tmp_path: Path,
) -> None:
    _cut_and_send(store, app, signer, witnesses)
    add_programme(app)
    _cut_and_send(store, app, signer, witnesses)  # with a consistency proof from 56 to 57
    assert [last_cosigned_size(store, w.name) for w in witnesses] == [57, 57]
    export_bag(store, app.recorder, signer, tmp_path / "bag", Scope())
    keys = [w.key for w in witnesses]
    result = verify_bag(tmp_path / "bag", signer.public_pem(), witnesses=keys, quorum=2)
    assert sorted(result.cosigners) == sorted(w.name for w in witnesses)
    stranger = WitnessKey.parse(make_witness(tmp_path, "stranger.test/w", signer).vkey)
    with pytest.raises(BagError, match="1 valid cosignatures of the named witnesses"):
        verify_bag(tmp_path / "bag", signer.public_pem(), witnesses=[keys[0], stranger], quorum=2)


def test_a_rewritten_history_is_refused_and_fails_verify(
    store: TreeStore,
    app: Frispor,
    signer: Signer,
    witnesses: list[WitnessTarget],
    database_url: str,
    tmp_path: Path,
) -> None:
    _cut_and_send(store, app, signer, witnesses[:1])
    # The operator rewrites one event, rebuilds the ledger and signs again with the same key.
    state = stored_state(database_url, 23)
    tamper_event_state(
        database_url, 23, state.replace(b'"justification":"', b'"justification":"X', 1)
    )
    unguard(database_url, *GUARDED)
    run = raw_sql(database_url)
    for table in reversed(GUARDED):
        run(f"DELETE FROM {table}", ())
    add_programme(app)
    sync(store, app.recorder)
    rewritten = cut_checkpoint(store, signer)
    with pytest.raises(WitnessError, match="refused \\(422\\): not consistent with size 56"):
        send(store, rewritten, witnesses[0], timeout=5)
    send(store, rewritten, witnesses[1], timeout=5)  # a witness that never saw the original
    export_bag(store, app.recorder, signer, tmp_path / "bag", Scope())
    with pytest.raises(BagError, match="0 valid cosignatures"):
        verify_bag(tmp_path / "bag", signer.public_pem(), witnesses=[witnesses[0].key], quorum=1)


def test_same_size_other_root_is_a_409_naming_the_fork(
    store: TreeStore, app: Frispor, signer: Signer, witnesses: list[WitnessTarget]
) -> None:
    _cut_and_send(store, app, signer, witnesses[:1])
    forged = signer.sign_checkpoint(56, b"\x07" * 32)
    request = urllib.request.Request(
        witnesses[0].url, data=format_add_checkpoint(56, [], forged), method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 409
    assert "a fork: size 56 was cosigned with another root" in refused.value.read().decode()


def test_a_restarted_witness_keeps_its_state(
    store: TreeStore, app: Frispor, signer: Signer, tmp_path: Path
) -> None:
    witness = make_witness(tmp_path, "tilsyn.test/w1", signer)
    with running(witness) as url:
        target = WitnessTarget(witness.name, url, WitnessKey.parse(witness.vkey))
        _cut_and_send(store, app, signer, [target])
    again = Witness(witness.name, witness.key, [signer.verifier_key()], witness.state_path)
    assert again.state[ORIGIN]["size"] == 56
    with running(again) as url:
        request = urllib.request.Request(
            url, data=format_add_checkpoint(0, [], store.checkpoints()[-1].note), method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as conflict:
            urllib.request.urlopen(request, timeout=5)
        assert conflict.value.code == 409 and conflict.value.read() == b"56\n"
        add_programme(app)
        _cut_and_send(store, app, signer, [WitnessTarget(witness.name, url, target.key)])
    assert last_cosigned_size(store, witness.name) == 57


def test_a_witness_down_blocks_nothing_and_shows_in_health(
    app: Frispor,
    signer: Signer,
    private_pem: bytes,
    witnesses: list[WitnessTarget],
    database_url: str,
    tmp_path: Path,
) -> None:
    key = tmp_path / "log.key"
    key.write_bytes(private_pem)
    up = witnesses[0]
    vkey = VKEYS[up.name]
    down = {"name": "nede.test/w", "url": "http://127.0.0.1:9/add-checkpoint", "key": vkey}
    settings = Settings.model_validate(
        {
            "DATABASE_URL": database_url,
            "signing_key": str(key),
            "ledger_origin": ORIGIN,
            "checkpoint_every": 0.2,
            "witnesses": [{"name": up.name, "url": up.url, "key": vkey}, down],
        }
    )
    with following(app, settings) as service:
        deadline = time.monotonic() + 15
        report: dict[str, dict[str, object]] = {}
        while time.monotonic() < deadline:
            report = health(service, "witnesses")
            if report[up.name]["cosigned_size"] and report["nede.test/w"]["last_error"]:
                break
            time.sleep(0.2)
        assert report[up.name]["cosigned_size"] == 56 and report[up.name]["behind"] == 0
        assert "did not answer" in str(report["nede.test/w"]["last_error"])
        assert report["nede.test/w"]["behind"] == 56
        assert add_programme(app) == 57  # decisions go on


def test_check_names_a_forged_cosignature(
    store: TreeStore,
    app: Frispor,
    signer: Signer,
    witnesses: list[WitnessTarget],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _cut_and_send(store, app, signer, witnesses)
    entries = [{"name": w.name, "url": w.url, "key": VKEYS[w.name]} for w in witnesses]
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("FRISPOR_WITNESSES", json.dumps(entries))
    assert check(database_url) == []
    unguard(database_url, "ledger_cosignatures")
    run = raw_sql(database_url)
    [(line,)] = run("SELECT line FROM ledger_cosignatures WHERE witness = ?", (witnesses[0].name,))
    assert isinstance(line, str)
    forged = line[:-6] + ("AAAA==\n" if not line.endswith("AAAA==\n") else "BBBB==\n")
    run("UPDATE ledger_cosignatures SET line = ? WHERE witness = ?", (forged, witnesses[0].name))
    [problem] = check(database_url)
    assert problem.endswith(f"the cosignature of {witnesses[0].name} does not verify")
