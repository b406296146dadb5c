"""Fetches an RFC 3161 token for every checkpoint in the background, backing off while the TSA
is down; nothing waits for it, and /health shows how far it lags."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from frispor.ledger.leaf import format_recorded_at
from frispor.ledger.stamps import add_stamp, pending, stamp_lag
from frispor.ledger.store import StoredCheckpoint, TreeStore
from frispor.ledger.timestamp import TimestampError, TsaTrust
from frispor.ledger.tsa_client import TsaUnavailableError, fetch_token
from frispor.settings import Settings
from frispor.store.db import Database
from frispor.store.follower import Follower

log = logging.getLogger("frispor.ledger")

_POLL = 1.0
_MAX_BACKOFF = 300.0


class Timestamper:
    """A thread that stamps every checkpoint still without a token, oldest first."""

    def __init__(self, settings: Settings, db: Database, stop: threading.Event) -> None:
        assert settings.tsa_url is not None and settings.tsa_cert is not None
        self.settings, self.db, self.url, self.stop_event = settings, db, settings.tsa_url, stop
        self.follower = Follower("timestamps", self._step, stop, self._failed)
        self.thread = self.follower.thread
        self.backoff = 0.0
        self.waiting: int = 0
        self.oldest: str | None = None
        self.error: str | None = None
        self.stamped = 0

    def start(self) -> None:
        """Start stamping."""
        self.follower.start()

    def status(self) -> dict[str, object]:
        """How far timestamping lags: checkpoints waiting, since when, the last failure."""
        lag = None
        if self.oldest is not None:
            cut = datetime.fromisoformat(self.oldest.replace("Z", "+00:00"))
            lag = round((datetime.now(UTC) - cut).total_seconds(), 1)
        return {
            "tsa": self.url,
            "checkpoints_waiting": self.waiting,
            "oldest_waiting_since": self.oldest,
            "lag_seconds": lag,
            "stamped": self.stamped,
            "last_error": self.error,
        }

    def _pass(self, store: TreeStore, trust: TsaTrust) -> None:
        for checkpoint in pending(store):
            token, stamp = fetch_token(
                self.url, checkpoint.note, trust, timeout=self.settings.tsa_timeout
            )
            add_stamp(store, checkpoint.id, token, stamp, format_recorded_at(datetime.now(UTC)))
            self.stamped += 1
        self.waiting, self.oldest = stamp_lag(store)

    def _step(self) -> float:
        with TreeStore.borrow(self.db) as store:
            self.backoff = self._pass_or_wait(store, self.backoff)
        return self._wait()

    def _failed(self, error: Exception) -> float:
        log.warning("timestamping failed; retrying: %s", error)  # outlives a database outage
        self.error = f"{type(error).__name__}: {error}"
        self.backoff = min(max(1.0, self.backoff * 2), _MAX_BACKOFF)
        return self._wait()

    def _wait(self) -> float:
        # Jitter, so that many servers do not retry an unavailable TSA in step.
        return self.backoff * random.uniform(0.5, 1.0) if self.backoff else _POLL

    def _pass_or_wait(self, store: TreeStore, backoff: float) -> float:
        """One pass; the back-off to wait after it (0 when the TSA answered)."""
        assert self.settings.tsa_cert is not None
        try:
            trust = TsaTrust.from_pem(self.settings.tsa_cert.read_bytes())
            self._pass(store, trust)
        except (TsaUnavailableError, TimestampError, OSError) as error:
            if self.error is None:  # one line per outage, not one per retry
                log.warning("timestamping waits: %s", error)
            # The lag first, then the error: /health never shows an error with nothing waiting.
            self.waiting, self.oldest = stamp_lag(store)
            self.error = str(error)
            return min(max(1.0, backoff * 2), _MAX_BACKOFF)
        if self.error is not None:
            log.info("timestamping resumed: %s", self.url)
        self.error = None
        return 0.0


def stamp_once(settings: Settings) -> Callable[[TreeStore, StoredCheckpoint], None] | None:
    """For an export: one try at a token for its checkpoint; a bag without one if the TSA fails."""
    if settings.tsa_url is None or settings.tsa_cert is None:
        return None
    url, cert = settings.tsa_url, settings.tsa_cert

    def stamp(store: TreeStore, checkpoint: StoredCheckpoint) -> None:
        try:
            trust = TsaTrust.from_pem(cert.read_bytes())
            token, found = fetch_token(url, checkpoint.note, trust, timeout=settings.tsa_timeout)
        except (TsaUnavailableError, TimestampError, OSError) as error:
            log.warning("checkpoint %d goes without a token for now: %s", checkpoint.id, error)
            return
        add_stamp(store, checkpoint.id, token, found, format_recorded_at(datetime.now(UTC)))

    return stamp
