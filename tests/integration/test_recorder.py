"""The store on the fast PostgreSQL recorder: order, concurrency, group commit, notifications.

The store suite (`test_store.py`) runs here a second time on this recorder: its tests are
imported below and pick up this module's `app` and `database_url` fixtures (PostgreSQL only).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent

from frispor.domain.application import Frispor
from frispor.domain.commands import ExtendTrial
from frispor.domain.trial import Trial
from frispor.store.env import store_env
from frispor.store.open import open_app
from frispor.store.recorder import FastPostgresRecorder
from tests.integration.test_store import env as envelope
from tests.integration.test_store import trial as make_trial

pytestmark = pytest.mark.postgres

TOPIC = "frispor.domain.programme:Programme.Established"
FAST = {"APPLICATION_RECORDER_TOPIC": "frispor.store.recorder:FastPostgresRecorder"}


def fast_env(url: str, **settings: str) -> dict[str, str]:
    """The store's environment with this recorder selected."""
    return store_env(url) | FAST | settings


@pytest.fixture
def database_url(pg_url: str) -> str:
    """PostgreSQL only: the recorder is PostgreSQL's."""
    return pg_url


@pytest.fixture
def app(database_url: str) -> Iterator[Frispor]:
    application = open_app(fast_env(database_url))
    yield application
    application.close()


@pytest.fixture
def recorder(app: Frispor) -> FastPostgresRecorder:
    assert isinstance(app.recorder, FastPostgresRecorder)
    return app.recorder


def event(originator_id: UUID | None = None, version: int = 1) -> StoredEvent:
    """A stored event; its state is unique, as every event's id and timestamp make it."""
    state = f'{{"event_id": "{uuid4()}"}}'.encode()
    return StoredEvent(uuid4() if originator_id is None else originator_id, version, TOPIC, state)


def table(url: str) -> tuple[str, str]:
    """The connection URL and the schema-qualified events table of a pg_url."""
    base, schema = url.split("?schema=")
    return base, f'"{schema}".frispor_events'


def run_threads(*targets: Callable[[], Any]) -> list[Any]:
    """Run each target in its own thread; return what each returned or raised."""
    outcomes: list[Any] = [None] * len(targets)

    def call(i: int) -> None:
        try:
            outcomes[i] = targets[i]()
        except Exception as error:
            outcomes[i] = error

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(targets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def wait_for(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_application_uses_this_recorder_and_returns_positions(app: Frispor) -> None:
    assert isinstance(app.recorder, FastPostgresRecorder)
    _, _, trial_id = make_trial(app)
    extended = app.extend_trial(envelope(), trial_id, ExtendTrial(new_end=date(2018, 6, 30)))  # type: ignore[arg-type]
    assert (extended.version, extended.position) == (2, 4)
    assert app.get(Trial, trial_id).period.end == date(2018, 6, 30)  # type: ignore[arg-type]
    assert [n.id for n in app.recorder.select_notifications(start=1, limit=10)] == [1, 2, 3, 4]
    assert app.recorder.max_notification_id() == 4


def test_one_save_of_many_events_is_atomic_and_ordered(recorder: FastPostgresRecorder) -> None:
    ids = [uuid4() for _ in range(5)]
    positions = recorder.insert_events([event(i, v) for i in ids for v in (1, 2)])
    assert positions == list(range(1, 11))
    with pytest.raises(IntegrityError):  # the last event clashes: none of the save is stored
        recorder.insert_events([event(uuid4()), event(ids[0], 2)])
    assert recorder.max_notification_id() == 10
    stored = recorder.select_events(ids[4])
    assert [e.originator_version for e in stored] == [1, 2]
    with pytest.raises(IntegrityError):  # the very same event again is a clash too
        recorder.insert_events([stored[0]])
    assert recorder.insert_events([]) == []


def test_two_concurrent_saves_do_not_interleave(recorder: FastPostgresRecorder) -> None:
    first, second = uuid4(), uuid4()
    start = threading.Barrier(2)

    def save(aggregate: UUID) -> Callable[[], object]:
        def call() -> object:
            start.wait(timeout=10)
            return recorder.insert_events([event(aggregate, v) for v in range(1, 501)])

        return call

    a, b = run_threads(save(first), save(second))
    assert sorted(a + b) == list(range(1, 1001))
    assert a == list(range(a[0], a[0] + 500)) and b == list(range(b[0], b[0] + 500))


def test_concurrent_saves_of_one_version_exactly_one_wins(recorder: FastPostgresRecorder) -> None:
    aggregate = uuid4()
    start = threading.Barrier(8)

    def save() -> object:
        start.wait(timeout=10)
        return recorder.insert_events([event(aggregate, 1)])

    outcomes = run_threads(*[save] * 8)
    assert sum(isinstance(o, list) for o in outcomes) == 1
    assert sum(isinstance(o, IntegrityError) for o in outcomes) == 7
    assert len(recorder.select_events(aggregate)) == 1


class HeldLock:
    """Holds the events table's EXCLUSIVE lock from another connection, as a long save would."""

    def __init__(self, url: str) -> None:
        base, self.table = table(url)
        self.conn = psycopg.connect(base)

    def __enter__(self) -> psycopg.Connection[Any]:
        self.conn.execute(f"LOCK TABLE {self.table} IN EXCLUSIVE MODE")
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.commit()
        self.conn.close()


def one_batch(
    recorder: FastPostgresRecorder, pg_url: str, saves: list[list[StoredEvent]]
) -> list[Any]:
    """Queue the saves in order behind a leader that waits for the table lock; their outcomes."""
    outcomes: list[Any] = [None] * len(saves)

    def save(i: int) -> None:
        try:
            outcomes[i] = recorder.insert_events(saves[i])
        except Exception as error:
            outcomes[i] = error

    def queued(count: int) -> Callable[[], bool]:
        return lambda: len(recorder._queue) == count

    with HeldLock(pg_url):
        threads = [threading.Thread(target=recorder.insert_events, args=([event()],))]
        threads[0].start()  # the leader: its save waits for the lock
        wait_for(lambda: recorder._busy)
        for i in range(len(saves)):
            threads.append(threading.Thread(target=save, args=(i,)))
            threads[-1].start()
            wait_for(queued(i + 1))
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_group_commit_a_clash_fails_only_its_own_save(
    recorder: FastPostgresRecorder, pg_url: str
) -> None:
    stored, twice, own = uuid4(), uuid4(), uuid4()
    recorder.insert_events([event(stored, 1)])
    saves: list[list[StoredEvent]] = [[event()] for _ in range(10)]
    saves[3] = [event(stored, 1)]  # clashes with a stored event
    saves[5] = [event(twice, 1)]  # the earlier of two saves of one key in the batch wins
    saves[7] = [event(twice, 1)]
    saves[8] = [event(own, 1), event(own, 1)]  # repeats a key of its own
    outcomes = one_batch(recorder, pg_url, saves)
    failed = [i for i, o in enumerate(outcomes) if isinstance(o, IntegrityError)]
    assert failed == [3, 7, 8]
    written = [o for o in outcomes if isinstance(o, list)]
    assert len(written) == 7 and all(len(p) == 1 for p in written)
    base, events = table(pg_url)
    with psycopg.connect(base) as conn:
        ids = [s[0].originator_id for i, s in enumerate(saves) if i not in failed]
        query = f"SELECT count(*), count(DISTINCT xmin::text) FROM {events}"
        query += " WHERE originator_id = ANY(%s)"
        rows = conn.execute(query, (ids,)).fetchone()
    assert rows == (7, 1)  # the seven were committed in one transaction
    assert recorder.select_events(own) == []
    assert len(recorder.select_events(twice)) == 1


def lose_an_answer(recorder: FastPostgresRecorder, call: int) -> list[int]:
    """The call-th insert commits, then its connection dies before the answer is read."""
    calls: list[int] = []
    execute = recorder._execute

    def execute_then_break(values: list[bytes]) -> list[int | None]:
        positions = execute(values)
        calls.append(len(positions))
        if len(calls) == call:
            assert recorder._writer is not None
            recorder._writer.close()
            raise OperationalError("server closed the connection unexpectedly")
        return positions

    recorder._execute = execute_then_break  # type: ignore[method-assign]
    return calls


def test_a_save_resent_after_its_answer_was_lost_keeps_its_positions(
    recorder: FastPostgresRecorder,
) -> None:
    recorder.insert_events([event()])
    calls = lose_an_answer(recorder, call=1)
    aggregate = uuid4()
    positions = recorder.insert_events([event(aggregate, 1), event(aggregate, 2)])
    assert positions == [2, 3] and len(calls) >= 2  # resent, and answered as first written
    assert [e.originator_version for e in recorder.select_events(aggregate)] == [1, 2]
    assert recorder.max_notification_id() == 3


def test_a_batch_resent_after_its_answer_was_lost_keeps_its_positions(
    recorder: FastPostgresRecorder, pg_url: str
) -> None:
    stored = uuid4()
    recorder.insert_events([event(stored)])
    lose_an_answer(recorder, call=2)  # the leader's save goes alone, then the batch
    saves = [[event()] for _ in range(5)] + [[event(stored)]]
    outcomes = one_batch(recorder, pg_url, saves)
    assert [type(o).__name__ for o in outcomes] == ["list"] * 5 + ["IntegrityError"]
    stored_events = recorder.select_notifications(start=1, limit=100)
    assert len(stored_events) == 7  # each save once: the resent batch was not written again
    by_position = {n.id: n.originator_id for n in stored_events}
    assert [by_position[o[0]] for o in outcomes[:5]] == [s[0].originator_id for s in saves[:5]]


def test_a_reader_never_sees_a_later_position_before_an_earlier_commits(
    recorder: FastPostgresRecorder, pg_url: str
) -> None:
    recorder.insert_events([event()])
    base, events = table(pg_url)
    function = events.replace("frispor_events", "frispor_events_insert")
    with psycopg.connect(base) as early:
        # A save that has taken its position and not yet committed.
        [(held,)] = early.execute(
            f"SELECT * FROM {function}(%s::int[], %s::uuid[], %s::bigint[], %s, %s, false, false)",
            ([0], [uuid4()], [1], [TOPIC], [b"{}"]),
        ).fetchall()
        later: list[Any] = []
        saver = threading.Thread(
            target=lambda: later.extend(recorder.insert_events([event()]) or [])
        )
        saver.start()
        time.sleep(0.3)
        assert later == []  # queued behind the earlier save, with no position yet
        assert recorder.max_notification_id() == 1
        assert [n.id for n in recorder.select_notifications(start=2, limit=10)] == []
        early.commit()
    saver.join(timeout=10)
    assert later == [held + 1]
    assert [n.id for n in recorder.select_notifications(start=2, limit=10)] == [held, held + 1]


def test_notify_fires_for_listeners_and_subscriptions(
    recorder: FastPostgresRecorder, pg_url: str
) -> None:
    base, _ = table(pg_url)
    with psycopg.connect(base, autocommit=True) as listener:
        listener.execute(f'LISTEN "{recorder.channel_name}"')
        recorder.insert_events([event()])
        heard = list(listener.notifies(timeout=5, stop_after=1))
    assert [n.channel for n in heard] == [recorder.channel_name]
    received: list[int] = []
    with recorder.subscribe(gt=1) as subscription:
        reader = threading.Thread(target=lambda: received.append(next(subscription).id))
        reader.start()
        time.sleep(0.2)
        position = recorder.insert_events([event()])
        reader.join(timeout=10)
    assert received == list(position or [])


def test_the_writer_connection_is_replaced_when_it_breaks(
    recorder: FastPostgresRecorder, pg_url: str
) -> None:
    recorder.insert_events([event()])
    assert recorder._writer is not None
    pid = recorder._writer.info.backend_pid
    with psycopg.connect(table(pg_url)[0], autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    assert recorder.insert_events([event()]) == [2]
    assert recorder._writer.info.backend_pid != pid


def test_text_originator_ids(pg_url: str) -> None:
    app = open_app(fast_env(pg_url, ORIGINATOR_ID_TYPE="text"))
    try:
        positions = app.recorder.insert_events([event(), StoredEvent("trial-1", 1, TOPIC, b"1")])
        assert positions == [1, 2]
        assert app.recorder.select_events("trial-1")[0].state == b"1"
        with pytest.raises(IntegrityError):
            app.recorder.insert_events([StoredEvent("trial-1", 1, TOPIC, b"2")])
    finally:
        app.close()
