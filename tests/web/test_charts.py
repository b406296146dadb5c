"""The web view's charts (pygal): a real date axis, every mark inside the plot."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

from frispor.charts.svg import Mark, Span, goal, timeline

NS = {"s": "http://www.w3.org/2000/svg"}


def inside(svg: str, label: str) -> bool:
    """Whether the dot whose value reads `label` lies within the plot's background."""
    root = ET.fromstring(svg)
    plot = root.find(".//s:g[@class='plot']/s:rect[@class='background']", NS)
    assert plot is not None
    width, height = float(plot.get("width", 0)), float(plot.get("height", 0))
    for dots in root.iterfind(".//s:g[@class='dots']", NS):
        desc = dots.find("s:desc[@class='value']", NS)
        circle = dots.find("s:circle", NS)
        if desc is not None and circle is not None and label in (desc.text or ""):
            x, y = float(circle.get("cx", -1)), float(circle.get("cy", -1))
            return 0 <= x <= width and 0 <= y <= height
    raise AssertionError(f"no mark reads {label!r}")


def test_a_mark_after_the_period_widens_the_axis_instead_of_leaving_the_chart() -> None:
    svg = timeline(
        "t",
        ["periode", "tilsyn"],
        [Span("periode", date(2017, 9, 1), date(2018, 4, 30), "forsøg")],
        [Mark("tilsyn", date(2018, 6, 12), "anmeldt")],
    )
    assert inside(svg, "12.06.2018")
    assert not re.search(r"(src|href)=\"(https?:)?//", svg)  # nothing fetched from elsewhere


def test_a_goal_chart_has_axes_units_and_the_replaced_value() -> None:
    svg = goal(
        "Andel",
        "% (bedre er højere)",
        [(date(2017, 12, 31), Decimal(55)), (date(2018, 3, 31), Decimal(68))],
        [(date(2018, 3, 31), Decimal(70))],
        (date(2017, 9, 1), Decimal(40)),
        (date(2018, 4, 30), Decimal(80)),
        {"baseline": "udgangspunkt", "target": "mål", "measured": "målt", "replaced": "erstattet"},
        "%d.%m.%Y",
        "dag",
    )
    assert "% (bedre er højere)" in svg and ">dag<" in svg
    assert inside(svg, "31.03.2018: 70") and inside(svg, "31.03.2018: 68")
    assert 'role="img"' in svg
