"""A self-contained HTML review report: findings, a timeline per trial, a chart per goal."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html import escape
from uuid import UUID

from frispor.domain.exemption import Exemption
from frispor.domain.goal import Goal
from frispor.domain.inspection import Inspection, Order
from frispor.domain.trial import Trial
from frispor.projections.audit.record import Record
from frispor.projections.audit.review import Finding, in_force_days

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em;
vertical-align:top;text-align:left}th{background:#f3f3f3}.high{color:#a00}.medium{color:#a60}
.low{color:#555}svg{background:#fafafa;border:1px solid #ddd;margin:.5em 0}
@media print{h2{page-break-before:always}}
"""
W, LEFT = 900, 220


def _x(day: date, start: date, end: date) -> float:
    span = max((end - start).days, 1)
    return LEFT + (W - LEFT - 20) * (day - start).days / span


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
    """Exemptions in force as bars, inspections as dots (hollow: announced), orders as ticks."""
    start, end = trial.period.start, trial.period.end
    exemptions = drawn.exemptions
    rows = len(exemptions) + 2
    h = 30 + 22 * rows
    parts = [
        f'<svg width="{W}" height="{h}" role="img" aria-label="timeline {escape(trial.title)}">'
    ]
    x0, x1 = _x(start, start, end), _x(trial.in_force.end, start, end)
    parts.append(f'<rect x="{x0}" y="8" width="{x1 - x0}" height="10" fill="#9bc"/>')
    parts.append(f'<text x="4" y="17" font-size="11">trial {start} → {trial.in_force.end}</text>')
    for n, x in enumerate(exemptions, start=1):
        y = 8 + 22 * n
        parts.append(f'<text x="4" y="{y + 9}" font-size="11">{escape(str(x.rule))[:34]}</text>')
        if (days := in_force_days(x)) is not None:
            a, b = _x(max(days[0], start), start, end), _x(min(days[1], end), start, end)
            bar = f'<rect x="{a}" y="{y}" width="{max(b - a, 2)}" height="10" fill="#6a6"/>'
            parts.append(bar)
    y = 8 + 22 * (len(exemptions) + 1)
    parts.append(f'<text x="4" y="{y + 9}" font-size="11">inspections · orders</text>')
    for i in drawn.inspections:
        if i.trial_id == trial.id:
            day = i.performed_on or i.planned_on
            fill = "white" if i.announced else "#333"
            form = "announced" if i.announced else "unannounced"
            cx = _x(day, start, end)
            parts.append(
                f'<circle cx="{cx}" cy="{y + 5}" r="5" stroke="#333" fill="{fill}">'
                f"<title>{escape(i.authority)} {day} {form}</title></circle>"
            )
    for o in drawn.orders:
        if o.trial_id == trial.id:
            colour = {"open": "#c00", "complied": "#080", "escalated": "#a60"}[o.status.value]
            cx = _x(o.deadline, start, end)
            parts.append(
                f'<rect x="{cx - 1}" y="{y - 4}" width="3" height="18" fill="{colour}">'
                f"<title>order deadline {o.deadline}: {o.status.value}</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)


def goal_chart(goal: Goal) -> str:
    """Measurements against the baseline and the target."""
    t = goal.terms
    points = [
        (m.period.end, m.value) for m in sorted(goal.measurements, key=lambda m: m.period.end)
    ]
    days = [t.baseline.on, t.target.on, *(d for d, _ in points)]
    values = [t.baseline.value, t.target.value, *(v for _, v in points)]
    start, end = min(days), max(days)
    low, high = min(values), max(values)
    span = (high - low) or Decimal(1)

    def y(v: Decimal) -> float:
        return float(150 - Decimal(120) * (v - low) / span)

    parts = [f'<svg width="{W}" height="170" role="img" aria-label="{escape(t.indicator)}">']
    for label, v, colour in (
        ("baseline", t.baseline.value, "#999"),
        ("target", t.target.value, "#080"),
    ):
        parts.append(
            f'<line x1="{LEFT}" x2="{W - 20}" y1="{y(v)}" y2="{y(v)}" stroke="{colour}" '
            f'stroke-dasharray="4"/><text x="4" y="{y(v) + 4}" font-size="11">{label} {v}</text>'
        )
    path = " ".join(f"{_x(d, start, end):.1f},{y(v):.1f}" for d, v in points)
    if path:
        parts.append(f'<polyline points="{path}" fill="none" stroke="#26a" stroke-width="2"/>')
    for d, v in points:
        parts.append(
            f'<circle cx="{_x(d, start, end):.1f}" cy="{y(v):.1f}" r="3" fill="#26a">'
            f"<title>{d}: {v}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


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
