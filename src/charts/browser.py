"""Charts as data for the browser, drawn there by the vendored Chart.js when they scroll in."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import orjson

from frispor.charts.model import GoalChart, TimelineChart

HERE = Path(__file__).parent
CHART_JS = HERE / "vendor" / "chart.umd.min.js"  # Chart.js 4 (MIT), see vendor/
DRAW_JS = HERE / "draw.js"


def timeline_data(c: TimelineChart) -> dict[str, Any]:
    """A timeline as JSON-able data: rows and series named once, spans and marks by index."""
    rows = list(dict.fromkeys(c.rows))
    series = list(dict.fromkeys([*(s.series for s in c.spans), *(m.series for m in c.marks)]))
    row, named = {r: n for n, r in enumerate(rows)}, {s: n for n, s in enumerate(series)}
    return {
        "kind": "timeline",
        "title": c.title,
        "x": c.x_title,
        "rows": rows,
        "series": series,
        "spans": [[row[s.row], str(s.start), str(s.end), named[s.series]] for s in c.spans],
        "marks": [[row[m.row], str(m.day), named[m.series], m.note] for m in c.marks],
    }


def goal_data(c: GoalChart) -> dict[str, Any]:
    """A goal chart as JSON-able data; values as decimal text, as recorded."""
    return {
        "kind": "goal",
        "title": c.title,
        "x": c.x_title,
        "y": c.y_title,
        "names": dict(c.names),
        "baseline": [str(c.baseline[0]), str(c.baseline[1])],
        "target": [str(c.target[0]), str(c.target[1])],
        "measured": [[str(d), str(v)] for d, v in c.measured],
        "replaced": [[str(d), str(v)] for d, v in c.replaced],
    }


def data_element(charts: list[dict[str, Any]]) -> str:
    """The charts' data as one JSON script element (`<` escaped, so no text can end it)."""
    text = orjson.dumps(charts).decode().replace("<", "\\u003c")
    return f'<script type="application/json" id="chart-data">{text}</script>'


@cache
def drawing_script() -> str:
    """Chart.js and the drawer, to inline once: nothing is fetched (no source map either)."""
    library = CHART_JS.read_text(encoding="utf-8")
    library = "\n".join(line for line in library.splitlines() if "sourceMappingURL" not in line)
    return f"<script>{library}</script><script>{DRAW_JS.read_text(encoding='utf-8')}</script>"


def figure(index: int, chart: dict[str, Any]) -> str:
    """The place a chart is drawn in, sized beforehand so the page does not move as it draws."""
    tall = 110 + 42 * len(chart["rows"]) if chart["kind"] == "timeline" else 360
    label = chart["title"].replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return (
        f'<figure class="chart" data-chart="{index}"><div class="plot" style="height:{tall}px">'
        f'<canvas role="img" aria-label="{label}"></canvas></div></figure>'
    )
