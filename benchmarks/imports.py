"""Import: a 100,000-decision JSON Lines file into PostgreSQL, against one decision at a time."""

from __future__ import annotations

import json
import resource
import tempfile
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

from benchmarks.common import BASIS, MINISTRY, Bench, Row, measure
from frispor.api.import_kinds import KINDS, envelope_of
from frispor.domain.aggregate import Envelope
from frispor.domain.application import Frispor
from frispor.domain.commands import (
    ApproveTrial,
    DesignateNetwork,
    EstablishProgramme,
    RecordMeasurement,
    SetGoal,
)
from frispor.domain.goal import GoalTerms, Measure
from frispor.domain.values import (
    Actor,
    Area,
    Direction,
    Frequency,
    NetworkKind,
    Period,
    ProgrammeKind,
    Role,
    RuleCategory,
)
from frispor.imports.engine import ImportJob, run_import

KBH = Actor(id="bench-import", role=Role.RECORDER, organisation="kommune:101")
TERMS = GoalTerms(
    indicator="Andel borgere med handleplan",
    definition="Borgere med skriftlig handleplan inden 30 dage",
    unit="%",
    data_source="Fagsystemet",
    baseline=Measure(value=40, on=date(2017, 1, 1)),
    target=Measure(value=80, on=date(2021, 12, 31)),
    direction=Direction.HIGHER,
    frequency=Frequency.MONTHLY,
)
BASIS_JSON = [{"act": BASIS.act, "path": BASIS.path}]


def _envelope(actor: Actor, day: date) -> Envelope:
    return Envelope(actor=actor, legal_basis=(BASIS,), justification="bench", decided_on=day)


def trials(app: Frispor, count: int) -> list[UUID]:
    """A programme, a network with København, and `count` trials in it."""
    oim = Actor(id="bench", role=Role.RECORDER, organisation=MINISTRY)
    day = date(2016, 12, 1)
    programme = app.establish_programme(
        _envelope(oim, day),
        EstablishProgramme(
            name="Frikommuneforsøg",
            kind=ProgrammeKind.FRIKOMMUNE,
            enabling_act=BASIS,
            period=Period(start=date(2016, 1, 1), end=date(2022, 12, 31)),
            ministry=MINISTRY,
            protected_categories=(RuleCategory.MAGTANVENDELSE,),
        ),
    ).id
    network = app.designate_network(
        _envelope(oim, day),
        programme,
        DesignateNetwork(
            name="Netværk",
            kind=NetworkKind.NETWORK,
            area=Area.SAMMENHAENG,
            municipalities=("101", "751"),
        ),
    ).id
    return [
        app.approve_trial(
            _envelope(oim, day),
            ApproveTrial(
                network_id=network,
                title=f"Forsøg {i}",
                purpose="Måling",
                period=Period(start=date(2017, 1, 1), end=date(2021, 12, 31)),
                municipalities=("101",),
            ),
        ).id
        for i in range(count)
    ]


def write_file(path: Path, trial_ids: list[UUID], decisions: int) -> None:
    """Goals (20 per trial) and monthly measurements of them: `decisions` lines in all."""
    goals = max(1, decisions // 50)
    per_goal = decisions // goals - 1
    terms = TERMS.model_dump(mode="json")
    with path.open("w", encoding="utf-8") as out:
        for g in range(goals):
            goal = {
                "command": "goal",
                "import_key": f"G{g}",
                "trial": str(trial_ids[g % len(trial_ids)]),
                "terms": terms,
                "legal_basis": BASIS_JSON,
                "justification": "Forsøgets effekt skal kunne måles",
                "decided_on": "2017-01-01",
            }
            out.write(json.dumps(goal, ensure_ascii=False) + "\n")
            for m in range(per_goal):
                start = date(2017, 1, 1) + timedelta(days=30 * m)
                line = {
                    "command": "measurement",
                    "import_key": f"G{g}-M{m}",
                    "goal": f"G{g}",
                    "period": {"start": str(start), "end": str(start + timedelta(days=29))},
                    "value": f"{50 + m % 30}.5",
                    "source": "Fagsystemet",
                    "decided_on": str(start + timedelta(days=29)),
                    "justification": "Månedsopgørelse",
                }
                out.write(json.dumps(line, ensure_ascii=False) + "\n")


def one_by_one(app: Frispor, trial_id: UUID, count: int) -> int:
    """The single-decision path: each goal and measurement loaded, decided and saved alone."""
    goal = app.set_goal(_envelope(KBH, date(2017, 1, 1)), trial_id, SetGoal(terms=TERMS)).id
    for m in range(count):
        if m % 50 == 49:  # as in the file: a new goal after 49 measurements
            goal = app.set_goal(_envelope(KBH, date(2017, 1, 1)), trial_id, SetGoal(terms=TERMS)).id
            continue
        start = date(2017, 1, 1) + timedelta(days=m % 1500)
        app.record_measurement(
            _envelope(KBH, start),
            goal,
            RecordMeasurement(
                period=Period(start=start, end=start), value=50, source="Fagsystemet"
            ),
        )
    return count


def run(bench: Bench) -> list[Row]:
    """Import the file into a fresh schema per run; single decisions on another."""
    decisions = 10_000 if bench.quick else 100_000
    single = bench.app(fast=True)
    trial_ids = trials(single, 100)
    folder = Path(tempfile.mkdtemp(prefix="frispor-bench-"))
    path = folder / "history.jsonl"
    write_file(path, trial_ids, decisions)
    rss: list[int] = []

    def imported() -> int:
        app = bench.app(fast=True)
        try:
            # The trials the file refers to, under the same ids, in this schema.
            ids = trials(app, 100)
            write_file(path, ids, decisions)
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            report = run_import(app, ImportJob(path, KBH, KINDS, envelope_of))
            rss.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
            assert report.stored and not report.refused, report.refused[:3]
            return report.decisions
        finally:
            app.close()

    try:
        figures = measure(
            {
                "import": imported,
                "single": lambda: one_by_one(single, trial_ids[0], 300 if bench.quick else 1000),
            },
            runs=bench.runs,
        )
    finally:
        single.close()
        path.unlink()
        folder.rmdir()
    return [
        Row(
            f"import: {decisions:,} decisions (JSON Lines) → PostgreSQL, one transaction",
            "decisions/s",
            figures["import"],
            "one decision per save",
            figures["single"],
            goal="≥ 5,000/s",
            notes="every line through the use cases and rules; staged by COPY, appended in "
            f"one INSERT … SELECT; peak memory growth {max(rss) // 1024} MiB "
            "(the working set of aggregates, not the file)",
        )
    ]
