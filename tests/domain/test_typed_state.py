"""State changes are typed: each event applies to its own aggregate, which keeps its sequence."""

from __future__ import annotations

import inspect
import re
from datetime import date
from typing import get_type_hints

import pytest

from frispor.domain.aggregate import Aggregate, Created, Event
from frispor.domain.topics import AGGREGATES
from frispor.domain.values import Period
from tests.domain.builders import ctx, requested, world


def _events(aggregate: type[Aggregate]) -> list[type[Event]]:
    return [v for v in vars(aggregate).values() if isinstance(v, type) and issubclass(v, Event)]


@pytest.mark.parametrize("aggregate", AGGREGATES, ids=lambda a: a.__name__)
def test_every_event_applies_to_its_aggregate_by_type_and_name(aggregate: type[Aggregate]) -> None:
    # mypy checks an apply body only where it knows the aggregate's type; Any would check nothing.
    name = re.sub(r"(?<!^)([A-Z])", r"_\1", aggregate.__name__).lower()
    for event in _events(aggregate):
        if "apply" not in vars(event):
            assert _copies_facts(event), f"{event.__qualname__} has no apply of its own"
            continue
        hints = get_type_hints(event.apply)
        assert hints == {name: aggregate, "return": type(None)}, event.__qualname__


@pytest.mark.parametrize("aggregate", AGGREGATES, ids=lambda a: a.__name__)
def test_a_first_event_gives_its_facts_to_state_of_the_same_name_and_type(
    aggregate: type[Aggregate],
) -> None:
    # What mypy cannot see in Created.apply's copy, name for name, this checks (the types as
    # Python sees them: MunicipalityCode is a str with a validator).
    state = get_type_hints(aggregate)
    for event in filter(_copies_facts, _events(aggregate)):
        facts = get_type_hints(event)
        for fact in event.model_fields.keys() - Event.model_fields.keys():
            assert state.get(fact) == facts[fact], f"{event.__qualname__}.{fact}"


def _copies_facts(event: type[Event]) -> bool:
    """Whether the event's apply is (or starts with) Created's copy of its facts."""
    if not issubclass(event, Created):
        return False
    own = vars(event).get("apply")
    return own is None or "super().apply(" in inspect.getsource(own)


def test_applied_state_is_declared_on_the_aggregate() -> None:
    w = world()
    for agg in (*w.values(), requested(w)):
        state = {k for k in vars(agg) if not k.startswith("_")}
        assert state and state <= get_type_hints(type(agg)).keys(), type(agg).__name__


def test_an_event_out_of_sequence_is_refused_applied_or_passed_over() -> None:
    w = world()
    trial = w["trial"]
    trial.extend(ctx(), trial.period.end.replace(year=trial.period.end.year + 1))
    [extended] = trial.collect_events()
    for step in (trial.take, trial.pass_over):
        with pytest.raises(AssertionError):
            step(extended)  # already taken: its place in the sequence is gone


@pytest.mark.parametrize("aggregate", AGGREGATES, ids=lambda a: a.__name__)
def test_an_events_valid_time_names_a_day_or_a_period_of_its_own(
    aggregate: type[Aggregate],
) -> None:
    for event in _events(aggregate):
        if event.valid_time is None:
            assert event.takes_effect == "decided", event.__qualname__
            continue
        annotation = get_type_hints(event)[event.valid_time]
        assert annotation in (date, Period, Period | None), event.__qualname__
