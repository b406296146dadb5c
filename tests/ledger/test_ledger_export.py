"""Export bags on SQLite and PostgreSQL that verify offline with the public key alone."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from ledger_testkit import add_programme, stored_state, tamper_event_state

from frispor.domain.application import Frispor
from frispor.ledger import bag
from frispor.ledger.bag import BagError, Scope
from frispor.ledger.export import ExportError, export_bag
from frispor.ledger.export_format import csv_row
from frispor.ledger.signer import Signer
from frispor.ledger.store import TreeStore
from frispor.ledger.verify import verify_bag
from frispor.store.env import store_env
from frispor.store.open import open_app

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ELDERLY_2018 = Scope("Ankestyrelsen", "aeldre", date(2018, 1, 1), date(2018, 12, 31))


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_full_export_verifies_with_the_public_key_alone(
    store: TreeStore, app: Frispor, signer: Signer, tmp_path: Path, database_url: str
) -> None:
    out = tmp_path / "bag"
    result = export_bag(store, app.recorder, signer, out, Scope(authority="Ankestyrelsen"), now=NOW)
    assert (result.kind, result.event_count, result.checkpoint.size) == ("full", 56, 56)
    assert result.previous is None and result.path == out and result.created_at.startswith("2024")
    assert _files(out) == [
        "bag-info.txt",
        "bagit.txt",
        "data/events.csv",
        "data/events.jsonl",
        "data/status.json",
        "ledger/checkpoint.txt",
        "ledger/leaf-hashes.txt",
        "manifest-sha256.txt",
        "signature.ed25519",
        "tagmanifest-sha256.txt",
    ]
    for key in (signer.public_pem(), signer.verifier_key()):
        verified = verify_bag(out, key)
        assert (verified.kind, verified.event_count, verified.checkpoint.size) == ("full", 56, 56)
        assert verified.scope == Scope(authority="Ankestyrelsen")
    lines = (out / bag.EVENTS_JSONL).read_bytes().splitlines(keepends=True)
    assert [bag.parse_line(line).leaf_index for line in lines] == list(range(56))
    assert bag.parse_line(lines[0]).payload == stored_state(database_url, 1)
    table = (out / bag.EVENTS_CSV).read_bytes()
    assert table.count(b"\r\n") >= 57
    rows = list(csv.DictReader(io.StringIO(table.decode(), newline="")))
    assert len(rows) == 56 and rows[3]["type"] == "Trial.Approved"
    assert json.loads(rows[3]["payload"])["title"]
    status = json.loads((out / bag.STATUS_JSON).read_text())
    types = Counter(json.loads(row.leaf)["type"] for row in store.leaves(0, 56))
    assert status["events"] == 56 and status["events_by_type"] == dict(types)
    assert len(status["aggregates_by_type"]["Trial"]) == types["Trial.Approved"]
    info = bag.parse_bag_info((out / bag.BAG_INFO).read_bytes())
    assert info["Frispor-Authority"] == "Ankestyrelsen" and info["Frispor-Checkpoint-Size"] == "56"
    assert store.last_delivery("Ankestyrelsen") == result.checkpoint


def test_subset_export_holds_the_area_and_period_with_proofs(
    store: TreeStore, app: Frispor, signer: Signer, tmp_path: Path
) -> None:
    result = export_bag(store, app.recorder, signer, tmp_path / "b", ELDERLY_2018, now=NOW)
    assert result.kind == "subset" and 0 < result.event_count < 56
    verified = verify_bag(tmp_path / "b", signer.public_pem())
    assert verified.scope == ELDERLY_2018 and verified.event_count == result.event_count
    leaves = {row.leaf_index: row for row in store.leaves(0, 56)}
    for line in (tmp_path / "b" / bag.EVENTS_JSONL).read_bytes().splitlines(keepends=True):
        row = leaves[bag.parse_line(line).leaf_index]
        assert row.area in ("aeldre", None) and row.recorded_at.startswith("2018-")
    expected = [
        r for r in leaves.values() if r.area in ("aeldre", None) and r.recorded_at[:4] == "2018"
    ]
    assert result.event_count == len(expected)
    proofs = (tmp_path / "b" / bag.INCLUSION_PROOFS).read_text().splitlines()
    assert len(proofs) == result.event_count


def test_each_authority_gets_a_consistency_proof_from_its_last_checkpoint(
    store: TreeStore, app: Frispor, signer: Signer, tmp_path: Path
) -> None:
    first = export_bag(store, app.recorder, signer, tmp_path / "1", Scope("Ankestyrelsen"))
    add_programme(app)
    export_bag(store, app.recorder, signer, tmp_path / "other", Scope("Tilsynet"))
    second = export_bag(store, app.recorder, signer, tmp_path / "2", ELDERLY_2018)
    assert second.previous == first.checkpoint and second.checkpoint.size == 57
    mine = (tmp_path / "1" / bag.CHECKPOINT).read_text()
    verified = verify_bag(tmp_path / "2", signer.public_pem(), previous=mine)
    assert verified.previous_size == 56
    consistency = json.loads((tmp_path / "2" / bag.CONSISTENCY).read_text())
    assert (consistency["from_size"], consistency["to_size"]) == (56, 57)
    forged = signer.sign_checkpoint(56, b"\x07" * 32)  # a fork: another tree shown before
    with pytest.raises(BagError, match=r"not consistent: the checkpoint of size 57 does not"):
        verify_bag(tmp_path / "2", signer.public_pem(), previous=forged)
    later = signer.sign_checkpoint(58, b"\x07" * 32)
    with pytest.raises(BagError, match=r"is older than the previous checkpoint \(size 58\)"):
        verify_bag(tmp_path / "2", signer.public_pem(), previous=later)
    with pytest.raises(BagError, match="no consistency proof from your previous checkpoint"):
        verify_bag(tmp_path / "other", signer.public_pem(), previous=mine)


def test_small_batches_write_the_same_bytes(
    store: TreeStore, app: Frispor, signer: Signer, tmp_path: Path
) -> None:
    export_bag(store, app.recorder, signer, tmp_path / "a", ELDERLY_2018, now=NOW)
    scope = Scope(None, ELDERLY_2018.area, ELDERLY_2018.period_from, ELDERLY_2018.period_to)
    export_bag(store, app.recorder, signer, tmp_path / "b", scope, now=NOW, batch=3)
    for path in (bag.EVENTS_JSONL, bag.EVENTS_CSV, bag.STATUS_JSON, bag.INCLUSION_PROOFS):
        assert (tmp_path / "a" / path).read_bytes() == (tmp_path / "b" / path).read_bytes()
    export_bag(store, app.recorder, signer, tmp_path / "c", Scope(), batch=4)
    verify_bag(tmp_path / "c", signer.public_pem())


def test_tampered_events_are_not_exported(
    store: TreeStore, app: Frispor, signer: Signer, tmp_path: Path, database_url: str
) -> None:
    export_bag(store, app.recorder, signer, tmp_path / "ok", Scope())
    state = stored_state(database_url, 17)
    tamper_event_state(database_url, 17, state.replace(b'"timestamp"', b'"timestamp" ', 1))
    with pytest.raises(ExportError, match=r"position 17 \(leaf 16\) differs from its ledger leaf"):
        export_bag(store, app.recorder, signer, tmp_path / "bad", Scope())
    assert not (tmp_path / "bad").exists()
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]  # nothing half-written


def test_export_refuses_a_non_empty_directory(
    store: TreeStore, app: Frispor, signer: Signer, tmp_path: Path
) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(ExportError, match="not an empty directory"):
        export_bag(store, app.recorder, signer, tmp_path / "full", Scope())
    (tmp_path / "empty").mkdir()
    export_bag(store, app.recorder, signer, tmp_path / "empty", Scope())
    with pytest.raises(ExportError, match="starts 2019-01-01, after it ends"):
        export_bag(
            store,
            app.recorder,
            signer,
            tmp_path / "p",
            Scope(None, None, date(2019, 1, 1), date(2018, 1, 1)),
        )


@pytest.mark.skipif(not shutil.which("openssl") or not shutil.which("sha256sum"), reason="tools")
def test_sha256sum_and_openssl_check_a_bag(
    store: TreeStore, app: Frispor, signer: Signer, tmp_path: Path
) -> None:
    out = tmp_path / "bag"
    export_bag(store, app.recorder, signer, out, ELDERLY_2018)
    (tmp_path / "pub.pem").write_bytes(signer.public_pem())
    for manifest in (bag.MANIFEST, bag.TAGMANIFEST):
        done = subprocess.run(
            ["sha256sum", "--strict", "-c", manifest], cwd=out, capture_output=True
        )
        assert done.returncode == 0, done.stdout
    command = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "pub.pem")]
    command += ["-rawin", "-in", bag.TAGMANIFEST, "-sigfile", bag.SIGNATURE]
    done = subprocess.run(command, cwd=out, capture_output=True, text=True)
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout


def test_an_empty_log_exports_and_verifies(
    database_url: str, signer: Signer, tmp_path: Path
) -> None:
    empty = open_app(store_env(database_url))
    try:
        with TreeStore.open(database_url) as store:
            result = export_bag(store, empty.recorder, signer, tmp_path / "e", Scope())
    finally:
        empty.close()
    assert (result.event_count, result.checkpoint.size) == (0, 0)
    assert verify_bag(tmp_path / "e", signer.verifier_key()).event_count == 0


def test_csv_rows_quote_what_needs_quoting() -> None:
    leaf = {
        "recorded_at": "2018-01-01T00:00:00.000000Z",
        "valid_from": "2018-01-01",
        "valid_to": None,
        "type": "Trial.Approved",
        "aggregate_id": "a",
        "aggregate_version": 1,
        "actor": {"id": 'x,"y"', "role": "recorder", "organisation": "Aarhus\r\nKommune"},
        "payload_sha256": "0" * 64,
    }
    line = csv_row(3, 4, "Trial", leaf, b'{"a":"b,c"}')
    [row] = list(csv.reader(io.StringIO(line.decode(), newline="")))
    assert row[9:12] == ['x,"y"', "recorder", "Aarhus\r\nKommune"]
    assert row[0:2] == ["3", "4"] and row[4] == "" and row[-1] == '{"a":"b,c"}'
