"""A real RFC 3161 timestamping authority on loopback: a test CA, `openssl ts -reply` over HTTP."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from uuid import uuid4

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

OPENSSL = shutil.which("openssl")


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _cert(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: str, signer: ec.EllipticCurvePrivateKey
) -> x509.CertificateBuilder:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
    )


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def make_authority(folder: Path, name: str) -> Path:
    """Write a CA and a TSA certificate (and the TSA's key) to folder; return the trust PEM."""
    folder.mkdir(parents=True)
    ca_key, tsa_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = (
        _cert(f"{name} Root CA", ca_key, f"{name} Root CA", ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    tsa = (
        _cert(f"{name} TSA", tsa_key, f"{name} Root CA", ca_key)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    (folder / "tsa.pem").write_bytes(_pem(tsa))
    (folder / "tsa.key").write_bytes(
        tsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / "serial").write_text("01\n")
    # No `certs =`: only the signer's certificate is embedded (see DESIGN.md on RFC 3161).
    (folder / "tsa.cnf").write_text(
        f"""[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {folder}
serial = {folder}/serial
crypto_device = builtin
signer_cert = {folder}/tsa.pem
signer_key = {folder}/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""
    )
    trust = folder / "trust.pem"
    trust.write_bytes(_pem(tsa) + _pem(ca))
    return trust


@dataclass
class Tsa:
    """A running test TSA: its URL, the PEM to trust it with, a switch to take it down."""

    url: str
    trust: Path
    folder: Path
    down: bool = False
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reply(self, query: bytes) -> bytes:
        """Answer a time-stamp query with `openssl ts -reply`."""
        assert OPENSSL is not None, "openssl is needed for the test TSA"
        name = uuid4().hex
        tsq, tsr = self.folder / f"{name}.tsq", self.folder / f"{name}.tsr"
        tsq.write_bytes(query)
        with self.lock:  # openssl increments the serial file
            subprocess.run(
                [
                    OPENSSL,
                    "ts",
                    "-reply",
                    "-config",
                    str(self.folder / "tsa.cnf"),
                    "-queryfile",
                    str(tsq),
                    "-out",
                    str(tsr),
                ],
                check=True,
                capture_output=True,
            )
        return tsr.read_bytes()


@contextmanager
def running_tsa(folder: Path, name: str = "Frispor Test") -> Iterator[Tsa]:
    """Run a TSA on 127.0.0.1 in a thread for the length of the block."""
    trust = make_authority(folder, name)
    tsa = Tsa("", trust, folder)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the standard library's name
            tsa.requests += 1
            query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if tsa.down or self.headers.get("Content-Type") != "application/timestamp-query":
                self.send_response(503 if tsa.down else 415)
                self.end_headers()
                return
            body = tsa.reply(query)
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tsa.url = f"http://127.0.0.1:{server.server_address[1]}/tsa"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tsa
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
