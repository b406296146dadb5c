"""Keeps the Merkle tree beside the events current, and cuts signed checkpoints now and then."""

from __future__ import annotations

import logging
import threading
import time

from frispor.domain.application import Frispor
from frispor.ledger.follow import cut_checkpoint, sync
from frispor.ledger.privileges import privilege_warning
from frispor.ledger.signer import Signer
from frispor.ledger.store import TreeStore
from frispor.ledger.timestamp_service import Timestamper
from frispor.ledger.witness_service import WitnessSender
from frispor.settings import Settings
from frispor.store.db import Database
from frispor.store.follower import Follower

log = logging.getLogger("frispor.ledger")


def signer_of(settings: Settings) -> Signer | None:
    """The checkpoint signer, if a signing key is configured."""
    if settings.signing_key is None:
        return None
    return Signer.from_pem_file(settings.signing_key, settings.ledger_origin)


class LedgerService:
    """A thread that appends new events to the tree and cuts a checkpoint when it grew."""

    def __init__(self, app: Frispor, db: Database, settings: Settings) -> None:
        self.app, self.db, self.settings = app, db, settings
        self.stop_event = threading.Event()
        self.follower = Follower("ledger", self._pass, self.stop_event, self._failed)
        self.thread = self.follower.thread
        self._last_cut, self._warned = 0.0, False
        self._signer: Signer | None = None
        stop = self.stop_event
        self.timestamper = Timestamper(settings, db, stop) if settings.tsa_url else None
        self.witnesses = WitnessSender(settings, db, stop) if settings.witnesses else None

    def start(self) -> None:
        """Start following (and stamping checkpoints, with a TSA configured)."""
        self.follower.start()
        if self.timestamper is not None:
            self.timestamper.start()
        if self.witnesses is not None:
            self.witnesses.start()

    def stop(self) -> None:
        """Stop and wait."""
        self.stop_event.set()
        self.thread.join(10)
        for helper in (self.timestamper, self.witnesses):
            if helper is not None:
                helper.thread.join(10)

    def status(self) -> dict[str, object]:
        """The ledger's background work for /health: how far timestamps and witnesses lag."""
        return {
            "timestamps": self.timestamper.status()
            if self.timestamper
            else "no TSA configured (FRISPOR_TSA_URL)",
            "witnesses": self.witnesses.status()
            if self.witnesses
            else "no witnesses configured (FRISPOR_WITNESSES)",
        }

    def _pass(self) -> float:
        # A pooled connection for each pass: nothing held while the thread waits.
        with TreeStore.borrow(self.db, self.settings.checkpoint_file) as store:
            self._signer = self._signer or signer_of(self.settings)
            if not self._warned:
                self._warned = True
                warning = privilege_warning(store.db)
                if warning is not None:
                    log.warning(warning)
            sync(store, self.app.recorder)
            latest = store.latest_checkpoint()
            grown = latest is None or latest.size < store.size()
            since = time.monotonic() - self._last_cut
            if self._signer and grown and since >= self.settings.checkpoint_every:
                cut_checkpoint(store, self._signer)
                self._last_cut = time.monotonic()
        return 1.0

    def _failed(self, error: Exception) -> float:
        log.error("ledger follower failed; retrying", exc_info=error)
        return 1.0
