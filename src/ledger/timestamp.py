"""RFC 3161 time-stamp tokens over signed checkpoints: the request, and offline verification.

The message stamped is the signed checkpoint note as the log cut it (UTF-8 bytes), hashed with
SHA-256. A token proves the note, and so every leaf of its tree, existed no later than the
token's time. Requests and tokens are built and parsed by `rfc3161-client`; no ASN.1 here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.x509.oid import NameOID
from rfc3161_client import (
    HashAlgorithm,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

__all__ = [
    "QUERY_TYPE",
    "REPLY_TYPE",
    "Stamp",
    "TimestampError",
    "TsaTrust",
    "build_request",
    "verify_token",
]

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


class TimestampError(ValueError):
    """A time-stamp token is malformed, for another message, or not signed by the trusted TSA."""


@dataclass(frozen=True)
class Stamp:
    """A verified token: when the TSA saw the message, who it is, and the token's nonce."""

    time: datetime
    tsa: str
    nonce: int | None


@dataclass(frozen=True)
class TsaTrust:
    """The timestamping authority's certificate and the chain up to a root one trusts."""

    tsa: x509.Certificate
    intermediates: tuple[x509.Certificate, ...]
    roots: tuple[x509.Certificate, ...]

    @classmethod
    def from_pem(cls, pem: bytes) -> TsaTrust:
        """Read a PEM bundle: the TSA's certificate, any intermediates and the root(s)."""
        try:
            certs = x509.load_pem_x509_certificates(pem)
        except ValueError as error:
            raise TimestampError(f"the TSA certificate file is not PEM: {error}") from None
        tsa = [c for c in certs if not _is_ca(c)]
        roots = tuple(c for c in certs if _is_ca(c) and c.issuer == c.subject)
        intermediates = tuple(c for c in certs if _is_ca(c) and c.issuer != c.subject)
        if len(tsa) != 1 or not roots:
            raise TimestampError(
                "the TSA certificate file must hold the TSA's certificate and its root CA "
                f"(found {len(tsa)} end-entity and {len(roots)} root certificates)"
            )
        return cls(tsa[0], intermediates, roots)

    @property
    def name(self) -> str:
        """The TSA's common name, or its whole subject."""
        names = self.tsa.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else self.tsa.subject.rfc4514_string()


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def build_request(note: str) -> tuple[bytes, int]:
    """Return a DER time-stamp query over a signed note (SHA-256, a nonce, certReq) and nonce."""
    request = (
        TimestampRequestBuilder()
        .data(note.encode())
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    assert request.nonce is not None  # asked for above
    return request.as_bytes(), request.nonce


def _decode(token: bytes) -> TimeStampResponse:
    try:
        return decode_timestamp_response(token)
    except ValueError as error:
        text = str(error)
        if "InvalidSetOrdering" in text:
            # Some TSAs embed their chain in an order the parser refuses (DER SET ordering).
            raise TimestampError(
                "the token embeds its certificates in an order the RFC 3161 parser refuses "
                "(DER SET ordering); ask the TSA to embed only its own certificate"
            ) from None
        raise TimestampError(f"not an RFC 3161 time-stamp response: {text}") from None


def verify_token(token: bytes, note: str, trust: TsaTrust, *, nonce: int | None = None) -> Stamp:
    """Verify a stored time-stamp response over a signed note; raise TimestampError naming why."""
    response = _decode(token)
    builder = VerifierBuilder(tsa_certificate=trust.tsa)
    for root in trust.roots:
        builder = builder.add_root_certificate(root)
    for cert in trust.intermediates:
        builder = builder.add_intermediate_certificate(cert)
    if nonce is not None:
        builder = builder.nonce(nonce)
    try:
        builder.build().verify_message(response, note.encode())
    except VerificationError as error:
        reason = str(error)
        if reason == "Mismatch between messages":
            reason = "the token is for another message, not this checkpoint"
        raise TimestampError(f"time-stamp token does not verify: {reason}") from None
    info = response.tst_info
    return Stamp(info.gen_time.astimezone(UTC), trust.name, info.nonce)
