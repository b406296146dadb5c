"""Asks a timestamping authority over HTTP for a token over a checkpoint, and checks the answer."""

from __future__ import annotations

import urllib.error
import urllib.request

from frispor.ledger.timestamp import (
    QUERY_TYPE,
    REPLY_TYPE,
    Stamp,
    TimestampError,
    TsaTrust,
    build_request,
    verify_token,
)

__all__ = ["TsaUnavailableError", "fetch_token"]


class TsaUnavailableError(RuntimeError):
    """The TSA did not answer, or answered with something other than a time-stamp reply."""


def fetch_token(
    url: str, note: str, trust: TsaTrust, *, timeout: float = 10.0
) -> tuple[bytes, Stamp]:
    """Return a verified time-stamp response over a signed note and what it says."""
    query, nonce = build_request(note)
    request = urllib.request.Request(
        url, data=query, method="POST", headers={"Content-Type": QUERY_TYPE}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - configured URL
            kind = answer.headers.get("Content-Type", "")
            token = answer.read()
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
        raise TsaUnavailableError(f"the TSA at {url} did not answer: {error}") from None
    if kind.split(";")[0].strip() != REPLY_TYPE:
        raise TsaUnavailableError(f"the TSA at {url} answered {kind or 'no content type'}")
    try:
        # The nonce is known here only: offline verifiers check everything else.
        return token, verify_token(token, note, trust, nonce=nonce)
    except TimestampError as error:
        raise TsaUnavailableError(f"the TSA at {url} gave an unusable token: {error}") from None
