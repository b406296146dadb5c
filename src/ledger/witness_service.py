"""Sends the latest checkpoint to every configured witness in the background and keeps their
cosignatures; a witness that is down or refuses is retried with back-off and shown in /health."""

from __future__ import annotations

import logging
import random
import threading
import time

from frispor.ledger.cosign import WitnessKey
from frispor.ledger.store import TreeStore
from frispor.ledger.witnessing import WitnessError, WitnessTarget, last_cosigned_size, send
from frispor.settings import Settings
from frispor.store.db import Database
from frispor.store.follower import Follower

log = logging.getLogger("frispor.ledger")

_POLL = 1.0
_MAX_BACKOFF = 300.0


class WitnessSender:
    """A thread that brings every witness's cosignature up to the latest checkpoint."""

    def __init__(self, settings: Settings, db: Database, stop: threading.Event) -> None:
        self.settings, self.db, self.stop_event = settings, db, stop
        self.targets = [
            WitnessTarget(w.name, w.url, WitnessKey.parse(w.key)) for w in settings.witnesses
        ]
        self.follower = Follower("witnesses", self._pass, stop, self._failed)
        self.thread = self.follower.thread
        self.state: dict[str, dict[str, object]] = {
            t.name: {"cosigned_size": 0, "behind": None, "last_error": None} for t in self.targets
        }
        self.retry_at: dict[str, float] = {t.name: 0.0 for t in self.targets}
        self.backoff: dict[str, float] = {t.name: 0.0 for t in self.targets}

    def start(self) -> None:
        """Start sending."""
        self.follower.start()

    def status(self) -> dict[str, object]:
        """Per witness: the size it cosigned last, how far behind the log, the last refusal."""
        return {name: dict(report) for name, report in self.state.items()}

    def _one(self, store: TreeStore, target: WitnessTarget) -> None:
        latest = store.latest_checkpoint()
        if latest is None:
            return
        report = self.state[target.name]
        if last_cosigned_size(store, target.name) < latest.size:
            if time.monotonic() < self.retry_at[target.name]:
                return
            try:
                send(store, latest, target, timeout=self.settings.witness_timeout)
            except WitnessError as error:
                if report["last_error"] != str(error):
                    log.warning("witness %s: %s", target.name, error)
                report["last_error"] = str(error)
                wait = min(max(1.0, self.backoff[target.name] * 2), _MAX_BACKOFF)
                self.backoff[target.name] = wait
                self.retry_at[target.name] = time.monotonic() + wait * random.uniform(0.5, 1.0)
            else:
                report["last_error"], self.backoff[target.name] = None, 0.0
        cosigned = last_cosigned_size(store, target.name)
        report["cosigned_size"], report["behind"] = cosigned, latest.size - cosigned

    def _pass(self) -> float:
        with TreeStore.borrow(self.db) as store:
            for target in self.targets:
                self._one(store, target)
        return _POLL

    def _failed(self, error: Exception) -> float:
        log.warning("witnessing failed; retrying: %s", error)  # outlives a database outage
        return _POLL
