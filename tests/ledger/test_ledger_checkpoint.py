"""Signed-note checkpoints, verifier keys and detached signatures."""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from frispor.ledger import merkle
from frispor.ledger.checkpoint import (
    Checkpoint,
    CheckpointError,
    SigningError,
    checkpoint_body,
    generate_signer,
    open_note,
    parse_and_verify_checkpoint,
    parse_verifier_key,
    public_key_pem,
    sign_bytes,
    sign_checkpoint,
    sign_note,
    verifier_key_for,
    verify_bytes,
)
from frispor.ledger.keys import format_verifier_key, key_id, load_public_key

# Known-answer vector from golang.org/x/mod/sumdb/note (package doc and note_test.go).
GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\N{EM DASH} PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)

ORIGIN = "frispor.example/log"
ROOT = merkle.leaf_hash(b"root")


def _go_private_key() -> Ed25519PrivateKey:
    # The base64 part contains '+', so split off exactly the four leading fields.
    raw = base64.b64decode(GO_SIGNER_KEY.split("+", 4)[4])
    assert raw[0] == 1
    return Ed25519PrivateKey.from_private_bytes(raw[1:])


@pytest.fixture(scope="module")
def signer() -> tuple[bytes, str]:
    return generate_signer(ORIGIN)


def test_go_note_vector_verifies_and_is_reproduced() -> None:
    key = parse_verifier_key(GO_VERIFIER_KEY)
    assert key.name == "PeterNeumann"
    assert key.key_id.hex() == "c74f20a3"
    assert open_note(GO_NOTE, GO_VERIFIER_KEY) == GO_TEXT
    # Ed25519 is deterministic, so our signer must produce Go's exact bytes.
    assert sign_note(GO_TEXT, _go_private_key(), "PeterNeumann") == GO_NOTE
    assert verifier_key_for(_go_private_key(), "PeterNeumann") == GO_VERIFIER_KEY
    with pytest.raises(CheckpointError, match="bad signature"):
        open_note(GO_NOTE.replace("cryptography", "cryptographY"), GO_VERIFIER_KEY)


def test_checkpoint_roundtrip(signer: tuple[bytes, str]) -> None:
    private_pem, vkey = signer
    assert private_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    note = sign_checkpoint(ORIGIN, 12345, ROOT, private_pem, ORIGIN)
    body = f"{ORIGIN}\n12345\n{base64.b64encode(ROOT).decode()}\n"
    assert note.startswith(body + "\n\N{EM DASH} " + ORIGIN + " ")
    assert note.endswith("\n")
    blob = base64.b64decode(note.splitlines()[-1].split(" ")[2])
    assert len(blob) == 4 + 64
    assert blob[:4] == parse_verifier_key(vkey).key_id
    assert parse_and_verify_checkpoint(note, vkey) == Checkpoint(ORIGIN, 12345, ROOT)


def test_empty_tree_checkpoint(signer: tuple[bytes, str]) -> None:
    private_pem, vkey = signer
    note = sign_checkpoint(ORIGIN, 0, merkle.EMPTY_ROOT, private_pem, ORIGIN)
    assert parse_and_verify_checkpoint(note, vkey) == Checkpoint(ORIGIN, 0, merkle.EMPTY_ROOT)


def test_key_id_derivation() -> None:
    key = parse_verifier_key(GO_VERIFIER_KEY)
    assert key_id("PeterNeumann", key.public_key) == key.key_id
    assert format_verifier_key("PeterNeumann", key.public_key) == GO_VERIFIER_KEY


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("\n12345\n", "\n12346\n"),
        (base64.b64encode(ROOT).decode(), base64.b64encode(merkle.EMPTY_ROOT).decode()),
        (ORIGIN + "\n", ORIGIN + "x\n"),
    ],
    ids=["size", "root", "origin"],
)
def test_tampered_body_is_rejected(signer: tuple[bytes, str], old: str, new: str) -> None:
    private_pem, vkey = signer
    note = sign_checkpoint(ORIGIN, 12345, ROOT, private_pem, ORIGIN)
    tampered = note.replace(old, new, 1)
    assert tampered != note
    with pytest.raises(CheckpointError, match="bad signature"):
        parse_and_verify_checkpoint(tampered, vkey)


def test_tampered_signature_is_rejected(signer: tuple[bytes, str]) -> None:
    private_pem, vkey = signer
    note = sign_checkpoint(ORIGIN, 5, ROOT, private_pem, ORIGIN)
    head, sig_line = note.rsplit("\n\N{EM DASH} ", 1)
    name, sig = sig_line.rstrip("\n").split(" ")
    blob = bytearray(base64.b64decode(sig))
    blob[10] ^= 1
    tampered = f"{head}\n\N{EM DASH} {name} {base64.b64encode(bytes(blob)).decode()}\n"
    with pytest.raises(CheckpointError, match="bad signature"):
        parse_and_verify_checkpoint(tampered, vkey)


def test_wrong_key_is_rejected(signer: tuple[bytes, str]) -> None:
    private_pem, _ = signer
    note = sign_checkpoint(ORIGIN, 5, ROOT, private_pem, ORIGIN)
    _, other_same_name = generate_signer(ORIGIN)
    with pytest.raises(CheckpointError, match="unknown key"):
        parse_and_verify_checkpoint(note, other_same_name)
    _, other_name = generate_signer("other.example/log")
    with pytest.raises(CheckpointError, match="unknown key"):
        parse_and_verify_checkpoint(note, other_name, origin=ORIGIN)


def test_wrong_origin_is_rejected(signer: tuple[bytes, str]) -> None:
    private_pem, vkey = signer
    note = sign_checkpoint("elsewhere.example/log", 5, ROOT, private_pem, ORIGIN)
    with pytest.raises(CheckpointError, match="wrong origin"):
        parse_and_verify_checkpoint(note, vkey)
    with pytest.raises(CheckpointError, match="wrong origin"):
        parse_and_verify_checkpoint(note, vkey, origin="third.example/log")
    checkpoint = parse_and_verify_checkpoint(note, vkey, origin="elsewhere.example/log")
    assert checkpoint.origin == "elsewhere.example/log"


def test_unknown_cosignatures_are_ignored(signer: tuple[bytes, str]) -> None:
    private_pem, vkey = signer
    witness_pem, witness_vkey = generate_signer("witness.example")
    note = sign_checkpoint(ORIGIN, 9, ROOT, private_pem, ORIGIN)
    witness_note = sign_note(checkpoint_body(ORIGIN, 9, ROOT), witness_pem, "witness.example")
    cosigned = note + witness_note.rsplit("\n\n", 1)[1]  # append the witness signature line
    assert parse_and_verify_checkpoint(cosigned, vkey).size == 9
    assert open_note(cosigned, witness_vkey) == checkpoint_body(ORIGIN, 9, ROOT)
    only_witness = sign_checkpoint(ORIGIN, 9, ROOT, witness_pem, "witness.example")
    with pytest.raises(CheckpointError, match="unknown key.*witness.example"):
        parse_and_verify_checkpoint(only_witness, vkey)


def _signed(text: str, signer: tuple[bytes, str]) -> str:
    return sign_note(text, signer[0], ORIGIN)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda n: n[:-1], "does not end with a newline"),
        (lambda n: n.replace("\n\n", "\n"), "no blank line"),
        (lambda n: n.replace("\n", "\r\n"), "control characters"),
        (lambda n: n.replace("\N{EM DASH}", "-"), "em dash"),
        (lambda n: n.replace("\N{EM DASH} ", "\N{EM DASH}  "), "not '— name sig'"),
        (lambda n: n[:-2] + "\n", "not valid standard base64"),
        (lambda n: n + "\n", "no signature lines"),
    ],
)
def test_malformed_notes_are_rejected(
    signer: tuple[bytes, str], mangle: Callable[[str], str], message: str
) -> None:
    note = sign_checkpoint(ORIGIN, 5, ROOT, signer[0], ORIGIN)
    with pytest.raises(CheckpointError, match=message):
        parse_and_verify_checkpoint(mangle(note), signer[1])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"{ORIGIN}\n5\n", "origin, size and root"),
        (f"{ORIGIN}\n05\n{base64.b64encode(ROOT).decode()}\n", "not a plain decimal"),
        (f"{ORIGIN}\n+5\n{base64.b64encode(ROOT).decode()}\n", "not a plain decimal"),
        (f"{ORIGIN}\n5\n{base64.b64encode(ROOT[:31]).decode()}\n", "31 bytes"),
        (f"{ORIGIN}\n5\n{base64.b64encode(ROOT).decode()}\next\n", "extension"),
        (f"\n5\n{base64.b64encode(ROOT).decode()}\n", "empty origin"),
    ],
)
def test_malformed_checkpoint_bodies_are_rejected(
    signer: tuple[bytes, str], text: str, message: str
) -> None:
    with pytest.raises(CheckpointError, match=message):
        parse_and_verify_checkpoint(_signed(text, signer), signer[1])


def test_non_canonical_base64_root_is_rejected(signer: tuple[bytes, str]) -> None:
    good = base64.b64encode(ROOT).decode()
    # The last base64 digit of a 32-byte value carries 2 padding bits; set one.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    bad = good[:-2] + alphabet[alphabet.index(good[-2]) | 1] + "="
    assert base64.b64decode(bad) == ROOT
    text = f"{ORIGIN}\n5\n{bad}\n"
    with pytest.raises(CheckpointError, match="not canonical"):
        parse_and_verify_checkpoint(_signed(text, signer), signer[1])


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+AhpczQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_bad_verifier_keys_are_rejected(vkey: str) -> None:
    with pytest.raises(SigningError):
        parse_verifier_key(vkey)
    with pytest.raises(CheckpointError, match="bad verifier key"):
        open_note(GO_NOTE, vkey)


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\nb", "tab\there"])
def test_bad_key_names_are_rejected(name: str) -> None:
    with pytest.raises(SigningError):
        generate_signer(name)


def test_signing_rejects_bad_input(signer: tuple[bytes, str]) -> None:
    with pytest.raises(CheckpointError):
        sign_checkpoint("two\nlines", 1, ROOT, signer[0], ORIGIN)
    with pytest.raises(CheckpointError):
        sign_checkpoint(ORIGIN, -1, ROOT, signer[0], ORIGIN)
    with pytest.raises(CheckpointError):
        sign_checkpoint(ORIGIN, 1, ROOT[:31], signer[0], ORIGIN)
    with pytest.raises(SigningError, match="cannot load private key"):
        sign_checkpoint(ORIGIN, 1, ROOT, b"not a pem", ORIGIN)


def test_detached_signatures(signer: tuple[bytes, str]) -> None:
    private_pem, vkey = signer
    data = b"export bundle manifest\n"
    signature = sign_bytes(data, private_pem)
    assert len(signature) == 64
    pem = public_key_pem(vkey)
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert public_key_pem(private_pem) == pem
    for public in (vkey, pem, load_public_key(pem)):
        verify_bytes(data, signature, public)
        with pytest.raises(SigningError, match="does not verify"):
            verify_bytes(data + b"x", signature, public)
        with pytest.raises(SigningError, match="does not verify"):
            verify_bytes(data, signature[:-1], public)
    _, other = generate_signer(ORIGIN)
    with pytest.raises(SigningError, match="does not verify"):
        verify_bytes(data, signature, other)


OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl is not on PATH")


def _openssl(*args: str) -> subprocess.CompletedProcess[str]:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *args], capture_output=True, text=True, check=False)


@needs_openssl
def test_openssl_verifies_detached_signature(signer: tuple[bytes, str], tmp_path: Path) -> None:
    private_pem, vkey = signer
    data = tmp_path / "bundle.json"
    data.write_bytes(b'{"events":[1,2,3]}\n')
    sig = tmp_path / "bundle.json.sig"
    sig.write_bytes(sign_bytes(data.read_bytes(), private_pem))
    pub = tmp_path / "pub.pem"
    pub.write_bytes(public_key_pem(vkey))
    verify = ("pkeyutl", "-verify", "-pubin", "-inkey", str(pub), "-rawin")
    ok = _openssl(*verify, "-in", str(data), "-sigfile", str(sig))
    assert ok.returncode == 0, ok.stderr
    assert "Signature Verified Successfully" in ok.stdout
    data.write_bytes(b'{"events":[1,2,4]}\n')
    bad = _openssl(*verify, "-in", str(data), "-sigfile", str(sig))
    assert bad.returncode != 0


@needs_openssl
def test_openssl_signature_verifies_with_verify_bytes(
    signer: tuple[bytes, str], tmp_path: Path
) -> None:
    private_pem, vkey = signer
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(private_pem)
    data = tmp_path / "data.bin"
    data.write_bytes(b"signed by openssl")
    sig = tmp_path / "data.sig"
    made = _openssl(
        "pkeyutl", "-sign", "-inkey", str(key_file), "-rawin", "-in", str(data), "-out", str(sig)
    )
    assert made.returncode == 0, made.stderr
    verify_bytes(data.read_bytes(), sig.read_bytes(), vkey)
