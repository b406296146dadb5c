"""Process-wide settings while read models' batches are applied, and their helper thread."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

# The cyclic collector, while batches are applied. A batch allocates dozens of objects per event
# and the cache keeps some (states, rows); at the default threshold (700 allocations) the
# collector keeps running full collections over the whole growing cache, ~40 % of catch-up CPU
# for goals. With fewer young collections those become rare.
# The setting is process-wide: the first runner to start a batch raises it, the last restores.
BATCH_GC_THRESHOLD = 50_000
_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the collector's young-generation threshold for the duration of the block."""
    global _gc_users, _gc_saved
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(max(_gc_saved[0], BATCH_GC_THRESHOLD), *_gc_saved[1:])
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_saved)


# Objects that outlive a batch (the cache: states, records, rows) are frozen after it, so that
# the collector's full collections do not traverse them again and again: at 100,000 events the
# findings runner's two full collections took a tenth of its catch-up. Unfrozen at the end of
# the catch-up, as the collector found them (the permanent generation would keep cycles).
_frozen_users = 0


@contextmanager
def frozen_between_batches() -> Iterator[Callable[[], None]]:
    """Yield a function that freezes every object the collector tracks, until the block ends."""
    global _frozen_users
    with _gc_lock:
        _frozen_users += 1
    try:
        yield gc.freeze
    finally:
        with _gc_lock:
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
_switch_users = 0
_switch_saved = sys.getswitchinterval()


@contextmanager
def quicker_switches() -> Iterator[None]:
    """Shorten the interpreter's thread switch interval for the duration of the block."""
    global _switch_users, _switch_saved
    with _gc_lock:
        if _switch_users == 0:
            _switch_saved = sys.getswitchinterval()
            sys.setswitchinterval(min(_switch_saved, CATCH_UP_SWITCH_INTERVAL))
        _switch_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _switch_users -= 1
            if _switch_users == 0:
                sys.setswitchinterval(_switch_saved)
