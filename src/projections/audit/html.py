"""A self-contained HTML review report: findings, a timeline per trial, a chart per goal.

The charts travel as data and are drawn in the browser (Chart.js, inlined once) as they scroll
into view: a million-event log's 27,000 charts would take minutes to draw here as SVG.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from datetime import UTC, date, datetime
from html import escape
from typing import Any

from frispor.charts.browser import data_element, drawing_script, figure, goal_data, timeline_data
from frispor.projections.audit.finding import Finding
from frispor.projections.findings_query import ReviewQuery
from frispor.projections.trial_charts import goal_chart, timeline_chart
from frispor.projections.trial_rows import TrialRows, trial_rows
from frispor.store.db import Database

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em;
vertical-align:top;text-align:left}th{background:#f3f3f3}.high{color:#a00}.medium{color:#a60}
.low{color:#555}figure.chart{margin:.5em 0;max-width:900px;border:1px solid #ddd}
.plot{position:relative}canvas{max-width:100%}
.facts{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
@media print{h2{page-break-before:always}figure.chart{page-break-inside:avoid}}
"""
# The report's words (Danish): the keys the chart builders ask for.
WORDS = {
    "period": "Periode",
    "trial": "Forsøg",
    "exemptions": "Fritagelser",
    "requested": "ansøgt",
    "inspections": "Tilsyn",
    "announced": "anmeldt",
    "unannounced": "uanmeldt",
    "deadline": "Frist",
    "open": "åbent",
    "complied": "efterlevet",
    "escalated": "eskaleret",
    "corrected": "rettet",
    "timeline": "Tidslinje",
    "day": "Dag",
    "baseline": "Udgangspunkt",
    "target": "Mål",
    "measured": "Målt",
    "replaced": "Erstattede",
    "better": "bedre er",
    "higher": "højere",
    "lower": "lavere",
}
SEVERITY = {"high": "høj", "medium": "middel", "low": "lav"}


def word(key: str) -> str:
    """The report's word for a key (the key itself if it has none)."""
    return WORDS.get(key, key)


def _day(d: date) -> str:
    return f"{d.day:02}.{d.month:02}.{d.year}"


def trial_charts(parts: TrialRows) -> list[dict[str, Any]]:
    """A trial's timeline and its goals' charts, as the data the browser draws them from."""
    names = {i["aggregate_id"]: i["data"]["name"] for i in parts.institutions}
    timeline = timeline_chart(
        parts.trial,
        parts.exemptions,
        parts.inspections,
        parts.orders,
        parts.goals,
        names,
        word,
    )
    return [timeline_data(timeline), *(goal_data(goal_chart(g, word)) for g in parts.goals)]


def report(db: Database, q: ReviewQuery, findings: list[Finding], title: str) -> str:
    """The review's report: every trial in its scope read from the read models, then rendered."""
    # Half a million small rows and nothing cyclic among them: the collector's passes over
    # them, as they are made, took half the time of a million-event report.
    gc.disable()
    try:
        day = q.as_of or datetime.now(UTC).date()
        return render(trial_rows(db, q), findings, day, q.known_at, title)
    finally:
        gc.enable()


def render(
    trials: Iterable[TrialRows],
    findings: list[Finding],
    as_of: date,
    known_at: datetime | None,
    title: str,
) -> str:
    """The whole report as one HTML page with no external resources."""
    known = known_at.isoformat() if known_at else "nu"
    rows = "".join(
        f'<tr><td class="{f.severity}">{SEVERITY.get(f.severity, f.severity)}</td>'
        f"<td>{escape(f.title)}<br><small>{f.id}</small></td><td>{escape(f.explanation)}</td>"
        f"<td>{', '.join(map(str, f.positions))}</td></tr>"
        for f in findings
    )
    body = [
        f"<h1>{escape(title)}</h1><p>Som gældende den {_day(as_of)}, som kendt {known}. "
        f"{len(findings)} fund.</p>",
        "<table><tr><th>alvor</th><th>fund</th><th>forklaring</th><th>hændelser (positioner)"
        f"</th></tr>{rows}</table>",
    ]
    charts: list[dict[str, Any]] = []
    for parts in trials:
        drawn = trial_charts(parts)
        body.append(f"<section><h2>{escape(parts.trial['data']['title'])}</h2>")
        body.append(figure(len(charts), drawn[0]))
        for n, chart in enumerate(drawn[1:], start=len(charts) + 1):
            body.append(f"<h3>{escape(chart['title'])}</h3>{figure(n, chart)}")
        body.append("</section>")
        charts += drawn
    return (
        f'<!doctype html><html lang="da"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title><style>{STYLE}</style></head><body>{''.join(body)}"
        f"{data_element(charts)}{drawing_script()}</body></html>"
    )
