"""The charts (pygal) in the HTML review report: a real date axis, every mark inside the plot."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

from frispor.charts.svg import Mark, Span, goal, timeline
from frispor.demo import load_demo
from frispor.projections.audit.html import render
from frispor.projections.audit.record import load_record
from frispor.projections.audit.review import review
from frispor.store.env import store_env
from frispor.store.open import open_app

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


def test_the_review_report_draws_the_oesterbro_inspection_inside_its_chart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = open_app(store_env(f"sqlite:///{tmp_path / 'r.sqlite'}"))
    try:
        load_demo(app)
        record = load_record(app)
    finally:
        app.close()
    html = render(record, review(record, date(2026, 1, 1)), date(2026, 1, 1), "Gennemgang")
    charts = re.findall(r"<svg .*?</svg>", html, flags=re.S)
    timeline_svg = next(c for c in charts if "plejehjemstilsyn" in c and "tilsyn (anmeldt)" in c)
    assert inside(timeline_svg, "12.06.2018")
