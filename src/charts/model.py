"""What a chart shows, whoever draws it: pygal on the server or Chart.js in the browser."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Span:
    """A bar on a row of the timeline: from the first to the last day, in a named series."""

    row: str
    start: date
    end: date
    series: str


@dataclass(frozen=True)
class Mark:
    """A mark on a row of the timeline on one day, in a named series."""

    row: str
    day: date
    series: str
    note: str = ""


@dataclass(frozen=True)
class TimelineChart:
    """A trial's timeline: rows top to bottom, bars for spans, dots for marks."""

    title: str
    rows: tuple[str, ...]
    spans: tuple[Span, ...]
    marks: tuple[Mark, ...]
    x_title: str = ""


Point = tuple[date, Decimal]


@dataclass(frozen=True)
class GoalChart:
    """A goal's measurements against its baseline and target; replaced values apart."""

    title: str
    y_title: str
    measured: tuple[Point, ...]
    replaced: tuple[Point, ...]
    baseline: Point
    target: Point
    names: tuple[tuple[str, str], ...]  # baseline, target, measured, replaced → shown name
    x_title: str = ""
