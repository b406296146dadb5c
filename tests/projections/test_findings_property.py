"""Property: for random histories, the findings read model answers what a fresh review computes.

Histories mix decisions, late recordings, corrections of earlier events, orders complied with
late (or never), goals measured irregularly (out of period order, over periods of one to four
months) and revised between measurements, exemptions revoked and trials ended or extended.
Each example is a new trial in the same store, so the runner also follows one history after
another incrementally; the answers are compared for random (as_of, known_at) pairs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from frispor.domain.application import Frispor
from frispor.domain.commands import (
    Correct,
    EndTrial,
    EscalateOrder,
    ExtendTrial,
    RecordMeasurement,
    ReviseGoal,
    RevokeExemption,
)
from frispor.domain.errors import DomainError
from frispor.domain.goal import Goal, Measure
from frispor.domain.values import Frequency, Period, Quality
from frispor.projections.audit.record import load_record
from frispor.projections.audit.review import review
from frispor.projections.catalog import VIEWS, ensure
from frispor.projections.findings_query import ReviewQuery, review_all
from frispor.projections.findings_runner import FindingsRunner
from frispor.store.db import Database
from frispor.store.env import store_env
from frispor.store.open import open_app
from tests.projections.test_audit import OIM, Clock, Story, env

START = date(2017, 10, 1)
day = st.integers(0, 640).map(lambda n: START + timedelta(days=n))
delay = st.sampled_from([0, 0, 0, 45, 130])
action = st.one_of(
    st.tuples(st.just("measure"), st.integers(0, 19), delay, st.integers(1, 4)),
    # Revised between measurements: the goal's gaps are counted anew from its new terms.
    st.tuples(st.just("revise"), st.sampled_from(list(Frequency)), st.integers(0, 300)),
    st.tuples(
        st.just("inspect"),
        day,
        st.booleans(),
        st.none() | st.integers(1, 120),
        st.none() | st.integers(-20, 200),
        delay,
    ),
    st.tuples(st.just("correct-measurement"), st.integers(0, 6), st.integers(0, 100)),
    st.tuples(st.just("correct-validity"), day),
    st.tuples(st.just("revoke"), day, delay),
    st.tuples(st.just("end"), day),
    st.tuples(st.just("extend"), day),
    st.tuples(st.just("escalate"), st.integers(0, 3), day),
    st.tuples(st.just("correct-ministry"), st.sampled_from(["Sundhedsministeriet", OIM])),
)
moment = st.none() | st.integers(0, 900).map(
    lambda n: datetime.combine(date(2017, 6, 1) + timedelta(days=n), time(12), tzinfo=UTC)
)
pairs = st.lists(st.tuples(day, moment), min_size=1, max_size=4)


class Store:
    """One store for every example: a clock set back for each new history, and the runner."""

    def __init__(self, url: str) -> None:
        self.clock = Clock()
        self.app = open_app(store_env(url), clock=self.clock)
        self.db = Database(url)
        ensure(self.db)
        self.runner = FindingsRunner(self.app, self.db, VIEWS["findings"], batch_size=11)
        self.orders: list[Any] = []

    def close(self) -> None:
        self.db.close()
        self.app.close()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store(database_url)
    yield s
    s.close()


def _apply(story: Story, store: Store, step: tuple[Any, ...]) -> None:
    app: Frispor = story.app
    kind = step[0]
    if kind == "measure":
        end = _month_end(2017, 11 + step[1])
        start = _month_end(end.year, end.month - step[3]) + timedelta(days=1)
        story.at(end + timedelta(days=step[2]))
        app.record_measurement(
            env("kommune:101", end),
            story.goal,
            RecordMeasurement(
                period=Period(start=start, end=end),
                value=Decimal(15),
                source="s",
                quality=Quality.FINAL,
            ),
        )
    elif kind == "revise":
        story.at(story.clock.now.date() + timedelta(days=1))
        terms = app.repository.get(story.goal).terms
        baseline = Measure(value=terms.baseline.value, on=START + timedelta(days=step[2]))
        app.revise_goal(
            env("kommune:101", story.clock.now.date()),
            story.goal,
            ReviseGoal(terms=terms.model_copy(update={"frequency": step[1], "baseline": baseline})),
        )
    elif kind == "inspect":
        _, on, announced, deadline, comply, late = step
        by = on + timedelta(days=deadline) if deadline else None
        complied = by + timedelta(days=comply) if by and comply is not None else None
        recorded = on + timedelta(days=late)
        story.inspect(on, announced, by, complied, recorded)
    elif kind == "correct-measurement":
        measured = [e for e in app.history(story.goal) if isinstance(e, Goal.MeasurementRecorded)]
        if measured:
            target = measured[step[1] % len(measured)]
            story.at(story.clock.now.date() + timedelta(days=3))
            app.correct(
                env(OIM, story.clock.now.date()),
                Correct(
                    aggregate_id=story.goal,
                    event_id=target.event_id,
                    field="value",
                    new_value=str(step[2]),
                    reason="rettelse",
                ),
            )
    elif kind == "correct-validity":
        granted = app.history(story.exemption)[1]
        story.at(story.clock.now.date() + timedelta(days=1))
        app.correct(
            env(OIM, story.clock.now.date()),
            Correct(
                aggregate_id=story.exemption,
                event_id=granted.event_id,
                field="validity",
                new_value={"start": "2018-01-01", "end": step[1].isoformat()},
                reason="rettelse",
            ),
        )
    elif kind == "revoke":
        story.at(step[1] + timedelta(days=step[2]))
        app.revoke_exemption(
            env(OIM, step[1]),
            story.exemption,
            RevokeExemption(revoked_on=step[1], reason="tilbagekaldt"),
        )
    elif kind == "end":
        story.at(step[1])
        app.end_trial(env(OIM, step[1]), story.trial, EndTrial(ended_on=step[1]))
    elif kind == "extend":
        story.at(step[1])
        app.extend_trial(
            env(OIM, step[1]), story.trial, ExtendTrial(new_end=step[1] + timedelta(days=365))
        )
    elif kind == "correct-ministry":  # the programme's: the grantor may become incompetent
        programme = app.repository.get(story.trial).programme_id
        established = app.history(programme)[0]
        story.at(story.clock.now.date() + timedelta(days=2))
        app.correct(
            env(OIM, story.clock.now.date()),
            Correct(
                aggregate_id=programme,
                event_id=established.event_id,
                field="ministry",
                new_value=step[1],
                reason="rettelse",
            ),
        )
    elif kind == "escalate":
        orders = _open_orders(app, story)
        if orders:
            story.at(step[2])
            app.escalate_order(
                env("STPS", step[2]),
                orders[step[1] % len(orders)],
                EscalateOrder(escalated_on=step[2], escalated_to="X"),
            )


def _open_orders(app: Frispor, story: Story) -> list[Any]:
    record = load_record(app)
    from frispor.domain.inspection import Order, OrderStatus

    return [
        o.id
        for o in record.of_type(Order)
        if o.trial_id == story.trial and o.status is OrderStatus.OPEN
    ]


def _month_end(year: int, month: int) -> date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


@settings(
    max_examples=int(os.environ.get("FINDINGS_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(action, max_size=10), asked=pairs)
def test_the_read_model_equals_a_fresh_review(
    store: Store, steps: list[tuple[Any, ...]], asked: list[tuple[date, datetime | None]]
) -> None:
    store.clock.now = datetime(2016, 1, 1, tzinfo=UTC)
    story = Story(store.app, store.clock)
    for step in steps:
        try:
            _apply(story, store, step)
        except (DomainError, ValidationError) as error:
            event(f"refused {step[0]}: {type(error).__name__}")  # the history goes on without it
    store.runner.catch_up()
    trial = str(story.trial)
    for as_of, known_at in asked:
        expected = review(load_record(store.app, known_at), as_of, trial=trial)
        found = review_all(store.db, ReviewQuery(as_of=as_of, known_at=known_at, trial=trial))
        for f in expected:
            event(f.code)
        assert sorted(map(_text, found)) == sorted(_text(f.as_dict()) for f in expected)


def _text(finding: dict[str, Any]) -> str:
    return json.dumps(finding, sort_keys=True)
