"""`frispor witness serve` as a user starts it: a process, its state file, a restart."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from ledger_testkit import FRISPOR, ORIGIN

from frispor.ledger.checkpoint import generate_signer, sign_checkpoint
from frispor.ledger.cosign import WitnessKey, format_add_checkpoint, valid_cosigners
from frispor.ledger.merkle import EMPTY_ROOT

LOG = generate_signer(ORIGIN)


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(tmp_path: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    args = ["witness", "serve", "--key", str(tmp_path / "w.key"), "--name", "tilsyn.test/w"]
    args += ["--log", LOG.verifier_key, "--state", str(tmp_path / "state.json")]
    process = subprocess.Popen(
        [*FRISPOR, *args, "--port", str(port)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    assert first.startswith("witness tilsyn.test/w+"), first
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return process, first.split(" ", 1)[1].strip()


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(10)
    if process.stdout is not None:
        process.stdout.close()


def _post(port: int, old: int, note: str) -> tuple[int, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/add-checkpoint",
        data=format_add_checkpoint(old, [], note),
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_witness_process_cosigns_and_keeps_its_state_across_a_restart(tmp_path: Path) -> None:
    (tmp_path / "w.key").write_bytes(generate_signer("tilsyn.test/w").private_pem)
    port = _port()
    process, vkey = _start(tmp_path, port)
    note = sign_checkpoint(ORIGIN, 0, EMPTY_ROOT, LOG.private_pem, ORIGIN)
    try:
        status, body = _post(port, 0, note)
        assert status == 200
        assert "tilsyn.test/w" in valid_cosigners(note + body, [WitnessKey.parse(vkey)])
        five = sign_checkpoint(ORIGIN, 5, b"\x05" * 32, LOG.private_pem, ORIGIN)
        assert _post(port, 0, five)[0] == 200  # from size 0 no proof is needed
    finally:
        _stop(process)
    process, _ = _start(tmp_path, port)
    try:
        assert _post(port, 0, five) == (409, "5\n")  # it remembers size 5
        other = sign_checkpoint(ORIGIN, 5, b"\x06" * 32, LOG.private_pem, ORIGIN)
        status, body = _post(port, 5, other)
        assert status == 409 and "a fork: size 5 was cosigned with another root" in body
        stranger = generate_signer("other.test/log")
        foreign = sign_checkpoint(ORIGIN, 6, b"\x06" * 32, stranger.private_pem, ORIGIN)
        assert _post(port, 5, foreign)[0] == 403
    finally:
        _stop(process)


@pytest.mark.parametrize("key", ["missing.key", "bad.key"])
def test_witness_serve_with_a_bad_key_says_so_in_one_line(tmp_path: Path, key: str) -> None:
    (tmp_path / "bad.key").write_text("not a key")
    args = ["witness", "serve", "--key", str(tmp_path / key), "--name", "w.test/w"]
    done = subprocess.run(
        [*FRISPOR, *args, "--log", LOG.verifier_key], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.startswith("cannot start the witness: ") and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
