"""The one follower loop: a failing pass is reported and retried, and stop ends the thread."""

from __future__ import annotations

import threading

from frispor.store.follower import Follower


def test_a_failing_pass_is_reported_and_retried_until_stopped() -> None:
    stop = threading.Event()
    passes: list[int] = []
    failures: list[str] = []

    def step() -> float:
        passes.append(len(passes))
        if len(passes) < 3:
            raise ConnectionError(f"database down ({len(passes)})")
        stop.set()
        return 0.0

    def failed(error: Exception) -> float:
        failures.append(str(error))
        return 0.01

    follower = Follower("test", step, stop, failed)
    follower.start()
    follower.thread.join(5)
    assert not follower.thread.is_alive()
    assert passes == [0, 1, 2]
    assert failures == ["database down (1)", "database down (2)"]


def test_the_wait_a_pass_asks_for_is_cut_short_by_stop() -> None:
    stop = threading.Event()
    follower = Follower("test", lambda: 3600.0, stop)
    follower.start()
    stop.set()
    follower.thread.join(5)
    assert not follower.thread.is_alive()
