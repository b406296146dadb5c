"""Offline verification: every part of a bag tampered with is caught and named."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from ledger_testkit import ORIGIN, add_programme, reseal

from frispor.demo import load_demo
from frispor.ledger import bag
from frispor.ledger.bag import BagError, Scope
from frispor.ledger.checkpoint import generate_signer
from frispor.ledger.export import export_bag
from frispor.ledger.keys import load_private_key
from frispor.ledger.signer import Signer
from frispor.ledger.store import TreeStore
from frispor.ledger.verify import verify_bag
from frispor.store.env import store_env
from frispor.store.open import open_app

Tamper = Callable[[Path], None]
SUBSET = Scope("Ankestyrelsen", "aeldre", date(2017, 1, 1), date(2019, 12, 31))


@pytest.fixture(scope="module")
def key() -> bytes:
    return generate_signer(ORIGIN).private_pem


@pytest.fixture(scope="module")
def bags(tmp_path_factory: pytest.TempPathFactory, key: bytes) -> dict[str, Path]:
    """A full bag, then (after one more event) a subset bag for the same authority."""
    root = tmp_path_factory.mktemp("bags")
    url = f"sqlite:///{root / 'frispor.sqlite'}"
    signer = Signer(load_private_key(key), ORIGIN)
    app = open_app(store_env(url))
    try:
        load_demo(app)
        with TreeStore.open(url) as store:
            export_bag(store, app.recorder, signer, root / "full", Scope("Ankestyrelsen"))
            add_programme(app)
            export_bag(store, app.recorder, signer, root / "subset", SUBSET)
    finally:
        app.close()
    return {"full": root / "full", "subset": root / "subset"}


def _copy(bags: dict[str, Path], name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(bags[name], tmp_path / name))


def _lines(root: Path) -> list[bytes]:
    return (root / bag.EVENTS_JSONL).read_bytes().splitlines(keepends=True)


def _edit_lines(edit: Callable[[list[bytes]], None]) -> Tamper:
    def tamper(root: Path) -> None:
        lines = _lines(root)
        edit(lines)
        (root / bag.EVENTS_JSONL).write_bytes(b"".join(lines))

    return tamper


def _replace(path: str, old: bytes, new: bytes) -> Tamper:
    def tamper(root: Path) -> None:
        data = (root / path).read_bytes()
        assert old in data, (path, old)
        (root / path).write_bytes(data.replace(old, new, 1))

    return tamper


def _set_line(number: int, old: bytes, new: bytes) -> Callable[[list[bytes]], None]:
    def edit(lines: list[bytes]) -> None:
        assert old in lines[number - 1]
        lines[number - 1] = lines[number - 1].replace(old, new, 1)

    return edit


def _swap(lines: list[bytes]) -> None:
    lines[9], lines[10] = lines[10], lines[9]


def _flip_signature(root: Path) -> None:
    signature = bytearray((root / bag.SIGNATURE).read_bytes())
    signature[0] ^= 1
    (root / bag.SIGNATURE).write_bytes(bytes(signature))


def _first_proof_hash_changed(root: Path) -> None:
    data = (root / bag.INCLUSION_PROOFS).read_bytes()
    start = data.index(b'"proof":["') + len(b'"proof":["')
    flipped = b"0" if data[start : start + 1] != b"0" else b"1"
    (root / bag.INCLUSION_PROOFS).write_bytes(data[:start] + flipped + data[start + 1 :])


JSONL = re.escape(bag.EVENTS_JSONL)
FULL_CASES: dict[str, tuple[Tamper, str]] = {
    "changed line": (
        _edit_lines(_set_line(5, b'"role":"recorder"', b'"role":"auditor"')),
        rf"{JSONL} line 5: changed — leaf 4 \(position 5\) is not the one in the checkpointed",
    ),
    "changed payload": (
        _edit_lines(_set_line(5, b'"justification":"', b'"justification":"x')),
        rf"{JSONL} line 5: changed — the payload of position 5 does not match the SHA-256",
    ),
    "not a line": (
        _edit_lines(_set_line(7, b'{"index":6,', b"{")),
        rf"{JSONL} line 7: changed — it is not an export line",
    ),
    "missing line": (
        _edit_lines(lambda lines: lines.pop(9)),
        rf"{JSONL} line 10: missing — leaf 9 is not in the bag \(found leaf 10 here\)",
    ),
    "missing last line": (
        _edit_lines(lambda lines: lines.pop()),
        rf"{JSONL} line 56: missing — the file ends but leaf 55 should follow",
    ),
    "duplicated line": (
        _edit_lines(lambda lines: lines.insert(10, lines[9])),
        rf"{JSONL} line 11: added — leaf 9 out of place before leaf 10",
    ),
    "line copied from later": (
        _edit_lines(lambda lines: lines.insert(9, lines[19])),
        rf"{JSONL} line 10: added — an extra copy of leaf 19",
    ),
    "forged line": (
        _edit_lines(lambda lines: lines.insert(9, lines[9].replace(b"recorder", b"auditor"))),
        rf"{JSONL} line 10: added — an extra line before the line of leaf 9",
    ),
    "appended line": (
        _edit_lines(lambda lines: lines.append(lines[0])),
        rf"{JSONL} line 57: added — after the last leaf",
    ),
    "reordered lines": (
        _edit_lines(_swap),
        rf"{JSONL} line 10: reordered — leaf 9 belongs here but is at line 11",
    ),
    "manifest": (
        _replace(bag.MANIFEST, b"  data/events.csv", b"  data/events.csv.bak"),
        r"manifest-sha256.txt was changed: it does not match tagmanifest-sha256.txt",
    ),
    "tagmanifest": (
        _replace(bag.TAGMANIFEST, b"  bagit.txt", b"  ./bagit.txt"),
        r"signature.ed25519: bad signature — it does not verify over tagmanifest-sha256.txt",
    ),
    "signature": (_flip_signature, r"signature.ed25519: bad signature"),
    "signature truncated": (
        lambda root: (root / bag.SIGNATURE).write_bytes(b"x" * 63),
        r"signature.ed25519 is not a raw 64-byte Ed25519 signature",
    ),
    "signature missing": (
        lambda root: (root / bag.SIGNATURE).unlink(),
        r"signature.ed25519 is missing",
    ),
    "checkpoint": (
        _replace(bag.CHECKPOINT, b"\n56\n", b"\n55\n"),
        r"ledger/checkpoint.txt was changed: it does not match tagmanifest-sha256.txt",
    ),
    "bag-info scope": (
        _replace(bag.BAG_INFO, b"Frispor-Authority: Ankestyrelsen", b"Frispor-Authority: Andre"),
        r"bag-info.txt was changed: it does not match tagmanifest-sha256.txt",
    ),
    "leaf hashes": (
        _replace(bag.LEAF_HASHES, b"\n", b"\n0" + b"0" * 63 + b"\n"),
        r"ledger/leaf-hashes.txt was changed",
    ),
    "csv": (
        _replace(bag.EVENTS_CSV, b"recorder", b"Recorder"),
        r"data/events.csv does not match its checksum in manifest-sha256.txt",
    ),
    "csv removed": (
        lambda root: (root / bag.EVENTS_CSV).unlink(),
        r"data/events.csv is listed in manifest-sha256.txt but missing",
    ),
    "payload file added": (
        lambda root: (root / "data" / "extra.txt").write_text("x"),
        r"data/extra.txt is not listed in manifest-sha256.txt: an added file",
    ),
    "tag file added": (
        lambda root: (root / "ledger" / "note.txt").write_text("x"),
        r"ledger/note.txt is not listed in tagmanifest-sha256.txt: an added file",
    ),
    "bagit.txt": (
        _replace(bag.BAGIT, b"1.0", b"0.97"),
        r"bagit.txt must declare BagIt-Version 1.0 and UTF-8",
    ),
}


@pytest.mark.parametrize("case", FULL_CASES)
def test_tampering_with_a_full_bag_is_named(
    case: str, bags: dict[str, Path], key: bytes, tmp_path: Path
) -> None:
    root = _copy(bags, "full", tmp_path)
    verify_bag(root, Signer(load_private_key(key), ORIGIN).public_pem())
    tamper, message = FULL_CASES[case]
    tamper(root)
    with pytest.raises(BagError, match=f"^{message}"):
        verify_bag(root, Signer(load_private_key(key), ORIGIN).public_pem())


# Resealed: manifests recomputed and signed with the log's own key, so only the deep
# checks (leaves, proofs, checkpoint, scope) can still catch the change.
RESEALED_CASES: dict[str, tuple[str, Tamper, str]] = {
    "changed line": (
        "full",
        _edit_lines(_set_line(3, b'"aggregate_version":1', b'"aggregate_version":2')),
        rf"{JSONL} line 3: changed — leaf 2 \(position 3\) is not the one",
    ),
    "leaf hashes": (
        "full",
        _replace(bag.LEAF_HASHES, b"\n", b"\n" + b"0" * 64 + b"\n"),
        r"ledger/leaf-hashes.txt has 57 leaf hashes but the checkpoint has size 56",
    ),
    "checkpoint": (
        "full",
        _replace(bag.CHECKPOINT, b"\n56\n", b"\n55\n"),
        r"ledger/checkpoint.txt: bad signature: signature by frispor.test/trail does not verify",
    ),
    "bag-info size": (
        "full",
        _replace(bag.BAG_INFO, b"Frispor-Checkpoint-Size: 56", b"Frispor-Checkpoint-Size: 55"),
        r"bag-info.txt names checkpoint 55 .* but the signed checkpoint is 56 ",
    ),
    "bag-info area": (
        "full",
        _replace(bag.BAG_INFO, b"Frispor-Authority: Ankestyrelsen", b"Frispor-Area: bolig"),
        r"bag-info.txt: Frispor-Export-Kind does not match the scope",
    ),
    "bag-info period": (
        "subset",
        _replace(bag.BAG_INFO, b"Frispor-Period-To: 2019-12-31", b"Frispor-Period-To: 2018-06-30"),
        rf"{JSONL} line \d+: position \d+ was recorded at 2018-.*, outside the export's",
    ),
    "inclusion proof": (
        "subset",
        _replace(bag.INCLUSION_PROOFS, b'"proof":["', b'"proof":["00'),
        r"ledger/inclusion-proofs.jsonl line 1: a proof hash is not 32 bytes",
    ),
    "inclusion proof hash": (
        "subset",
        _first_proof_hash_changed,
        rf"{JSONL} line 1: changed — leaf \d+ \(position \d+\) is not the one",
    ),
    "subset line dropped": (
        "subset",
        _edit_lines(lambda lines: lines.pop(2)),
        rf"{JSONL} line 3: missing — leaf \d+ is not in the bag",
    ),
    "previous checkpoint": (
        "subset",
        _replace(bag.PREVIOUS_CHECKPOINT, b"\n56\n", b"\n50\n"),
        r"ledger/previous-checkpoint.txt: bad signature",
    ),
    "consistency proof": (
        "subset",
        _replace(bag.CONSISTENCY, b'"proof": [\n  "', b'"proof": [\n  "ff'),
        r"not consistent: the checkpoint of size 57 does not extend the previous checkpoint",
    ),
}


@pytest.mark.parametrize("case", RESEALED_CASES)
def test_tampering_under_a_fresh_seal_is_named(
    case: str, bags: dict[str, Path], key: bytes, tmp_path: Path
) -> None:
    name, tamper, message = RESEALED_CASES[case]
    root = _copy(bags, name, tmp_path)
    reseal(root, key)
    public = Signer(load_private_key(key), ORIGIN).public_pem()
    verify_bag(root, public)  # resealing alone changes nothing that matters
    tamper(root)
    reseal(root, key)
    with pytest.raises(BagError, match=f"^{message}"):
        verify_bag(root, public)


def test_another_key_is_refused(bags: dict[str, Path]) -> None:
    other = generate_signer(ORIGIN)
    with pytest.raises(BagError, match="^signature.ed25519: bad signature"):
        verify_bag(bags["full"], other.verifier_key)
    with pytest.raises(BagError, match="^the key is not an Ed25519 public key"):
        verify_bag(bags["full"], b"not a key")
    with pytest.raises(BagError, match="is not a bag directory"):
        verify_bag(bags["full"] / "nope", other.verifier_key)


def test_wrong_origin_is_refused(bags: dict[str, Path], key: bytes) -> None:
    public = Signer(load_private_key(key), ORIGIN).public_pem()
    with pytest.raises(
        BagError,
        match="^ledger/checkpoint.txt: wrong origin: checkpoint is for .frispor.test/trail.",
    ):
        verify_bag(bags["full"], public, origin="frispor.example/other")


def test_verifier_needs_only_the_pure_ledger() -> None:
    script = (
        "import sys, frispor.ledger.verify\n"
        "parts = [m.split('.') for m in sys.modules]\n"
        "bad = [p for p in parts if p[0] in ('eventsourcing', 'psycopg', 'sqlite3') "
        "or p[:2] in (['frispor', 'domain'], ['frispor', 'api'], ['frispor', 'projections'])]\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
