"""The log over HTTP: signed checkpoints, proofs that verify, exports an authority verifies."""

from __future__ import annotations

import io
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from frispor.ledger.checkpoint import parse_and_verify_checkpoint
from frispor.ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from frispor.ledger.signer import Signer, public_key_path, write_key_pair
from frispor.ledger.verify import verify_bag
from tests.api.conftest import Api
from tests.api.scenario import build

ORIGIN = "frispor.test/trail"


@pytest.fixture
def signed(make_api: Callable[..., Api], tmp_path: Path) -> tuple[Api, Path]:
    key = tmp_path / "keys" / "frispor.key"
    key.parent.mkdir()
    write_key_pair(key, ORIGIN)
    api = make_api(
        signing_key=str(key),
        ledger_origin=ORIGIN,
        exports_dir=str(tmp_path / "exports"),
        checkpoint_every=0.05,
    )
    return api, key


def wait_for_checkpoint(api: Api, size: int) -> str:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        response = api.get("/ledger/checkpoint", who="auditor")
        if response.status_code == 200 and int(response.text.split("\n")[1]) >= size:
            return str(response.text)
        time.sleep(0.1)
    raise AssertionError("no checkpoint was cut")


def test_checkpoint_and_proofs_verify(signed: tuple[Api, Path]) -> None:
    api, key = signed
    ids = build(api)
    position = int(ids["position"])
    note = wait_for_checkpoint(api, position)
    verifier = Signer.from_pem_file(key, ORIGIN).verifier_key()
    cp = parse_and_verify_checkpoint(note, verifier, origin=ORIGIN)
    assert cp.size >= position
    got = api.get("/ledger/proofs/inclusion", who="authority", position=3, size=cp.size).json()
    verify_inclusion(
        leaf_hash(got["leaf"].encode()),
        got["leaf_index"],
        cp.size,
        [bytes.fromhex(p) for p in got["proof"]],
        cp.root,
    )
    assert '"position":3' in got["leaf"]
    cons = api.get("/ledger/proofs/consistency", who="kbh", **{"from": 2, "to": cp.size}).json()
    verify_consistency(
        2,
        cp.size,
        bytes.fromhex(cons["old_root"]),
        cp.root,
        [bytes.fromhex(p) for p in cons["proof"]],
    )
    too_big = api.get("/ledger/proofs/consistency", **{"from": 2, "to": cp.size + 99})
    assert too_big.status_code == 422 and too_big.json()["rule"] == "tree-size"


def test_an_authority_exports_its_area_and_verifies_it_offline(
    signed: tuple[Api, Path], tmp_path: Path
) -> None:
    api, key = signed
    build(api)
    made = api.post("/exports", {"from": "2016-01-01"}, who="authority")
    assert made.status_code == 201, made.text
    export = made.json()
    assert export["kind"] == "subset" and export["events"] > 0
    fetched = api.client.get(f"/exports/{export['id']}", headers=api.headers("authority"))
    assert fetched.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(fetched.content), mode="r:gz") as tar:
        tar.extractall(tmp_path / "received", filter="data")
    bag = next((tmp_path / "received").iterdir())
    verified = verify_bag(bag, public_key_path(key).read_bytes())
    assert verified.event_count == export["events"]
    assert (bag / "bag-info.txt").read_text().count("aeldre") >= 1
    assert api.client.get(f"/exports/{export['id']}", headers=api.headers("kbh")).status_code == 403
    recorded = api.get("/events", type="Export.Recorded").json()["items"]
    assert [e["facts"]["authority"] for e in recorded] == ["Ankestyrelsen"]
    other_area = api.post("/exports", {"area": "botilbud"}, who="authority")
    assert other_area.status_code == 403


def test_export_without_a_signing_key_is_refused_clearly(api: Api) -> None:
    response = api.post("/exports", {}, who="authority")
    assert response.status_code == 503 and response.json()["rule"] == "no-signing-key"


def test_the_exports_list_is_paged(signed: tuple[Api, Path]) -> None:
    api, _ = signed
    build(api)
    made = [api.post("/exports", {"from": "2016-01-01"}, who="authority") for _ in range(3)]
    assert all(m.status_code == 201 for m in made), made[0].text
    first = api.get("/exports", who="authority", limit=2).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api.get("/exports", who="authority", limit=2, cursor=first["next_cursor"]).json()
    assert rest["next_cursor"] is None
    ids = [e["id"] for e in first["items"] + rest["items"]]
    assert ids == sorted(m.json()["id"] for m in made)
