"""The store on SQLite and PostgreSQL: round trips, append-only, concurrency, upcasting, demo."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from frispor.demo import load_demo
from frispor.domain.aggregate import Envelope
from frispor.domain.application import Frispor
from frispor.domain.commands import (
    ApproveTrial,
    DesignateNetwork,
    EstablishProgramme,
    ExtendTrial,
    RecordMeasurement,
    RequestExemption,
    SetGoal,
)
from frispor.domain.errors import ConcurrencyError, NotFoundError
from frispor.domain.exemption import Exemption
from frispor.domain.goal import Goal, GoalTerms, Measure
from frispor.domain.programme import Programme
from frispor.domain.trial import Trial
from frispor.domain.values import (
    Actor,
    Area,
    Direction,
    Frequency,
    LegalReference,
    NetworkKind,
    Period,
    ProgrammeKind,
    Quality,
    Role,
    RuleCategory,
    RuleLevel,
)
from frispor.store.env import store_env
from frispor.store.open import open_app

MINISTRY = "Økonomi- og Indenrigsministeriet"
BASIS = LegalReference.parse("eli/lta/2017/658", "§ 1", "lov om frikommunenetværk")


def env(org: str = MINISTRY) -> Envelope:
    return Envelope(
        actor=Actor(id="u-7", role=Role.RECORDER, organisation=org),
        legal_basis=(BASIS,),
        justification="test",
        case_number="2018-1",
        decided_on=date(2018, 1, 2),
    )


@pytest.fixture
def app(database_url: str) -> Iterator[Frispor]:
    application = open_app(store_env(database_url))
    yield application
    application.close()


def trial(app: Frispor) -> tuple[str, ...]:
    p = app.establish_programme(
        env(),
        EstablishProgramme(
            name="Frikommuneforsøg II",
            kind=ProgrammeKind.FRIKOMMUNE,
            enabling_act=BASIS,
            period=Period(start=date(2016, 1, 1), end=date(2021, 12, 31)),
            ministry=MINISTRY,
            protected_categories=(RuleCategory.MAGTANVENDELSE,),
        ),
    )
    n = app.designate_network(
        env(),
        p.id,
        DesignateNetwork(
            name="Sammenhæng",
            kind=NetworkKind.NETWORK,
            area=Area.SAMMENHAENG,
            municipalities=("101", "561"),
        ),
    )
    t = app.approve_trial(
        env(),
        ApproveTrial(
            network_id=n.id,
            title="Anmeldte tilsyn",
            purpose="Læring",
            period=Period(start=date(2017, 9, 1), end=date(2018, 4, 30)),
            municipalities=("101",),
        ),
    )
    return p.id, n.id, t.id  # type: ignore[return-value]


def test_values_round_trip_unchanged(app: Frispor) -> None:
    _, _, trial_id = trial(app)
    terms = GoalTerms(
        indicator="Andel",
        definition="d",
        unit="%",
        data_source="s",
        baseline=Measure(value=Decimal("40.50"), on=date(2017, 9, 1)),
        target=Measure(value=Decimal("80.125"), on=date(2018, 4, 30)),
        direction=Direction.HIGHER,
        frequency=Frequency.QUARTERLY,
    )
    g = app.set_goal(env(), trial_id, SetGoal(terms=terms))  # type: ignore[arg-type]
    period = Period(start=date(2017, 10, 1), end=date(2017, 12, 31))
    app.record_measurement(
        env(),
        g.id,
        RecordMeasurement(
            period=period, value=Decimal("55.0"), source="s", quality=Quality.ESTIMATED
        ),
    )
    goal = app.get(Goal, g.id)
    assert goal.terms == terms and goal.terms.target.value == Decimal("80.125")
    assert type(goal.terms.direction) is Direction and goal.terms.frequency.months == 3
    [m] = goal.measurements
    assert (m.period, m.value, m.quality) == (period, Decimal("55.0"), Quality.ESTIMATED)
    first = app.history(g.id)[0]
    assert first.envelope == env().model_copy(
        update={"correlation_id": first.envelope.correlation_id}
    )
    assert first.envelope.legal_basis[0].path == "§ 1" and first.timestamp.tzinfo is not None


def test_positions_increase_and_history_is_oldest_first(app: Frispor) -> None:
    p = app.establish_programme(
        env(),
        EstablishProgramme(
            name="P",
            kind=ProgrammeKind.FRIKOMMUNE,
            enabling_act=BASIS,
            period=Period(start=date(2016, 1, 1), end=date(2021, 12, 31)),
            ministry=MINISTRY,
            protected_categories=(),
        ),
    )
    n = app.designate_network(
        env(),
        p.id,
        DesignateNetwork(
            name="N", kind=NetworkKind.NETWORK, area=Area.BOLIG, municipalities=("101",)
        ),
    )
    assert (p.position, n.position) == (1, 2) and p.version == 1
    assert [type(e) for e in app.history(p.id)] == [Programme.Established]


def test_unknown_and_wrong_kind_ids_are_not_found(app: Frispor) -> None:
    programme_id, _, _ = trial(app)
    with pytest.raises(NotFoundError, match="no trial with id"):
        app.get(Trial, programme_id)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="no exemption with id"):
        app.get(Exemption, uuid4())


def test_stale_expected_version_refused(app: Frispor) -> None:
    _, _, trial_id = trial(app)
    with pytest.raises(ConcurrencyError, match="at version 1, not the expected 3"):
        app.extend_trial(
            env(), trial_id, ExtendTrial(new_end=date(2018, 6, 30)), expected_version=3
        )  # type: ignore[arg-type]
    w = app.extend_trial(
        env(), trial_id, ExtendTrial(new_end=date(2018, 6, 30)), expected_version=1
    )  # type: ignore[arg-type]
    assert w.version == 2


def test_two_concurrent_writers_expecting_one_version_exactly_one_wins(app: Frispor) -> None:
    _, _, trial_id = trial(app)
    loaded = threading.Barrier(2)
    outcomes: list[object] = []
    real_get = app.repository.get
    first = threading.local()

    def get_then_wait(*args: object, **kwargs: object) -> object:
        agg = real_get(*args, **kwargs)  # type: ignore[arg-type]
        if not getattr(first, "done", False):
            first.done = True
            loaded.wait(timeout=10)  # both writers hold version 1 before either saves
        return agg

    app.repository.get = get_then_wait  # type: ignore[method-assign]

    def write(end: date) -> None:
        try:
            # The loser is decided again, and finds the trial no longer at the version it expects.
            outcomes.append(
                app.extend_trial(env(), trial_id, ExtendTrial(new_end=end), expected_version=1)
            )  # type: ignore[arg-type]
        except ConcurrencyError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=write, args=(date(2018, m, 28),)) for m in (6, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    app.repository.get = real_get  # type: ignore[method-assign]
    assert sorted(type(o).__name__ for o in outcomes) == ["ConcurrencyError", "Written"]
    events = app.history(trial_id)  # type: ignore[arg-type]
    assert [type(e) for e in events] == [Trial.Approved, Trial.Extended]


def test_events_table_refuses_update_delete_truncate(app: Frispor, database_url: str) -> None:
    trial(app)
    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            for statement in (
                "UPDATE stored_events SET state = x'00'",
                "DELETE FROM stored_events",
            ):
                with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                    conn.execute(statement)
            count = conn.execute("SELECT count(*) FROM stored_events").fetchone()[0]
    else:
        url, schema = database_url.split("?schema=")
        with psycopg.connect(url, autocommit=True) as conn:
            table = f'"{schema}".frispor_events'
            for statement in (
                f"UPDATE {table} SET state = '\\x00'",
                f"DELETE FROM {table}",
                f"TRUNCATE {table}",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                    conn.execute(statement)
            count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
    assert count == 3


def test_granted_v1_is_upcast_to_v2_on_read(app: Frispor) -> None:
    _, _, trial_id = trial(app)
    x = app.request_exemption(
        env("kommune:101"),
        trial_id,
        RequestExemption(
            municipality="101",
            rule=LegalReference.parse("eli/lta/2017/988", "§ 151, stk. 2"),
            level=RuleLevel.STATE,
            category=RuleCategory.TILSYNSFORM,
            description="Anmeldte tilsyn",
        ),
    )
    # An event as version 1 of Granted wrote it: loose valid_from/valid_to, no class_version.
    v1 = {
        "timestamp": "2017-08-25T10:00:00+00:00",
        "event_id": str(uuid4()),
        "envelope": json.loads(env().model_dump_json()),
        "grantor": MINISTRY,
        "conditions": ["varsles"],
        "valid_from": "2017-09-01",
        "valid_to": "2018-04-30",
    }
    app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=x.id,
                originator_version=2,
                topic="frispor.domain.exemption:Exemption.Granted",
                state=json.dumps(v1).encode(),
            )
        ]
    )
    exemption = app.get(Exemption, x.id)
    assert exemption.status == "granted" and exemption.conditions == ("varsles",)
    assert exemption.validity == Period(start=date(2017, 9, 1), end=date(2018, 4, 30))
    granted = app.history(x.id)[-1]
    assert isinstance(granted, Exemption.Granted) and type(granted).class_version == 2


def test_demo_loads_once(app: Frispor) -> None:
    first = load_demo(app)
    assert not first.already_loaded and first.last_position > 40
    assert {label for label, _ in first.refused} >= {
        "a third Frederiksberg plejehjem in the ældre partnership"
    }
    rules = {error.rule for _, error in first.refused}
    assert {
        "rule-1-protected-category",
        "rule-3-competent-grantor",
        "rule-4-enrolment-limit",
    } <= rules
    head = app.recorder.max_notification_id()
    second = load_demo(app)
    assert second.already_loaded and app.recorder.max_notification_id() == head
