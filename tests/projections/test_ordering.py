"""Gap safety and trial ends: no runner passes a lower position before it commits."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date

import psycopg
import pytest

from frispor.domain.aggregate import Context, Envelope
from frispor.domain.application import Frispor
from frispor.domain.commands import (
    AmendExemption,
    ApproveTrial,
    DesignateNetwork,
    EndTrial,
    EstablishProgramme,
    ExtendTrial,
    GrantExemption,
    RequestExemption,
)
from frispor.domain.programme import Programme
from frispor.domain.values import (
    Actor,
    LegalReference,
    Period,
    ProgrammeKind,
    Role,
    RuleCategory,
    RuleLevel,
)
from frispor.projections.catalog import VIEWS, ensure
from frispor.projections.queries import ReadModels
from frispor.projections.runner import Runner
from frispor.store.db import Database, split_schema
from frispor.store.env import store_env
from frispor.store.open import open_app

BASIS = LegalReference.parse("eli/lta/2017/658", "§ 1")
MINISTRY = "Økonomi- og Indenrigsministeriet"


def env(org: str = MINISTRY, day: date = date(2018, 1, 2)) -> Envelope:
    actor = Actor(id="u-1", role=Role.RECORDER, organisation=org)
    return Envelope(actor=actor, legal_basis=(BASIS,), justification="j", decided_on=day)


def establish(app: Frispor) -> Programme:
    return Programme.establish(
        Context(envelope=env(), recorded_at=app.clock()),
        EstablishProgramme(
            name="P",
            kind=ProgrammeKind.FRIKOMMUNE,
            enabling_act=BASIS,
            period=Period(start=date(2016, 1, 1), end=date(2021, 12, 31)),
            ministry=MINISTRY,
            protected_categories=(),
        ),
    )


@pytest.fixture
def pg(pg_url: str) -> Iterator[tuple[Frispor, Database, str]]:
    app = open_app(store_env(pg_url))
    db = Database(pg_url)
    ensure(db)
    yield app, db, pg_url
    db.close()
    app.close()


@pytest.mark.postgres
def test_a_lower_position_committed_late_is_not_skipped(
    pg: tuple[Frispor, Database, str],
) -> None:
    app, db, url = pg
    conninfo, schema = split_schema(url)
    held = establish(app)
    [stored] = [app.mapper.to_stored_event(e) for e in held.collect_events()]
    runner = Runner(app, db, VIEWS["trials"])
    with psycopg.connect(conninfo) as slow:
        # A writer takes the next position and holds its transaction open, as the recorder does.
        slow.execute(f'LOCK TABLE "{schema}".frispor_events IN EXCLUSIVE MODE')
        low = slow.execute(
            f'INSERT INTO "{schema}".frispor_events (originator_id, originator_version, topic, '
            "state) VALUES (%s, %s, %s, %s) RETURNING notification_id",
            (stored.originator_id, 1, stored.topic, stored.state),
        ).fetchone()
        assert low is not None
        later = threading.Thread(target=lambda: app.save(establish(app)))
        later.start()  # a second writer: its higher position cannot commit first
        later.join(0.5)
        assert runner.run_once() == 0  # the runner sees neither, so it cannot skip the lower
        slow.commit()
    later.join(10)
    runner.catch_up()
    assert ReadModels(db).positions()["trials"] == app.recorder.max_notification_id() == low[0] + 1


def test_extension_first_keeps_grants_in_force_and_the_end_ends_them(database_url: str) -> None:
    app = open_app(store_env(database_url))
    db = Database(database_url)
    ensure(db)
    try:
        from frispor.domain.values import Area, NetworkKind

        p = app.establish_programme(
            env(),
            EstablishProgramme(
                name="P",
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
                name="N", kind=NetworkKind.NETWORK, area=Area.AELDRE, municipalities=("101",)
            ),
        )
        t = app.approve_trial(
            env(),
            ApproveTrial(
                network_id=n.id,
                title="T",
                purpose="p",
                period=Period(start=date(2018, 1, 1), end=date(2018, 6, 30)),
                municipalities=("101",),
            ),
        )
        x = app.request_exemption(
            env("kommune:101"),
            t.id,
            RequestExemption(
                municipality="101",
                rule=BASIS,
                level=RuleLevel.MUNICIPAL,
                category=RuleCategory.DOKUMENTATION,
                description="d",
            ),
        )
        app.grant_exemption(
            env("kommune:101"),
            x.id,
            GrantExemption(validity=Period(start=date(2018, 1, 1), end=date(2018, 6, 30))),
        )
        app.extend_trial(env(day=date(2018, 5, 1)), t.id, ExtendTrial(new_end=date(2018, 12, 31)))
        app.amend_exemption(
            env("kommune:101", date(2018, 5, 2)),
            x.id,
            AmendExemption(validity=Period(start=date(2018, 1, 1), end=date(2018, 12, 31))),
        )
        before_end = app.clock()
        app.end_trial(env(day=date(2018, 10, 31)), t.id, EndTrial(ended_on=date(2018, 10, 31)))
        for view in VIEWS.values():
            Runner(app, db, view).catch_up()
        rm = ReadModels(db)

        def in_force(day: date, known_at: object = None) -> bool:
            found = rm.exemptions(in_force_on=day, known_at=known_at)  # type: ignore[arg-type]
            return any(e["aggregate_id"] == str(x.id) for e in found)

        assert in_force(date(2018, 9, 1)) and in_force(date(2018, 10, 31))
        assert not in_force(date(2018, 11, 1))
        assert in_force(date(2018, 11, 15), known_at=before_end)  # as recorded before the end
        [trial] = [r for r in rm.trials(as_of=date(2018, 11, 1)) if r["aggregate_id"] == str(t.id)]
        assert trial["phase"] == "ended" and trial["period_end"] == "2018-10-31"
    finally:
        db.close()
        app.close()
