"""Runs the read models' runners in threads: one active runner per read model, others stand by."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from functools import partial
from typing import Any

from frispor.domain.application import Frispor
from frispor.domain.mapper import decode_event
from frispor.projections.catalog import VIEWS, ensure
from frispor.projections.findings_runner import runner_for
from frispor.projections.queries import ReadModels
from frispor.projections.view import View
from frispor.store.db import Database
from frispor.store.follower import Follower

log = logging.getLogger("frispor.projections")


class ProjectionService:
    """Follows the event log for the named read models until stopped."""

    def __init__(self, app: Frispor, db: Database, names: list[str] | None = None) -> None:
        self.app, self.db = app, db
        self.views = [VIEWS[n] for n in (names or list(VIEWS))]
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.active: set[str] = set()

    def start(self) -> None:
        """Create missing tables and start one thread per read model."""
        ensure(self.db)
        for view in self.views:
            follower = Follower(
                f"proj-{view.name}",
                partial(self._pass, view),
                self.stop_event,
                partial(self._failed, view),
            )
            follower.start()
            self.threads.append(follower.thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask every runner to stop and wait for them."""
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout)

    def _pass(self, view: View) -> float:
        if self.db.is_postgres:
            self._run_postgres(view)
        else:
            self.active.add(view.name)
            runner_for(self.app, self.db, view).follow(self.stop_event)
        return 0.0

    def _failed(self, view: View, error: Exception) -> float:
        log.error("projection %s failed; retrying in 1 s", view.name, exc_info=error)
        self.active.discard(view.name)
        return 1.0

    def _run_postgres(self, view: View) -> None:
        with self.db.pg_connection() as conn:
            lock = f"frispor-projection:{view.name}"
            while not self.stop_event.is_set():
                got = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (lock,)).fetchone()
                if got and got[0]:
                    break
                self.stop_event.wait(1.0)  # another process runs it: stand by
            else:
                return
            self.active.add(view.name)
            # NOTIFY comes from the library's recorder on every insert into the events table.
            conn.execute("LISTEN frispor_events")

            def wake(timeout: float) -> None:
                for _ in conn.notifies(timeout=timeout, stop_after=1):
                    pass
                # Those that came meanwhile too: the next batch covers them all, and one batch
                # per insert would cost every read model a few round trips per decision.
                for _ in conn.notifies(timeout=0):
                    pass

            try:
                runner_for(self.app, self.db, view).follow(self.stop_event, wake)
            finally:
                self.active.discard(view.name)


def lag(app: Frispor, db: Database) -> dict[str, dict[str, Any]]:
    """Per read model: its position, the head, events behind and seconds behind."""
    head = app.recorder.max_notification_id() or 0
    report = {}
    for name, position in ReadModels(db).positions().items():
        seconds = 0.0
        if position < head:
            [n] = app.recorder.select_notifications(start=position + 1, limit=1)
            event = decode_event(n.topic, n.originator_id, n.originator_version, n.state)  # type: ignore[arg-type]
            seconds = max(0.0, (datetime.now(UTC) - event.timestamp).total_seconds())
        report[name] = {
            "position": position,
            "head": head,
            "behind": head - position,
            "seconds_behind": round(seconds, 3),
        }
    return report
