"""Realistic histories in bulk: trials with institutions, exemptions, monthly measurements,
inspections, orders and corrections, built in memory and saved many aggregates at a time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from frispor.demo.builders import plejehjem
from frispor.domain.aggregate import Aggregate, Context, Envelope
from frispor.domain.application import Frispor
from frispor.domain.commands import (
    ApproveTrial,
    DesignateNetwork,
    EstablishProgramme,
    GrantExemption,
    IssueOrder,
    PerformInspection,
    PlanInspection,
    RecordMeasurement,
    RequestExemption,
    SetGoal,
)
from frispor.domain.exemption import Exemption
from frispor.domain.goal import Goal, GoalTerms, Measure
from frispor.domain.inspection import Finding, Inspection, Order
from frispor.domain.institution import Institution
from frispor.domain.municipalities import MUNICIPALITIES
from frispor.domain.programme import Network, Programme
from frispor.domain.trial import Trial
from frispor.domain.values import (
    Actor,
    Area,
    Assessment,
    Direction,
    Frequency,
    InspectionKind,
    LegalReference,
    NetworkKind,
    Period,
    ProgrammeKind,
    Quality,
    Role,
    RuleCategory,
    RuleLevel,
    municipality_organisation,
)

MINISTRY = "Økonomi- og Indenrigsministeriet"
BASIS = LegalReference.parse("eli/lta/2017/658", "§ 1", "lov om frikommunenetværk")
RULE = LegalReference.parse("eli/lta/2017/988", "§ 151, stk. 2", "serviceloven")
CODES = sorted(MUNICIPALITIES)
EVENTS_PER_TRIAL = 114
START = date(2016, 1, 1)


def _ctx(org: str, day: date) -> Context:
    actor = Actor(id="generator", role=Role.RECORDER, organisation=org)
    envelope = Envelope(
        actor=actor, legal_basis=(BASIS,), justification="generated", decided_on=day
    )
    return Context(envelope=envelope, recorded_at=datetime.combine(day, time(12), tzinfo=UTC))


def cvr(n: int) -> str:
    """A CVR number with a valid check digit, different for each n."""
    base = f"{2_000_000 + n * 7 % 7_999_999:07d}"
    check = -sum(int(d) * w for d, w in zip(base, (2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
    return base + str(check) if check < 10 else cvr(n + 1)


def frame(app: Frispor) -> tuple[Programme, list[Network], int]:
    """Save the programme and its ten networks; return them and the events written."""
    start = START
    programme = Programme.establish(
        _ctx(MINISTRY, start),
        EstablishProgramme(
            name="Frikommuneforsøg (generated)",
            kind=ProgrammeKind.FRIKOMMUNE,
            enabling_act=BASIS,
            period=Period(start=start, end=date(2030, 12, 31)),
            ministry=MINISTRY,
            protected_categories=(RuleCategory.MAGTANVENDELSE, RuleCategory.TILSYN),
        ),
    )
    networks = [
        Network.designate(
            _ctx(MINISTRY, start),
            programme,
            DesignateNetwork(
                name=f"Netværk {n}",
                kind=NetworkKind.NETWORK,
                area=list(Area)[n % len(Area)],
                municipalities=tuple(CODES[n * 9 : n * 9 + 9]),
            ),
        )
        for n in range(10)
    ]
    written = programme.version + sum(n.version for n in networks)
    app.save(programme, *networks)
    return programme, networks, written


def generate(app: Frispor, events: int, chunk: int = 40) -> int:
    """Write about `events` events; return how many were written."""
    programme, networks, written = frame(app)
    batch: list[Aggregate] = []
    trials = max(1, events // EVENTS_PER_TRIAL)
    for t in range(trials):
        network = networks[t % len(networks)]
        batch += trial(t, programme, network, START + timedelta(days=t % 700))
        if len(batch) >= chunk * 20 or t == trials - 1:
            written += sum(len(a.pending_events) for a in [*batch, *networks])
            app.save(*batch, *networks)
            batch = []
    return written


def trial(
    t: int, programme: Programme, network: Network, day: date, code: str | None = None
) -> list[Aggregate]:
    """One trial's aggregates with their pending events (the network counts enrolments)."""
    code = code or network.municipalities[t % len(network.municipalities)]
    kommune = municipality_organisation(code)
    period = Period(start=day, end=day + timedelta(days=3 * 365))
    trial = Trial.approve(
        _ctx(MINISTRY, day - timedelta(days=30)),
        programme,
        network,
        ApproveTrial(
            network_id=network.id,
            title=f"Forsøg {t}",
            purpose="Generated trial",
            period=period,
            municipalities=(code,),
        ),
    )
    out: list[Aggregate] = [trial]
    homes = []
    for i in range(4):
        home = Institution.enrol(
            _ctx(kommune, day - timedelta(days=20)),
            trial,
            network,
            plejehjem(f"Institution {t}-{i}", code, cvr(t * 4 + i)),
        )
        network.count_enrolment(
            _ctx(kommune, day - timedelta(days=20)), programme, home.id, trial.id, code
        )
        homes.append(home)
    out += homes
    for x in range(3):
        exemption = Exemption.request(
            _ctx(kommune, day - timedelta(days=15)),
            programme,
            trial,
            RequestExemption(
                municipality=code,
                institution_id=homes[x].id,
                rule=RULE,
                level=RuleLevel.STATE,
                category=RuleCategory.TILSYNSFORM,
                description=f"Fritagelse {x}",
            ),
            institution=homes[x],
        )
        trial.file_exemption(_ctx(kommune, day - timedelta(days=15)), exemption.id)
        exemption.grant(
            _ctx(MINISTRY, day - timedelta(days=5)),
            programme,
            network,
            trial,
            GrantExemption(validity=period),
            institution=homes[x],
        )
        out.append(exemption)
    for g in range(2):
        goal = Goal.set(
            _ctx(kommune, day),
            trial,
            SetGoal(
                terms=GoalTerms(
                    indicator=f"Indikator {g}",
                    definition="Andel",
                    unit="%",
                    data_source="Register",
                    baseline=Measure(value=Decimal(40), on=day),
                    target=Measure(value=Decimal(80), on=period.end),
                    direction=Direction.HIGHER,
                    frequency=Frequency.MONTHLY,
                )
            ),
        )
        for m in range(36):
            first = date(day.year + (day.month + m - 1) // 12, (day.month + m - 1) % 12 + 1, 1)
            last = date(first.year + first.month // 12, first.month % 12 + 1, 1) - timedelta(1)
            month = Period(start=first, end=last)
            goal.record(
                _ctx(kommune, last),
                RecordMeasurement(
                    period=month,
                    value=Decimal(40 + m),
                    source="Register",
                    quality=Quality.FINAL,
                ),
            )
        if t % 10 == 0:
            goal.correct(
                _ctx(kommune, day + timedelta(days=400)),
                goal.pending_events[5].event_id,
                "value",
                "41.5",
                "Rettet datatræk",
            )
        out.append(goal)
    for i in range(6):
        visit = day + timedelta(days=60 * (i + 1))
        inspection = Inspection.plan(
            _ctx("Styrelsen for Patientsikkerhed", visit - timedelta(days=10)),
            homes[i % 4],
            PlanInspection(
                institution_id=homes[i % 4].id,
                kind=InspectionKind.PLANNED,
                announced=True,
                notice_date=visit - timedelta(days=10),
                planned_on=visit,
            ),
            "Styrelsen for Patientsikkerhed",
        )
        inspection.perform(
            _ctx("STPS", visit),
            PerformInspection(
                performed_on=visit,
                findings=(
                    Finding(point="Medicin", observation="Mangler", assessment=Assessment.MINDRE),
                ),
                assessment=Assessment.MINDRE,
            ),
        )
        out.append(inspection)
        if i % 2 == 0:
            order = Order.issue(
                _ctx("STPS", visit),
                inspection,
                IssueOrder(requirement="Ajourfør", deadline=visit + timedelta(days=30)),
            )
            order.comply(_ctx("STPS", visit + timedelta(days=20)), visit + timedelta(days=20))
            out.append(order)
    return out
