"""A self-contained HTML review report: findings, a timeline per trial, a chart per goal."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from html import escape
from uuid import UUID

from frispor.charts.svg import Mark, Span, timeline
from frispor.charts.svg import goal as chart_of_goal
from frispor.domain.exemption import Exemption
from frispor.domain.goal import Goal
from frispor.domain.inspection import Inspection, Order
from frispor.domain.trial import Trial
from frispor.projections.audit.days import in_force_days
from frispor.projections.audit.finding import Finding
from frispor.projections.audit.record import Record

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em;
vertical-align:top;text-align:left}th{background:#f3f3f3}.high{color:#a00}.medium{color:#a60}
.low{color:#555}svg{width:100%;max-width:900px;height:auto;border:1px solid #ddd;margin:.5em 0}
@media print{h2{page-break-before:always}}
"""


def _day(d: date) -> str:
    return f"{d.day:02}.{d.month:02}.{d.year}"


@dataclass
class TrialParts:
    """What a trial's section draws: its exemptions, inspections, orders and goals."""

    exemptions: list[Exemption] = field(default_factory=list)
    inspections: list[Inspection] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)


def parts_by_trial(record: Record) -> dict[UUID, TrialParts]:
    """Every aggregate a trial's section draws, replayed once for the whole report."""
    parts: dict[UUID, TrialParts] = defaultdict(TrialParts)
    for x in record.of_type(Exemption):
        parts[x.trial_id].exemptions.append(x)
    for i in record.of_type(Inspection):
        parts[i.trial_id].inspections.append(i)
    for o in record.of_type(Order):
        parts[o.trial_id].orders.append(o)
    for g in record.of_type(Goal):
        parts[g.trial_id].goals.append(g)
    return parts


def trial_timeline(trial: Trial, drawn: TrialParts) -> str:
    """Exemptions in force as bars, inspections as marks (announced apart), order deadlines."""
    period = "forsøgsperiode"
    rows, spans, marks = (
        [period],
        [Span(period, trial.period.start, trial.in_force.end, "forsøg")],
        [],
    )
    for x in drawn.exemptions:
        rows.append(label := f"{x.rule} ({str(x.id)[:8]})")
        if (days := in_force_days(x)) is not None:
            spans.append(Span(label, days[0], days[1], "fritagelse i kraft"))
    row = "tilsyn · påbud"
    for i in drawn.inspections:
        form = "anmeldt" if i.announced else "uanmeldt"
        day = i.performed_on or i.planned_on
        marks.append(Mark(row, day, f"tilsyn ({form})", f"{i.authority} {_day(day)}"))
    for o in drawn.orders:
        marks.append(Mark(row, o.deadline, f"påbudsfrist ({o.status.value})", o.requirement))
    if marks:
        rows.append(row)
    return timeline(f"Tidslinje: {trial.title}", rows, spans, marks, "%d.%m.%Y", "dag")


def goal_chart(goal: Goal) -> str:
    """Measurements against the baseline and the target, with axes and units."""
    t = goal.terms
    measured = sorted((m.period.end, m.value) for m in goal.measurements)
    better = "højere" if t.direction.value == "higher" else "lavere"
    return chart_of_goal(
        t.indicator,
        f"{t.unit} (bedre er {better})",
        measured,
        [],
        (t.baseline.on, t.baseline.value),
        (t.target.on, t.target.value),
        {"baseline": "udgangspunkt", "target": "mål", "measured": "målt", "replaced": "erstattet"},
        "%d.%m.%Y",
        "dag",
    )


def render(record: Record, findings: list[Finding], as_of: date, title: str) -> str:
    """The whole report as one HTML page with no external resources."""
    known = record.known_at.isoformat() if record.known_at else "now"
    rows = "".join(
        f'<tr><td class="{f.severity}">{f.severity}</td><td>{escape(f.title)}<br><small>{f.id}'
        f"</small></td><td>{escape(f.explanation)}</td>"
        f"<td>{', '.join(map(str, f.positions))}</td></tr>"
        for f in findings
    )
    body = [
        f"<h1>{escape(title)}</h1><p>As of {as_of}, as recorded at {known}. "
        f"{len(findings)} findings.</p>",
        "<table><tr><th>severity</th><th>finding</th><th>explanation</th><th>events (positions)"
        f"</th></tr>{rows}</table>",
    ]
    parts = parts_by_trial(record)
    for trial in record.of_type(Trial):
        drawn = parts.get(trial.id, TrialParts())
        body.append(f"<h2>{escape(trial.title)}</h2>{trial_timeline(trial, drawn)}")
        for goal in drawn.goals:
            body.append(f"<h3>{escape(goal.terms.indicator)}</h3>{goal_chart(goal)}")
    return (
        f'<!doctype html><html lang="da"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title><style>{STYLE}</style></head><body>{''.join(body)}</body></html>"
    )
