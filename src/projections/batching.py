"""Process-wide settings while read models' batches are applied, and their helper thread."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")

_lock = threading.Lock()


class _Shared(Generic[T]):
    """A process-wide setting changed while any runner needs it, restored after the last."""

    def __init__(self, get: Callable[[], T], put: Callable[[T], None], changed: Callable[[T], T]):
        self.get, self.put, self.changed = get, put, changed
        self.users = 0
        self.saved: T | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        """The setting changed for the duration of the block (and of every other holder's)."""
        with _lock:
            if self.users == 0:
                self.saved = self.get()
                self.put(self.changed(self.saved))
            self.users += 1
        try:
            yield
        finally:
            with _lock:
                self.users -= 1
                if self.users == 0 and self.saved is not None:
                    self.put(self.saved)


# The cyclic collector, while batches are applied. A batch allocates dozens of objects per event
# and the cache keeps some (states, rows); at the default threshold (700 allocations) the
# collector keeps running full collections over the whole growing cache, ~40 % of catch-up CPU
# for goals. With fewer young collections those become rare.
BATCH_GC_THRESHOLD = 50_000
fewer_collections = _Shared(
    gc.get_threshold,
    lambda saved: gc.set_threshold(*saved),
    lambda saved: (max(saved[0], BATCH_GC_THRESHOLD), *saved[1:]),
).held


# Objects that outlive a batch (the cache: states, records, rows) are frozen after it, so that
# the collector's full collections do not traverse them again and again: at 100,000 events the
# findings runner's two full collections took a tenth of its catch-up. Unfrozen at the end of
# the catch-up, as the collector found them (the permanent generation would keep cycles).
_frozen_users = 0


@contextmanager
def frozen_between_batches() -> Iterator[Callable[[], None]]:
    """Yield a function that freezes every object the collector tracks, until the block ends."""
    global _frozen_users
    with _lock:
        _frozen_users += 1
    try:
        yield gc.freeze
    finally:
        with _lock:
            _frozen_users -= 1
            if _frozen_users == 0:
                gc.unfreeze()


def in_thread(work: Callable[[], T]) -> Future[T]:
    """Start `work` in a thread of its own; its outcome, when asked for."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(work())
        except BaseException as error:  # noqa: BLE001 - raised again where it is taken
            future.set_exception(error)

    threading.Thread(target=run, name="projection-batch", daemon=True).start()
    return future


# While a catch-up overlaps a batch's write with the next batch's computation, the writer thread
# needs the GIL back after each of its round trips; at the default switch interval (5 ms) it
# waits that long behind the computing thread each time (findings at 100k: 37 ms a batch's
# write instead of ~20, and the computation then waits for it). Process-wide, as above.
CATCH_UP_SWITCH_INTERVAL = 0.0005
quicker_switches = _Shared(
    sys.getswitchinterval,
    sys.setswitchinterval,
    lambda saved: min(saved, CATCH_UP_SWITCH_INTERVAL),
).held
