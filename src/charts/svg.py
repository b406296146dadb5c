"""A trial's timeline and a goal's measurements as SVG charts with a real date axis."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import pygal
from pygal.style import Style

from frispor.charts.model import GoalChart, Mark, Span, TimelineChart

# pygal appends an old-style import hook for its map plugins (not used here), which makes
# Python warn on every import that reaches it (an ImportWarning): take it out again.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

THICK = Path(__file__).with_name("timeline.css")  # bars, not lines, on the timeline
# Colours with at least 3:1 contrast against the white plot (WCAG 1.4.11 for graphics).
STYLE = Style(
    font_family="system-ui, sans-serif",
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1a1a1a",
    foreground_strong="#1a1a1a",
    foreground_subtle="#6b6b6b",
    colors=("#1f5fa8", "#1a7f37", "#b3261e", "#7a4d00", "#5b3c99", "#00696b", "#444444"),
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    title_font_size=15,
    tooltip_font_size=13,
    opacity="1",
    opacity_hover="1",
    stroke_opacity="1",
    stroke_opacity_hover="1",
)


def _options(title: str, day_format: str, **extra: Any) -> dict[str, Any]:
    return {
        "js": [],  # pygal's default tooltips load from the internet: none here
        "style": STYLE,
        "title": title,
        "width": 900,
        "disable_xml_declaration": True,
        "explicit_size": False,
        "legend_at_bottom": True,
        "truncate_label": -1,
        "truncate_legend": -1,
        "x_value_formatter": lambda d: d.strftime(day_format),
        "x_label_rotation": 0,
        "allow_interruptions": True,
        **extra,
    }


def _render(chart: Any, label: str) -> str:
    svg = str(chart.render(is_unicode=True))
    # Named for assistive technology: the data table beside it carries the details.
    return svg.replace("<svg ", f'<svg role="img" aria-label="{_attr(label)}" ', 1)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _x_labels(first: date, last: date, count: int = 6) -> list[date]:
    step = max((last - first).days // (count - 1), 1)
    return [first + timedelta(days=step * n) for n in range(count)]


__all__ = ["Mark", "Span", "draw_goal", "draw_timeline", "goal", "timeline"]


def draw_timeline(chart: TimelineChart, day_format: str = "%d.%m.%Y") -> str:
    """A timeline as an SVG."""
    return timeline(chart.title, chart.rows, chart.spans, chart.marks, day_format, chart.x_title)


def draw_goal(chart: GoalChart, day_format: str = "%d.%m.%Y") -> str:
    """A goal chart as an SVG."""
    c = chart
    names = dict(c.names)
    return goal(
        c.title,
        c.y_title,
        c.measured,
        c.replaced,
        c.baseline,
        c.target,
        names,
        day_format,
        c.x_title,
    )


def timeline(
    title: str,
    rows: Sequence[str],
    spans: Sequence[Span],
    marks: Sequence[Mark],
    day_format: str = "%d.%m.%Y",
    x_title: str = "",
) -> str:
    """Rows top to bottom; bars for spans, dots for marks; the axis covers every day shown."""
    return _timeline(title, tuple(rows), tuple(spans), tuple(marks), day_format, x_title)


# Drawing costs ~20 ms a chart; the same facts give the same chart, so recent ones are kept.
@lru_cache(maxsize=512)
def _timeline(
    title: str,
    rows: tuple[str, ...],
    spans: tuple[Span, ...],
    marks: tuple[Mark, ...],
    day_format: str,
    x_title: str,
) -> str:
    days = [d for s in spans for d in (s.start, s.end)] + [m.day for m in marks]
    if not days:
        days = [date.today()]
    first, last = min(days), max(days)
    pad = timedelta(days=max((last - first).days // 40, 3))
    rows = tuple(dict.fromkeys(rows))  # one row per name, in the order first given
    level = {row: len(rows) - n for n, row in enumerate(rows)}
    bars = list(dict.fromkeys(s.series for s in spans))
    chart = pygal.DateLine(
        **_options(
            title,
            day_format,
            height=110 + 42 * len(rows),
            x_title=x_title,
            range=(0.4, len(rows) + 0.6),
            y_labels=[{"label": r, "value": level[r]} for r in rows],
            show_y_guides=True,
            x_labels=_x_labels(first - pad, last + pad),
            xrange=(first - pad, last + pad),
            css=["file://style.css", "file://graph.css", f"file://{THICK}"],
        )
    )
    for series in bars:
        points: list[Any] = []
        for s in (s for s in spans if s.series == series):
            points += [(s.start, level[s.row]), (s.end, level[s.row]), (s.end, None)]
        chart.add(series, points, show_dots=False)
    for series in dict.fromkeys(m.series for m in marks):
        chosen = [m for m in marks if m.series == series]
        chart.add(
            series,
            [{"value": (m.day, level[m.row]), "label": m.note} for m in chosen],
            stroke=False,
            dots_size=7,
        )
    return _render(chart, title)


def goal(
    title: str,
    y_title: str,
    measured: Sequence[tuple[date, Decimal]],
    replaced: Sequence[tuple[date, Decimal]],
    baseline: tuple[date, Decimal],
    target: tuple[date, Decimal],
    names: dict[str, str],
    day_format: str = "%d.%m.%Y",
    x_title: str = "",
) -> str:
    """Measurements against the baseline and the target, replaced values drawn apart."""
    named = tuple(sorted(names.items()))
    facts = (tuple(measured), tuple(replaced), baseline, target)
    return _goal(title, y_title, *facts, named, day_format, x_title)


@lru_cache(maxsize=512)
def _goal(
    title: str,
    y_title: str,
    measured: tuple[tuple[date, Decimal], ...],
    replaced: tuple[tuple[date, Decimal], ...],
    baseline: tuple[date, Decimal],
    target: tuple[date, Decimal],
    named: tuple[tuple[str, str], ...],
    day_format: str,
    x_title: str,
) -> str:
    names = dict(named)
    days = [baseline[0], target[0], *(d for d, _ in measured), *(d for d, _ in replaced)]
    first, last = min(days), max(days)
    pad = timedelta(days=max((last - first).days // 30, 3))
    chart = pygal.DateLine(
        **_options(
            title,
            day_format,
            height=360,
            x_title=x_title,
            y_title=y_title,
            x_labels=_x_labels(first - pad, last + pad),
            xrange=(first - pad, last + pad),
            value_formatter=lambda v: f"{v:g}",
        )
    )
    span = (first - pad, last + pad)
    chart.add(
        names["baseline"],
        [(span[0], float(baseline[1])), (span[1], float(baseline[1]))],
        show_dots=False,
        stroke_style={"width": 3, "dasharray": "8,4"},
    )
    chart.add(
        names["target"],
        [(span[0], float(target[1])), (span[1], float(target[1]))],
        show_dots=False,
        stroke_style={"width": 3, "dasharray": "3,3"},
    )
    chart.add(
        names["measured"],
        [(d, float(v)) for d, v in measured],
        dots_size=5,
        stroke_style={"width": 3},
    )
    if replaced:
        chart.add(
            names["replaced"], [(d, float(v)) for d, v in replaced], stroke=False, dots_size=6
        )
    return _render(chart, title)
