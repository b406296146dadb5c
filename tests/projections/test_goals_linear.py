"""The goals read model stays linear in its events however late measurements are recorded.

A measurement recorded out of date order adds its own row version, keyed by its own event,
instead of a copy of the whole series (2,000 such measurements made 121,173 rows before). The
bitemporal answers stay what a replay of the events says: on random orders of measurements,
revisions and corrections, `ReadModels.goal(as_of, known_at)` equals the goal rebuilt from the
events recorded by that moment, as it stood on that day (both stores).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frispor.demo import load_demo
from frispor.domain.aggregate import Context, Envelope, Event
from frispor.domain.application import Frispor
from frispor.domain.commands import RecordMeasurement, SetGoal
from frispor.domain.goal import Goal, GoalTerms, Measure
from frispor.domain.mapper import decode_event
from frispor.domain.trial import Trial
from frispor.domain.values import Actor, Direction, Frequency, LegalReference, Period, Quality, Role
from frispor.projections.catalog import VIEWS, active_table, ensure
from frispor.projections.queries import ReadModels
from frispor.projections.runner import Runner
from frispor.projections.timeline import state_on
from frispor.store.db import Database
from frispor.store.env import store_env
from frispor.store.open import open_app

BASIS = LegalReference.parse("eli/lta/2017/658", "§ 1")
ACTOR = Actor(id="maaler", role=Role.RECORDER, organisation="kommune:101")
FIRST_DAY = date(2017, 9, 1)
ROWS_PER_EVENT = 2  # a measurement adds one row; a revision closes one and opens at most two


@dataclass
class Store:
    app: Frispor
    db: Database
    trial: Trial


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    app = open_app(store_env(database_url))
    db = Database(database_url)
    try:
        ensure(db)
        trial_id = load_demo(app).ids["trial:plejehjemstilsyn"]
        yield Store(app, db, app.get(Trial, trial_id))
    finally:
        db.close()
        app.close()


def terms(target: int = 80) -> GoalTerms:
    return GoalTerms(
        indicator="Andel med handleplan",
        definition="Handleplaner inden 30 dage",
        unit="%",
        data_source="Tilsynsdatabasen",
        baseline=Measure(value=Decimal("40"), on=FIRST_DAY),
        target=Measure(value=Decimal(target), on=date(2018, 4, 30)),
        direction=Direction.HIGHER,
        frequency=Frequency.MONTHLY,
    )


def ctx(app: Frispor, day: date) -> Context:
    envelope = Envelope(actor=ACTOR, legal_basis=(BASIS,), justification="Måling", decided_on=day)
    return Context(envelope=envelope, recorded_at=app.clock())


def new_goal(store: Store, set_on: date) -> Goal:
    goal = Goal.set(ctx(store.app, set_on), store.trial, SetGoal(terms=terms()))
    store.app.save(goal)
    return goal


def measure(app: Frispor, goal: Goal, start: date, days: int, value: int) -> None:
    period = Period(start=start, end=start + timedelta(days=days))
    goal.record(
        ctx(app, period.end),
        RecordMeasurement(
            period=period, value=Decimal(value), source="Tilsynsdatabasen", quality=Quality.FINAL
        ),
    )


def rows_of(db: Database, goal_id: UUID) -> int:
    with db.transaction() as cur:
        table = active_table(cur, "goals")
        found = cur.execute(f"SELECT count(*) FROM {table} WHERE aggregate_id = %s", [str(goal_id)])
        return int(found[0][0])


def test_measurements_recorded_out_of_date_order_add_one_row_each(store: Store) -> None:
    app, db = store.app, store.db
    goal = new_goal(store, FIRST_DAY)
    starts = [FIRST_DAY + timedelta(days=n) for n in range(400)]
    random.Random(12).shuffle(starts)
    measure(app, goal, starts[0], 6, 40)
    first = goal.pending_events[-1]
    for n, start in enumerate(starts[1:], start=1):
        measure(app, goal, start, 6, 40 + n % 45)
        if n % 50 == 49:
            app.save(goal)
    goal.correct(ctx(app, date(2019, 1, 1)), first.event_id, "value", "41", "Tastefejl")
    goal.revise(ctx(app, FIRST_DAY + timedelta(days=30)), terms(target=85))  # effect: earlier
    app.save(goal)
    runner = Runner(app, db, VIEWS["goals"], batch_size=37)
    runner.catch_up()
    events = goal.version
    rows = rows_of(db, goal.id)
    print(f"\n{events} events of one goal, measurements out of date order: {rows} rows")
    assert rows <= ROWS_PER_EVENT * events, f"{rows} rows for {events} events"
    answer = ReadModels(db).goal(str(goal.id), as_of=date(2019, 6, 1))
    assert answer is not None and len(answer["measurements"]) == 400
    assert answer["data"]["terms"]["target"]["value"] == "85"


# --- the answers equal a replay of the events, on random orders ----------------------------

Step = tuple[str, Any]


@st.composite
def histories(draw: st.DrawFn) -> list[Step]:
    """Measurements in any date order, maybe a revision and corrections in between."""
    count = draw(st.integers(1, 8))
    periods = [(draw(st.integers(0, 200)), draw(st.integers(0, 40))) for _ in range(count)]
    steps: list[Step] = [
        ("measure", (offset, days, draw(st.integers(0, 99))))
        for offset, days in draw(st.permutations(periods))
    ]
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(1, len(steps)))
        steps.insert(at, ("correct", (draw(st.integers(0, count - 1)), draw(st.integers(0, 99)))))
    if draw(st.booleans()):
        at = draw(st.integers(0, len(steps)))
        steps.insert(at, ("revise", draw(st.integers(-10, 250))))
    return steps


def record(store: Store, steps: list[Step]) -> tuple[Goal, list[Event]]:
    app = store.app
    goal = new_goal(store, FIRST_DAY - timedelta(days=5))
    measured: list[Goal.MeasurementRecorded] = []
    for kind, arg in steps:
        if kind == "measure":
            offset, days, value = arg
            measure(app, goal, FIRST_DAY + timedelta(days=offset), days, value)
            event = goal.pending_events[-1]
            assert isinstance(event, Goal.MeasurementRecorded)
            measured.append(event)
        elif kind == "correct" and arg[0] < len(measured):
            target = measured[arg[0]]
            if str(target.value) != str(arg[1]):
                goal.correct(
                    ctx(app, date(2019, 1, 1)), target.event_id, "value", str(arg[1]), "Rettet"
                )
        elif kind == "revise":
            goal.revise(ctx(app, FIRST_DAY + timedelta(days=arg)), terms(target=81 + len(measured)))
        app.save(goal)  # each its own recorded moment
    stored = app.recorder.select_events(goal.id)
    return goal, [decode_event(s.topic, goal.id, s.originator_version, s.state) for s in stored]


def replayed(events: list[Event], day: date, moment: datetime) -> dict[str, Any] | None:
    """The goal as the events recorded by `moment` say it stood on `day`."""
    state = state_on([e for e in events if e.timestamp <= moment], day)
    if state is None:
        return None
    assert isinstance(state, Goal)
    measurements = sorted(
        (m.period.start.isoformat(), m.period.end.isoformat(), str(m.value))
        for m in state.measurements
        if m.period.end <= day
    )
    data = {"terms": state.terms.model_dump(mode="json"), "revisions": len(state.revisions) - 1}
    return {"data": data, "measurements": measurements}


def answered(read: ReadModels, goal: Goal, day: date, moment: datetime) -> dict[str, Any] | None:
    found = read.goal(str(goal.id), as_of=day, known_at=moment)
    if found is None:
        return None
    measurements = sorted(
        (m["valid_from"], m["valid_to"], m["data"]["value"]) for m in found["measurements"]
    )
    return {"data": found["data"], "measurements": measurements}


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=histories())
def test_answers_as_of_any_day_and_known_at_any_moment_equal_a_replay(
    store: Store, steps: list[Step]
) -> None:
    goal, events = record(store, steps)
    Runner(store.app, store.db, VIEWS["goals"], batch_size=3).catch_up()
    read = ReadModels(store.db)
    moments = [e.timestamp for e in events] + [events[0].timestamp - timedelta(microseconds=1)]
    days = {FIRST_DAY - timedelta(days=6), date(2019, 12, 31)}
    for event in events:
        if isinstance(event, Goal.MeasurementRecorded):
            days |= {event.period.end, event.period.end - timedelta(days=1)}
        elif isinstance(event, Goal.Revised):
            days |= {event.effective_on, event.effective_on - timedelta(days=1)}
    for moment in moments:
        for day in sorted(days):
            assert answered(read, goal, day, moment) == replayed(events, day, moment), (
                day,
                moment,
            )
    assert rows_of(store.db, goal.id) <= ROWS_PER_EVENT * len(events)
