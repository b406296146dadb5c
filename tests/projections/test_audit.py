"""The auditors' tools on both stores: review findings, status from events, diff, the feed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from frispor.domain.aggregate import Envelope
from frispor.domain.application import Frispor
from frispor.domain.commands import (
    ApproveTrial,
    ComplyOrder,
    Correct,
    DesignateNetwork,
    EnrolInstitution,
    EstablishProgramme,
    GrantExemption,
    IssueOrder,
    PerformInspection,
    PlanInspection,
    RecordMeasurement,
    RequestExemption,
    RevokeExemption,
    SetGoal,
)
from frispor.domain.goal import GoalTerms, Measure
from frispor.domain.inspection import Finding as Seen
from frispor.domain.values import (
    Actor,
    Area,
    Assessment,
    Direction,
    Frequency,
    InspectionKind,
    InstitutionKind,
    LegalReference,
    NetworkKind,
    Ownership,
    Period,
    ProgrammeKind,
    Quality,
    Role,
    RuleCategory,
    RuleLevel,
)
from frispor.projections.audit.diff import diff
from frispor.projections.audit.record import load_record, recorded_at
from frispor.projections.audit.review import review
from frispor.projections.audit.status import (
    differences,
    institution_from_events,
    institution_from_views,
    trial_from_events,
    trial_from_views,
)
from frispor.projections.catalog import VIEWS
from frispor.projections.findings_runner import runner_for
from frispor.projections.history import feed
from frispor.projections.queries import ReadModels
from frispor.store.db import Database
from frispor.store.env import store_env
from frispor.store.open import open_app

BASIS = LegalReference.parse("eli/lta/2017/658", "§ 1")
OIM = "Økonomi- og Indenrigsministeriet"


class Clock:
    """A recorded-time clock the test moves: decisions are recorded on the day they are taken."""

    def __init__(self) -> None:
        self.now = datetime(2016, 1, 1, tzinfo=UTC)

    def on(self, day: date) -> None:
        self.now = max(self.now, datetime.combine(day, time(12), tzinfo=UTC))

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def env(org: str, day: date) -> Envelope:
    actor = Actor(id="u", role=Role.RECORDER, organisation=org)
    return Envelope(actor=actor, legal_basis=(BASIS,), justification="j", decided_on=day)


class Story:
    """A clean trial: 2018, one plejehjem, announced inspections under an exemption."""

    def __init__(self, app: Frispor, clock: Clock) -> None:
        self.app, self.clock = app, clock
        D = date
        self.at(D(2017, 6, 1))
        p = app.establish_programme(
            env(OIM, D(2017, 6, 1)),
            EstablishProgramme(
                name="P",
                kind=ProgrammeKind.FRIKOMMUNE,
                enabling_act=BASIS,
                period=Period(start=D(2017, 1, 1), end=D(2021, 12, 31)),
                ministry=OIM,
                protected_categories=(RuleCategory.MAGTANVENDELSE,),
            ),
        ).id
        n = app.designate_network(
            env(OIM, D(2017, 6, 1)),
            p,
            DesignateNetwork(
                name="N", kind=NetworkKind.NETWORK, area=Area.AELDRE, municipalities=("101",)
            ),
        ).id
        self.trial = app.approve_trial(
            env(OIM, D(2017, 6, 1)),
            ApproveTrial(
                network_id=n,
                title="T",
                purpose="p",
                period=Period(start=D(2018, 1, 1), end=D(2018, 12, 31)),
                municipalities=("101",),
            ),
        ).id
        self.home = app.enrol_institution(
            env("kommune:101", D(2017, 6, 1)),
            self.trial,
            EnrolInstitution(
                name="Plejecenter",
                kind=InstitutionKind.PLEJEHJEM,
                municipality="101",
                ownership=Ownership.KOMMUNAL,
                cvr="29556814",
            ),
        ).id
        self.exemption = app.request_exemption(
            env("kommune:101", D(2017, 6, 1)),
            self.trial,
            RequestExemption(
                municipality="101",
                rule=LegalReference.parse("eli/lta/2017/988", "§ 151, stk. 2"),
                level=RuleLevel.STATE,
                category=RuleCategory.TILSYNSFORM,
                description="anmeldte tilsyn",
            ),
        ).id
        self.grant = app.grant_exemption(
            env(OIM, D(2017, 6, 1)),
            self.exemption,
            GrantExemption(validity=Period(start=D(2018, 1, 1), end=D(2018, 12, 31))),
        )
        self.goal = app.set_goal(
            env("kommune:101", D(2017, 6, 1)),
            self.trial,
            SetGoal(
                terms=GoalTerms(
                    indicator="I",
                    definition="d",
                    unit="%",
                    data_source="s",
                    baseline=Measure(value=Decimal(10), on=D(2018, 1, 1)),
                    target=Measure(value=Decimal(20), on=D(2018, 12, 31)),
                    direction=Direction.HIGHER,
                    frequency=Frequency.QUARTERLY,
                )
            ),
        ).id
        self.measure(D(2018, 3, 31))
        self.inspect(D(2018, 5, 2), announced=True, deadline=D(2018, 6, 1), comply=D(2018, 5, 20))

    def finish(self) -> None:
        """The rest of the year's measurements, recorded on time."""
        for end in (date(2018, 6, 30), date(2018, 9, 30), date(2018, 12, 31)):
            self.measure(end)

    def at(self, day: date) -> None:
        self.clock.on(day)

    def measure(self, end: date, start: date | None = None) -> None:
        start = start or date(end.year, end.month - 2, 1)
        self.at(end)
        self.app.record_measurement(
            env("kommune:101", end),
            self.goal,
            RecordMeasurement(
                period=Period(start=start, end=end),
                value=Decimal(15),
                source="s",
                quality=Quality.FINAL,
            ),
        )

    def inspect(
        self,
        day: date,
        announced: bool,
        deadline: date | None = None,
        comply: date | None = None,
        recorded: date | None = None,
    ) -> UUID:
        notice = day - timedelta(days=7) if announced else None
        self.at(notice or day)
        i = self.app.plan_inspection(
            env("Styrelsen for Patientsikkerhed", notice or day),
            PlanInspection(
                institution_id=self.home,
                kind=InspectionKind.PLANNED,
                announced=announced,
                planned_on=day,
                notice_date=notice,
            ),
            authority="STPS",
        ).id
        self.at(recorded or day)
        self.app.perform_inspection(
            env("STPS", day),
            i,
            PerformInspection(
                performed_on=day,
                findings=(Seen(point="p", observation="o", assessment=Assessment.MINDRE),),
                assessment=Assessment.MINDRE,
            ),
        )
        if deadline:
            o = self.app.issue_order(
                env("STPS", day), i, IssueOrder(requirement="r", deadline=deadline)
            ).id
            if comply:
                self.at(comply)
                self.app.comply_order(env("STPS", comply), o, ComplyOrder(complied_on=comply))
        return i


@pytest.fixture
def story(database_url: str) -> Iterator[Story]:
    clock = Clock()
    app = open_app(store_env(database_url), clock=clock)
    yield Story(app, clock)
    app.close()


def codes(s: Story, as_of: date = date(2019, 1, 31)) -> list[str]:
    if s.clock.now.date() < date(2018, 12, 31):
        s.finish()
    return [f.code for f in review(load_record(s.app), as_of)]


def test_a_clean_history_has_no_findings(story: Story) -> None:
    assert codes(story) == []


def test_announced_inspection_without_exemption(story: Story) -> None:
    story.app.revoke_exemption(
        env(OIM, date(2018, 7, 1)),
        story.exemption,
        RevokeExemption(revoked_on=date(2018, 7, 1), reason="x"),
    )
    story.inspect(date(2018, 8, 1), announced=True)
    story.inspect(date(2018, 8, 15), announced=False)
    found = review(load_record(story.app), date(2019, 1, 31))
    [finding] = [f for f in found if f.code == "announced-without-exemption"]
    assert finding.code == "announced-without-exemption" and finding.day == "2018-08-01"
    assert finding.severity == "high" and len(finding.positions) == 2


def test_exemption_beyond_trial_and_incompetent_grantor_from_corrections(story: Story) -> None:
    granted = story.app.history(story.exemption)[-1]
    story.at(date(2018, 2, 1))
    story.app.correct(
        env(OIM, date(2018, 2, 1)),
        Correct(
            aggregate_id=story.exemption,
            event_id=granted.event_id,
            field="validity",
            new_value={"start": "2018-01-01", "end": "2019-06-30"},
            reason="import",
        ),
    )
    story.app.correct(
        env(OIM, date(2018, 2, 1)),
        Correct(
            aggregate_id=story.exemption,
            event_id=granted.event_id,
            field="grantor",
            new_value="kommune:101",
            reason="import",
        ),
    )
    found = codes(story)
    assert "exemption-outside-trial" in found and "incompetent-grantor" in found
    assert found.count("retroactive-correction") == 2


def test_goal_not_measured_and_measurement_outside_trial(story: Story) -> None:
    story.finish()
    story.measure(date(2019, 3, 31), start=date(2019, 1, 1))
    assert codes(story) == ["measurement-outside-trial"]
    clock = story.clock
    app2 = story.app
    goal = app2.set_goal(
        env("kommune:101", date(2018, 1, 1)),
        story.trial,
        SetGoal(
            terms=GoalTerms(
                indicator="J",
                definition="d",
                unit="%",
                data_source="s",
                baseline=Measure(value=Decimal(10), on=date(2018, 1, 1)),
                target=Measure(value=Decimal(5), on=date(2018, 12, 31)),
                direction=Direction.LOWER,
                frequency=Frequency.MONTHLY,
            )
        ),
    )
    assert clock.now.year == 2019 and goal.version == 1
    gaps = [
        f for f in review(load_record(app2), date(2019, 1, 31)) if f.code == "goal-not-measured"
    ]
    assert len(gaps) == 1 and "monthly" in gaps[0].explanation


def test_overdue_order_and_late_recording(story: Story) -> None:
    story.measure(date(2018, 6, 30))
    story.measure(date(2018, 9, 30))
    story.inspect(
        date(2018, 9, 1), announced=False, deadline=date(2018, 10, 1), recorded=date(2018, 11, 20)
    )
    story.measure(date(2018, 12, 31))
    found = codes(story)
    assert found.count("order-overdue") == 1
    assert found.count("late-recording") == 2  # the performance and the order, both 80 days late
    assert "order-overdue" not in codes(story, as_of=date(2018, 9, 30))  # deadline not yet passed


@pytest.fixture
def demo(demo_store: tuple[Frispor, Database]) -> tuple[Frispor, Database]:
    app, db = demo_store
    for view in VIEWS.values():
        runner_for(app, db, view, batch_size=9).catch_up()
    return app, db


DEMO_FINDINGS = [
    ("high", "announced-without-exemption", "2018-06-12"),
    ("high", "order-overdue", "2018-03-31"),
    ("medium", "retroactive-correction", "2018-09-14"),
    ("low", "late-recording", "2018-01-22"),
    ("low", "late-recording", "2018-01-22"),
]


def test_the_demo_yields_the_findings_the_readme_lists(demo: tuple[Frispor, Database]) -> None:
    app, _ = demo
    found = [(f.severity, f.code, f.day) for f in review(load_record(app), date(2019, 12, 31))]
    assert found == DEMO_FINDINGS


@pytest.mark.parametrize("known_at", [None, "2018-04-01", "2018-06-01", "2018-09-15"])
def test_status_from_events_equals_the_read_models(
    demo: tuple[Frispor, Database], known_at: str | None
) -> None:
    app, db = demo
    moment = datetime.fromisoformat(known_at).replace(tzinfo=UTC) if known_at else None
    record, read = load_record(app, moment), ReadModels(db)
    days = [
        date(2017, 8, 1),
        date(2018, 1, 15),
        date(2018, 3, 1),
        date(2018, 5, 1),
        date(2019, 6, 1),
    ]
    from frispor.domain.institution import Institution
    from frispor.domain.trial import Trial

    compared = 0
    for day in days:
        for t in load_record(app).of_type(Trial):
            a, b = trial_from_events(record, t.id, day), trial_from_views(read, t.id, day, record)
            assert differences(a, b) == [], (t.title, day)
            compared += a is not None
        for i in load_record(app).of_type(Institution):
            a2 = institution_from_events(record, i.id, day)
            assert differences(a2, institution_from_views(read, i.id, day, record)) == []
    assert compared > 0


def test_diff_names_the_correction(demo: tuple[Frispor, Database]) -> None:
    app, _ = demo
    earlier, later = (datetime(2018, m, 1, tzinfo=UTC) for m in (9, 10))
    changes = diff(load_record(app, later), earlier, later)
    corrected = [c for c in changes if c.kind == "Goal" and c.field != "(record)"]
    assert [c.field for c in corrected] == ["measurements"]
    assert any(c.field == "(record)" and c.after == "created" for c in changes)
    assert corrected[0].before[-1]["value"] == "70" and corrected[0].after[-1]["value"] == "68"
    assert [e["type"] for e in corrected[0].events] == ["Corrected"]
    assert corrected[0].details == [("measurements[1].value", "70", "68")]
    assert corrected[0].as_dict()["before"] == corrected[0].before  # whole, not cut short


def test_the_feed_can_be_followed_and_resumed_exactly(demo: tuple[Frispor, Database]) -> None:
    app, db = demo
    seen: list[int] = []
    after = 0
    while True:
        rows, after = feed(db, after, 7)
        if not rows:
            break
        seen += [r.position for r in rows]
    assert seen == list(range(1, app.recorder.max_notification_id() + 1))
    grants, _ = feed(db, 0, 100, ["frispor.domain.exemption:Exemption.Granted"])
    assert len(grants) == 5
    window: Any = (datetime(2018, 1, 1, tzinfo=UTC), datetime(2018, 2, 1, tzinfo=UTC))
    january, last = feed(db, 0, 100, recorded=window)
    assert {type(r.event).__qualname__ for r in january} == {
        "Goal.MeasurementRecorded",
        "Inspection.Planned",
    }
    assert last >= january[-1].position


def test_a_record_as_known_at_a_moment_keeps_exactly_what_was_recorded_by_then(
    demo: tuple[Frispor, Database],
) -> None:
    app, _ = demo
    stored = app.recorder.select_notifications(start=1, limit=1_000)
    # The recorded time is read from the stored JSON unparsed, for every kind of event
    # (an exemption's events are stored with a class version in front).
    assert any(n.state.startswith(b'{"class_version":2') for n in stored)
    everything = load_record(app)
    for n in stored:
        agg = UUID(str(n.originator_id))
        [event] = [
            e for e in everything.events[agg] if e.originator_version == n.originator_version
        ]
        assert recorded_at(n.state) == event.timestamp
    moments = sorted({e.timestamp for e in everything.all_events()})
    moment = moments[len(moments) // 2]
    kept = load_record(app, moment)
    expected = [e.event_id for e in everything.all_events() if e.timestamp <= moment]
    assert [e.event_id for e in kept.all_events()] == expected
    assert 0 < len(expected) < len(everything.positions)
