"""Use cases on the library's in-memory store: who may decide, and a lost race decided again."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from frispor.domain.aggregate import Envelope
from frispor.domain.application import Frispor
from frispor.domain.commands import (
    ApproveTrial,
    DesignateNetwork,
    EstablishProgramme,
    ExtendTrial,
    RejectExemption,
    RequestExemption,
    RevokeExemption,
)
from frispor.domain.core import ATTEMPTS
from frispor.domain.errors import ConcurrencyError, IncompetentGrantorError, NotCompetentError
from frispor.domain.values import (
    Actor,
    Area,
    NetworkKind,
    Period,
    ProgrammeKind,
    Role,
    RuleCategory,
    RuleLevel,
)
from tests.domain.builders import BASIS, MINISTRY, RULE


def env(organisation: str) -> Envelope:
    actor = Actor(id="u-1", role=Role.RECORDER, organisation=organisation)
    return Envelope(
        actor=actor, legal_basis=(BASIS,), justification="x", decided_on=date(2018, 1, 2)
    )


@pytest.fixture
def app() -> Frispor:
    return Frispor({"MAPPER_TOPIC": "frispor.domain.mapper:PydanticMapper"})


def a_trial(app: Frispor) -> UUID:
    programme = app.establish_programme(
        env(MINISTRY),
        EstablishProgramme(
            name="Frikommuneforsøg II",
            kind=ProgrammeKind.FRIKOMMUNE,
            enabling_act=BASIS,
            period=Period(start=date(2016, 1, 1), end=date(2021, 12, 31)),
            ministry=MINISTRY,
            protected_categories=(RuleCategory.MAGTANVENDELSE,),
        ),
    ).id
    network = app.designate_network(
        env(MINISTRY),
        programme,
        DesignateNetwork(
            name="Sammenhæng",
            kind=NetworkKind.NETWORK,
            area=Area.SAMMENHAENG,
            municipalities=("101", "147"),
        ),
    ).id
    return app.approve_trial(
        env(MINISTRY),
        ApproveTrial(
            network_id=network,
            title="Anmeldte tilsyn",
            purpose="Læring",
            period=Period(start=date(2017, 9, 1), end=date(2018, 4, 30)),
            municipalities=("101",),
        ),
    ).id


def request(app: Frispor, trial: UUID, organisation: str, level: RuleLevel) -> Any:
    return app.request_exemption(
        env(organisation),
        trial,
        RequestExemption(
            municipality="101",
            rule=RULE,
            level=level,
            category=RuleCategory.DOKUMENTATION,
            description="Mindre dokumentation",
        ),
    )


def test_who_may_decide_is_checked_by_the_use_case_before_the_state(app: Frispor) -> None:
    trial = a_trial(app)
    with pytest.raises(NotCompetentError, match="'kommune:147' may not request") as refused:
        request(app, trial, "kommune:147", RuleLevel.LOCAL)
    assert refused.value.rule == "competent-organisation" and refused.value.field == "organisation"
    exemption = request(app, trial, "kommune:101", RuleLevel.STATE).id
    app.reject_exemption(env(MINISTRY), exemption, RejectExemption(reason="Ikke begrundet"))
    # Rejected already; the council is still told it is not competent, not what state it is in.
    for decide in (
        lambda: app.reject_exemption(env("kommune:101"), exemption, RejectExemption(reason="x")),
        lambda: app.revoke_exemption(
            env("kommune:101"), exemption, RevokeExemption(revoked_on=date(2018, 1, 1), reason="x")
        ),
    ):
        with pytest.raises(IncompetentGrantorError, match="responsible ministry"):
            decide()
    with pytest.raises(NotCompetentError, match="may not extend it"):
        app.extend_trial(env("kommune:101"), trial, ExtendTrial(new_end=date(2018, 6, 30)))


def test_a_race_lost_every_time_ends_in_a_409_naming_the_record_that_exists(
    app: Frispor, monkeypatch: pytest.MonkeyPatch
) -> None:
    trial = a_trial(app)
    retried: list[int] = []
    app.on_retry = lambda: retried.append(1)

    def lose(*objs: Any, **kwargs: Any) -> Any:
        raise IntegrityError("a version of the trial is already stored")

    monkeypatch.setattr(app, "save", lose)
    monkeypatch.setattr(app, "_taken", lambda event: event.originator_id == trial)
    monkeypatch.setattr("frispor.domain.core.time.sleep", lambda seconds: None)
    with pytest.raises(ConcurrencyError) as lost:
        request(app, trial, "kommune:101", RuleLevel.LOCAL)
    assert f"another decision on trial {trial} was recorded first" in lost.value.message
    assert f"{ATTEMPTS} times in a row" in lost.value.message
    assert len(retried) == ATTEMPTS - 1
