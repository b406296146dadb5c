"""A C2SP tlog-witness: cosigns a log's checkpoint only when it extends the one it cosigned last.

State is one JSON file (per log origin: size, root, note), replaced atomically (write a temporary
file, fsync, rename) before the cosignature is answered, under a lock, so two requests can never
roll the witnessed size back. Status codes follow c2sp.org/tlog-witness: 400 bad request,
403 no valid log signature, 404 unknown log, 409 old size or root conflict (body: the witness's
size, `text/x.tlog.size`), 422 consistency proof does not verify; every refusal also carries a
`Frispor-Refusal` header (and 4xx bodies other than 409's say why in Danish and English).
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from frispor.ledger.checkpoint import CheckpointError, parse_and_verify_checkpoint
from frispor.ledger.cosign import CosignError, cosign, parse_add_checkpoint, witness_vkey
from frispor.ledger.keys import parse_verifier_key
from frispor.ledger.merkle import ProofError, verify_consistency

__all__ = ["Answer", "Witness", "serve_witness"]

SIZE_TYPE = "text/x.tlog.size"


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, body, content type and, for a refusal, why."""

    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"
    reason: str | None = None


def _refuse(status: int, reason: str) -> Answer:
    return Answer(status, reason + "\n", reason=reason)


class Witness:
    """Cosigns checkpoints of the logs it follows that are consistent with what it saw."""

    def __init__(self, name: str, key: Ed25519PrivateKey, logs: list[str], state: Path) -> None:
        """Follow the logs (their verifier keys) and keep state in the file at `state`."""
        self.name, self.key, self.state_path = name, key, state
        self.logs = {parse_verifier_key(vkey).name: vkey for vkey in logs}
        self.lock = threading.Lock()
        self.vkey = witness_vkey(name, key)
        self.state: dict[str, dict[str, str | int]] = (
            json.loads(state.read_text()) if state.exists() else {}
        )

    def _persist(self) -> None:
        tmp = self.state_path.with_name(f".{self.state_path.name}.tmp")
        with tmp.open("w", encoding="utf-8") as file:
            json.dump(self.state, file, indent=1, sort_keys=True)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, self.state_path)

    def add_checkpoint(self, body: bytes) -> Answer:
        """Handle one add-checkpoint request body."""
        try:
            request = parse_add_checkpoint(body)
        except CosignError as error:
            return _refuse(400, f"bad request: {error}")
        origin = request.note.split("\n", 1)[0]
        vkey = self.logs.get(origin)
        if vkey is None:
            return _refuse(404, f"unknown log {origin!r}: this witness does not follow it")
        try:
            checkpoint = parse_and_verify_checkpoint(request.note, vkey)
        except CheckpointError as error:
            status = 400 if "bad format" in str(error) else 403
            return _refuse(status, f"the checkpoint is not signed by {origin}'s key: {error}")
        if request.old_size > checkpoint.size:
            return _refuse(400, f"old size {request.old_size} exceeds the size {checkpoint.size}")
        with self.lock:
            seen = self.state.get(origin, {"size": 0, "root": ""})
            size, root = int(seen["size"]), base64.b64decode(str(seen["root"]))
            if request.old_size != size:
                reason = f"this witness cosigned size {size} last, not {request.old_size}"
                return Answer(409, f"{size}\n", SIZE_TYPE, reason)
            if size == checkpoint.size and size and root != checkpoint.root:
                return _refuse(
                    409,
                    f"a fork: size {size} was cosigned with another root; the log's history "
                    "was rewritten",
                )
            if size and size != checkpoint.size:
                try:
                    verify_consistency(size, checkpoint.size, root, checkpoint.root, request.proof)
                except ProofError as error:
                    return _refuse(
                        422,
                        f"not consistent with size {size}, which this witness cosigned: the "
                        f"log's history was rewritten or forked ({error})",
                    )
            elif request.proof:
                return _refuse(422, "the consistency proof must be empty here")
            self.state[origin] = {
                "size": checkpoint.size,
                "root": base64.b64encode(checkpoint.root).decode(),
                "note": request.note,
            }
            self._persist()
        return Answer(200, cosign(request.note, self.name, self.key, int(time.time())))


def serve_witness(witness: Witness, host: str, port: int) -> ThreadingHTTPServer:
    """Return an HTTP server answering POST /add-checkpoint (the caller runs serve_forever)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the standard library's name
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, 1 << 16))
            if self.path.rstrip("/").rsplit("/", 1)[-1] != "add-checkpoint":
                answer = _refuse(404, "only POST /add-checkpoint is served here")
            elif length > 1 << 16:
                answer = _refuse(413, "the request is too large")
            else:
                answer = witness.add_checkpoint(body)
            data = answer.body.encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(data)))
            if answer.reason:
                self.send_header(
                    "Frispor-Refusal", answer.reason.encode("ascii", "replace").decode()
                )
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return ThreadingHTTPServer((host, port), Handler)
