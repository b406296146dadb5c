"""One loop for every background follower: repeat a pass until stopped, outliving failures."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("frispor")

Pass = Callable[[], float]
"""One pass of a follower; returns the seconds to wait before the next."""
Failed = Callable[[Exception], float]
"""Told of a failed pass (a database outage, say); returns the seconds to wait before retrying."""


class Follower:
    """A daemon thread that runs one pass after another until `stop` is set."""

    def __init__(
        self, name: str, step: Pass, stop: threading.Event, failed: Failed | None = None
    ) -> None:
        self.name, self.step, self.stop_event = name, step, stop
        self.failed = failed or self._log_and_wait
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self.thread.start()

    def _run(self) -> None:
        while not self.stop_event.is_set():
            try:
                wait = self.step()
            except Exception as error:  # noqa: BLE001 - a follower outlives a database outage
                wait = self.failed(error)
            if wait > 0:
                self.stop_event.wait(wait)

    def _log_and_wait(self, error: Exception) -> float:
        log.error("%s failed; retrying in 1 s", self.name, exc_info=error)
        return 1.0
