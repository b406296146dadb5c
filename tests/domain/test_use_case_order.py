"""Every use case on the library's in-memory store: who may decide first, then the version."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from frispor.domain.aggregate import Envelope
from frispor.domain.application import Frispor, Written
from frispor.domain.commands import (
    AmendExemption,
    ApproveTrial,
    ComplyOrder,
    DecideComplaint,
    DesignateNetwork,
    EndTrial,
    EnrolInstitution,
    EscalateOrder,
    EstablishProgramme,
    ExtendTrial,
    GrantExemption,
    IssueOrder,
    MakeTrialPermanent,
    PerformInspection,
    PlanInspection,
    PublishEvaluation,
    PublishReport,
    ReceiveComplaint,
    RecordMeasurement,
    RejectExemption,
    RequestExemption,
    ReviseGoal,
    RevokeExemption,
    SetGoal,
)
from frispor.domain.errors import ConcurrencyError, NotCompetentError, NotFoundError
from frispor.domain.exemption import Exemption, ExemptionStatus
from frispor.domain.goal import GoalTerms, Measure
from frispor.domain.values import (
    Actor,
    Area,
    Assessment,
    ComplaintOutcome,
    Direction,
    EvaluationKind,
    Frequency,
    InspectionKind,
    InstitutionKind,
    NetworkKind,
    Ownership,
    Period,
    ProgrammeKind,
    Role,
    RuleCategory,
    RuleLevel,
)
from tests.domain.builders import BASIS, MINISTRY, RULE

COUNCIL = "kommune:101"
STRANGER = "kommune:751"  # a municipality of the network, not of the trial
ANKE = "Ankestyrelsen"
STALE = 99
TRIAL_PERIOD = Period(start=date(2017, 9, 1), end=date(2018, 4, 30))
TERMS = GoalTerms(
    indicator="Andel med handleplan",
    definition="Plejecentre med skriftlig handleplan",
    unit="%",
    data_source="Tilsynsdatabasen",
    baseline=Measure(value=Decimal(40), on=date(2017, 9, 1)),
    target=Measure(value=Decimal(80), on=date(2018, 4, 30)),
    direction=Direction.HIGHER,
    frequency=Frequency.QUARTERLY,
)


def env(organisation: str) -> Envelope:
    actor = Actor(id="u-1", role=Role.RECORDER, organisation=organisation)
    return Envelope(
        actor=actor, legal_basis=(BASIS,), justification="x", decided_on=date(2018, 1, 2)
    )


def enrol(app: Frispor, org: str, trial: UUID, cvr: str, version: int | None = None) -> Written:
    return app.enrol_institution(
        env(org),
        trial,
        EnrolInstitution(
            name="Plejecenter Østerbro",
            kind=InstitutionKind.PLEJEHJEM,
            municipality="101",
            ownership=Ownership.KOMMUNAL,
            cvr=cvr,
        ),
        expected_version=version,
    )


def request(
    app: Frispor, org: str, trial: UUID, home: UUID | None, version: int | None = None
) -> Written:
    return app.request_exemption(
        env(org),
        trial,
        RequestExemption(
            municipality="101",
            institution_id=home,
            rule=RULE,
            level=RuleLevel.LOCAL,
            category=RuleCategory.DOKUMENTATION,
            description="Mindre dokumentation",
        ),
        expected_version=version,
    )


@pytest.fixture
def app() -> Frispor:
    return Frispor({"MAPPER_TOPIC": "frispor.domain.mapper:PydanticMapper"})


@pytest.fixture
def w(app: Frispor) -> dict[str, UUID]:
    """A trial of 101 with an institution, an exemption granted it, a goal, an inspection with
    an order, and a complaint: each written through its use case."""
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
            municipalities=("101", "751"),
        ),
    ).id
    trial = app.approve_trial(
        env(MINISTRY),
        ApproveTrial(
            network_id=network,
            title="Anmeldte tilsyn",
            purpose="Læring",
            period=TRIAL_PERIOD,
            municipalities=("101",),
        ),
    ).id
    home = enrol(app, COUNCIL, trial, "29556814").id
    exemption = request(app, COUNCIL, trial, home).id
    app.grant_exemption(env(COUNCIL), exemption, GrantExemption(validity=TRIAL_PERIOD))
    goal = app.set_goal(env(COUNCIL), trial, SetGoal(institution_id=home, terms=TERMS)).id
    inspection = app.plan_inspection(
        env(COUNCIL),
        PlanInspection(
            institution_id=home,
            kind=InspectionKind.PLANNED,
            announced=False,
            planned_on=date(2018, 1, 10),
        ),
        authority="Tilsynsenheden",
    ).id
    app.perform_inspection(
        env(COUNCIL),
        inspection,
        PerformInspection(
            performed_on=date(2018, 1, 10), findings=(), assessment=Assessment.MINDRE
        ),
    )
    order = app.issue_order(
        env(COUNCIL), inspection, IssueOrder(requirement="Ajourfør", deadline=date(2018, 2, 28))
    ).id
    complaint = app.receive_complaint(
        env(ANKE),
        trial,
        ReceiveComplaint(subject="Klage", received_on=date(2018, 1, 5)),
        complaint_body=ANKE,
    ).id
    return {
        "programme": programme,
        "trial": trial,
        "home": home,
        "exemption": exemption,
        "goal": goal,
        "inspection": inspection,
        "order": order,
        "complaint": complaint,
    }


Decide = Callable[[Frispor, dict[str, UUID], str, int], Written]
# Each use case that takes an expected version, with an organisation competent for it.
DECISIONS: dict[str, tuple[str, Decide]] = {
    "designate_network": (
        MINISTRY,
        lambda app, w, org, v: app.designate_network(
            env(org),
            w["programme"],
            DesignateNetwork(
                name="Bolig", kind=NetworkKind.NETWORK, area=Area.BOLIG, municipalities=("101",)
            ),
            expected_version=v,
        ),
    ),
    "enrol_institution": (
        COUNCIL,
        lambda app, w, org, v: enrol(app, org, w["trial"], "29556822", v),
    ),
    "request_exemption": (
        COUNCIL,
        lambda app, w, org, v: request(app, org, w["trial"], None, v),
    ),
    "amend_exemption": (
        COUNCIL,
        lambda app, w, org, v: app.amend_exemption(
            env(org),
            w["exemption"],
            AmendExemption(conditions=("Halvårlig afrapportering",)),
            expected_version=v,
        ),
    ),
    "revoke_exemption": (
        COUNCIL,
        lambda app, w, org, v: app.revoke_exemption(
            env(org),
            w["exemption"],
            RevokeExemption(revoked_on=date(2018, 2, 1), reason="Forsøget virker ikke"),
            expected_version=v,
        ),
    ),
    "extend_trial": (
        MINISTRY,
        lambda app, w, org, v: app.extend_trial(
            env(org), w["trial"], ExtendTrial(new_end=date(2018, 6, 30)), expected_version=v
        ),
    ),
    "end_trial": (
        MINISTRY,
        lambda app, w, org, v: app.end_trial(
            env(org), w["trial"], EndTrial(ended_on=date(2018, 3, 31)), expected_version=v
        ),
    ),
    "make_trial_permanent": (
        MINISTRY,
        lambda app, w, org, v: app.make_trial_permanent(
            env(org),
            w["trial"],
            MakeTrialPermanent(permanent_from=date(2019, 1, 1)),
            expected_version=v,
        ),
    ),
    "publish_evaluation": (
        COUNCIL,
        lambda app, w, org, v: app.publish_evaluation(
            env(org),
            w["trial"],
            PublishEvaluation(
                kind=EvaluationKind.FINAL,
                evaluator="Forvaltningen",
                published_on=date(2018, 5, 1),
                location="Udvalgets møde",
            ),
            expected_version=v,
        ),
    ),
    "set_goal": (
        COUNCIL,
        lambda app, w, org, v: app.set_goal(
            env(org), w["trial"], SetGoal(institution_id=w["home"], terms=TERMS), expected_version=v
        ),
    ),
    "revise_goal": (
        COUNCIL,
        lambda app, w, org, v: app.revise_goal(
            env(org),
            w["goal"],
            ReviseGoal(terms=TERMS.model_copy(update={"unit": "pct."})),
            expected_version=v,
        ),
    ),
    "record_measurement": (
        COUNCIL,
        lambda app, w, org, v: app.record_measurement(
            env(org),
            w["goal"],
            RecordMeasurement(
                period=Period(start=date(2017, 10, 1), end=date(2017, 12, 31)),
                value=Decimal(55),
                source="Tilsynsdatabasen",
            ),
            expected_version=v,
        ),
    ),
    "publish_report": (
        COUNCIL,
        lambda app, w, org, v: app.publish_report(
            env(org),
            w["inspection"],
            PublishReport(published_on=date(2018, 1, 20), location="kk.dk"),
            expected_version=v,
        ),
    ),
    "issue_order": (
        COUNCIL,
        lambda app, w, org, v: app.issue_order(
            env(org),
            w["inspection"],
            IssueOrder(requirement="Ernæring", deadline=date(2018, 3, 1)),
            expected_version=v,
        ),
    ),
    "comply_order": (
        COUNCIL,
        lambda app, w, org, v: app.comply_order(
            env(org), w["order"], ComplyOrder(complied_on=date(2018, 2, 1)), expected_version=v
        ),
    ),
    "escalate_order": (
        COUNCIL,
        lambda app, w, org, v: app.escalate_order(
            env(org),
            w["order"],
            EscalateOrder(
                escalated_on=date(2018, 3, 1), escalated_to="Styrelsen for Patientsikkerhed"
            ),
            expected_version=v,
        ),
    ),
    "receive_complaint": (
        ANKE,
        lambda app, w, org, v: app.receive_complaint(
            env(org),
            w["trial"],
            ReceiveComplaint(subject="Endnu en klage", received_on=date(2018, 1, 6)),
            complaint_body=ANKE,
            expected_version=v,
        ),
    ),
    "decide_complaint": (
        ANKE,
        lambda app, w, org, v: app.decide_complaint(
            env(org),
            w["complaint"],
            DecideComplaint(outcome=ComplaintOutcome.DISMISSED),
            expected_version=v,
        ),
    ),
}


def _head(app: Frispor) -> int:
    return app.recorder.max_notification_id() or 0


@pytest.mark.parametrize("name", DECISIONS)
def test_a_stranger_is_refused_before_a_stale_version_is_named(
    app: Frispor, w: dict[str, UUID], name: str
) -> None:
    competent, decide = DECISIONS[name]
    head = _head(app)
    # A stranger learns nothing of the record's state, not even that its version moved on.
    with pytest.raises(NotCompetentError, match=f"'{STRANGER}'"):
        decide(app, w, STRANGER, STALE)
    with pytest.raises(ConcurrencyError, match=f"not the expected {STALE}") as stale:
        decide(app, w, competent, STALE)
    assert stale.value.field == "If-Match"
    assert _head(app) == head  # nothing written
    written = decide(app, w, competent, _current(app, stale.value.message))
    assert _head(app) == head + written.events


def _current(app: Frispor, message: str) -> int:
    """The version a ConcurrencyError says the aggregate is at."""
    return int(message.split(" is at version ")[1].split(",")[0])


def test_an_optional_reference_is_loaded_and_an_unknown_one_refused(
    app: Frispor, w: dict[str, UUID]
) -> None:
    exemption = app.get(Exemption, w["exemption"])
    assert exemption.institution_id == w["home"] and exemption.status is ExemptionStatus.GRANTED
    with pytest.raises(NotFoundError, match="no institution"):
        request(app, COUNCIL, w["trial"], uuid4())
    with pytest.raises(NotFoundError, match="no exemption"):
        app.reject_exemption(env(COUNCIL), w["goal"], RejectExemption(reason="x"))
