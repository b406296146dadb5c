"""Every command: given earlier events, when the command runs, then these events or that error."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from frispor.domain.commands import (
    AmendExemption,
    ApproveTrial,
    GrantExemption,
    IssueOrder,
    PerformInspection,
    PlanInspection,
    PublishEvaluation,
    PublishReport,
    ReceiveComplaint,
    RecordMeasurement,
    SetGoal,
)
from frispor.domain.complaint import Complaint
from frispor.domain.errors import InvalidTransitionError, InvalidValueError, NotParticipatingError
from frispor.domain.exemption import Exemption, ExemptionStatus
from frispor.domain.goal import Goal, GoalTerms, Measure
from frispor.domain.inspection import Finding, Inspection, Order, OrderStatus
from frispor.domain.trial import Trial, TrialStatus
from frispor.domain.values import (
    Assessment,
    ComplaintOutcome,
    Direction,
    EvaluationKind,
    Frequency,
    InspectionKind,
    Period,
    Quality,
)
from tests.domain.builders import ctx, requested, settled, then, world

P = Period(start=date(2018, 3, 1), end=date(2018, 12, 31))
TERMS = GoalTerms(
    indicator="Beboertilfredshed",
    definition="Score 1-5",
    unit="score",
    data_source="Undersøgelse",
    baseline=Measure(value=Decimal("3.8"), on=date(2018, 3, 1)),
    target=Measure(value=Decimal("4.3"), on=date(2018, 12, 31)),
    direction=Direction.HIGHER,
    frequency=Frequency.QUARTERLY,
)


def test_trial_extend_end_permanent_and_evaluation() -> None:
    t: Trial = world()["trial"]
    with pytest.raises(InvalidValueError, match="not after the current end"):
        t.extend(ctx(), date(2018, 12, 31))
    t.extend(ctx(), date(2019, 6, 30))
    t.publish_evaluation(
        ctx(),
        PublishEvaluation(
            kind=EvaluationKind.MIDTERM,
            evaluator="VIVE",
            published_on=date(2019, 1, 5),
            location="https://vive.dk/rapport",
        ),
    )
    t.end(ctx(), date(2019, 3, 31))
    events = then(t)
    assert [type(e) for e in events] == [Trial.Extended, Trial.EvaluationPublished, Trial.Ended]
    assert t.status is TrialStatus.ENDED and t.in_force.end == date(2019, 3, 31)
    with pytest.raises(InvalidTransitionError, match="is ended"):
        t.extend(ctx(), date(2020, 1, 1))
    t.make_permanent(ctx(), date(2019, 4, 1))
    assert [type(e) for e in then(t)] == [Trial.MadePermanent]
    with pytest.raises(InvalidTransitionError, match="already permanent"):
        t.make_permanent(ctx(), date(2019, 4, 1))


def test_trial_end_date_outside_period_refused() -> None:
    with pytest.raises(Exception, match="outside the trial period"):
        world()["trial"].end(ctx(), date(2019, 1, 1))


def test_trial_only_for_network_members() -> None:
    w = world()
    with pytest.raises(NotParticipatingError, match="851 is not a member"):
        Trial.approve(
            ctx(),
            w["programme"],
            w["network"],
            ApproveTrial(
                network_id=w["network"].id,
                title="t",
                purpose="p",
                period=P,
                municipalities=("851",),
            ),
        )


def test_exemption_lifecycle_grant_amend_revoke() -> None:
    w = world()
    x = requested(w)
    args = (w["programme"], w["network"], w["trial"])
    x.grant(ctx(), *args, GrantExemption(validity=P, conditions=("varsles 14 dage før",)))
    later = Period(start=date(2018, 4, 1), end=date(2018, 10, 31))
    x.amend(ctx(), w["trial"], *args[:2], AmendExemption(validity=later))
    x.revoke(ctx(), date(2018, 9, 1), "Betingelser ikke overholdt")
    events = then(x)
    assert [type(e) for e in events] == [Exemption.Granted, Exemption.Amended, Exemption.Revoked]
    assert x.status is ExemptionStatus.REVOKED and x.validity == later
    assert x.conditions == ("varsles 14 dage før",)
    assert (events[0].valid_from, events[0].valid_to) == (P.start, P.end)
    with pytest.raises(InvalidTransitionError, match="cannot grant an exemption that is revoked"):
        x.grant(ctx(), *args, GrantExemption(validity=P))


def test_exemption_reject_then_nothing_else() -> None:
    w = world()
    x = requested(w)
    x.reject(ctx(), "Ikke tilstrækkeligt begrundet")
    assert [type(e) for e in then(x)] == [Exemption.Rejected]
    with pytest.raises(InvalidTransitionError, match="cannot revoke"):
        x.revoke(ctx(), date(2018, 5, 1), "x")
    assert x.expire(ctx(), date(2018, 5, 1)) is False


def test_amend_needs_a_change() -> None:
    w = world()
    x = requested(w)
    x.grant(ctx(), w["programme"], w["network"], w["trial"], GrantExemption(validity=P))
    with pytest.raises(InvalidTransitionError, match="changes validity or conditions"):
        x.amend(ctx(), w["trial"], w["programme"], w["network"], AmendExemption())


def test_goal_set_revise_and_measure() -> None:
    w = world()
    g = Goal.set(ctx(), w["trial"], SetGoal(terms=TERMS))
    revised = TERMS.model_copy(
        update={"target": Measure(value=Decimal("4.5"), on=date(2018, 12, 31))}
    )
    g.revise(ctx(), revised)
    g.record(
        ctx(),
        RecordMeasurement(
            period=Period(start=date(2018, 3, 1), end=date(2018, 5, 31)),
            value=Decimal("3.70"),
            source="Undersøgelse",
            quality=Quality.PROVISIONAL,
        ),
    )
    events = then(g)
    assert [type(e) for e in events] == [Goal.Set, Goal.Revised, Goal.MeasurementRecorded]
    assert g.revisions == [TERMS, revised] and g.terms == revised
    assert g.measurements[0].value == Decimal("3.70") and g.on_track() is False
    with pytest.raises(InvalidValueError, match="changes nothing"):
        g.revise(ctx(), revised)


def test_goal_target_must_point_the_better_way() -> None:
    w = world()
    wrong = TERMS.model_copy(update={"direction": Direction.LOWER})
    with pytest.raises(InvalidValueError, match="does not point the way 'lower' is better"):
        Goal.set(ctx(), w["trial"], SetGoal(terms=wrong))


def test_inspection_announced_performed_reported_and_orders() -> None:
    w = world()
    i = Inspection.plan(
        ctx(),
        w["home"],
        PlanInspection(
            institution_id=w["home"].id,
            kind=InspectionKind.PLANNED,
            announced=True,
            notice_date=date(2018, 4, 1),
            planned_on=date(2018, 4, 15),
        ),
        authority="Socialtilsyn Øst",
    )
    with pytest.raises(InvalidTransitionError, match="not performed yet"):
        Order.issue(ctx(), i, IssueOrder(requirement="x", deadline=date(2018, 6, 1)))
    finding = Finding(point="Medicin", observation="Mangler", assessment=Assessment.MINDRE)
    i.perform(
        ctx(),
        PerformInspection(
            performed_on=date(2018, 4, 15), findings=(finding,), assessment=Assessment.MINDRE
        ),
    )
    i.publish_report(
        ctx(), PublishReport(published_on=date(2018, 5, 1), location="https://tilsyn.dk/r/1")
    )
    assert [type(e) for e in then(i)] == [
        Inspection.Planned,
        Inspection.Performed,
        Inspection.ReportPublished,
    ]
    with pytest.raises(InvalidTransitionError, match="already performed"):
        i.perform(
            ctx(),
            PerformInspection(
                performed_on=date(2018, 4, 16), findings=(), assessment=Assessment.INGEN
            ),
        )
    o = Order.issue(
        ctx(), i, IssueOrder(requirement="Ajourfør medicinlister", deadline=date(2018, 6, 1))
    )
    o.comply(ctx(), date(2018, 5, 20))
    assert o.status is OrderStatus.COMPLIED
    with pytest.raises(InvalidTransitionError, match="the order is complied"):
        o.escalate(ctx(), date(2018, 6, 2), "Styrelsen for Patientsikkerhed")
    o2 = settled(
        Order.issue(ctx(), i, IssueOrder(requirement="Bemanding", deadline=date(2018, 6, 1)))
    )
    o2.escalate(ctx(), date(2018, 6, 2), "Styrelsen for Patientsikkerhed")  # type: ignore[attr-defined]
    assert [type(e) for e in then(o2)] == [Order.Escalated]


@pytest.mark.parametrize(
    ("announced", "notice"), [(True, None), (True, date(2018, 4, 16)), (False, date(2018, 4, 1))]
)
def test_inspection_notice_must_fit_its_form(announced: bool, notice: date | None) -> None:
    with pytest.raises(InvalidValueError, match="notice date"):
        Inspection.plan(
            ctx(),
            world()["home"],
            PlanInspection(
                institution_id=world()["home"].id,
                kind=InspectionKind.REACTIVE,
                announced=announced,
                notice_date=notice,
                planned_on=date(2018, 4, 15),
            ),
            authority="Socialtilsyn",
        )


def test_complaint_received_and_decided_once() -> None:
    w = world()
    c = Complaint.receive(
        ctx(),
        w["trial"],
        ReceiveComplaint(subject="Afslag på tilkøb", received_on=date(2018, 6, 1)),
        complaint_body="Ankestyrelsen",
    )
    c.decide(ctx(), ComplaintOutcome.DISMISSED)
    assert [type(e) for e in then(c)] == [Complaint.Received, Complaint.Decided]
    with pytest.raises(InvalidTransitionError, match="already decided"):
        c.decide(ctx(), ComplaintOutcome.UPHELD)


def test_facts_need_no_legal_basis() -> None:
    w = world()
    g = settled(Goal.set(ctx(), w["trial"], SetGoal(terms=TERMS)))
    g.record(
        ctx(basis=(), justification=""),
        RecordMeasurement(period=P, value=Decimal("4"), source="s", quality=Quality.FINAL),
    )
    assert len(then(g)) == 1
