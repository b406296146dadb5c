"""The HTML review report in Chromium: charts drawn as they scroll in, all before printing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_cli_demo import frispor
from tests.web.conftest import shot
from tests.web.test_pages import serious

TRIAL = "Forsøg med anmeldte plejehjemstilsyn"
# Pixels a drawn canvas has painted (a blank one has none: Chart.js leaves the rest clear).
PAINTED = """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) { n++; } } return n; }"""
# Where the timeline's mark on a day lies, and the chart's plot area (canvas pixels).
MARK = """([n, series, day]) => { const c = window.frisporCharts[n];
  const set = c.data.datasets.findIndex(d => d.label === series);
  const x = Date.parse(day + 'T00:00:00Z') / 86400000;
  const at = c.data.datasets[set].data.findIndex(p => p.x === x);
  const dot = c.getDatasetMeta(set).data[at];
  return {x: dot.x, y: dot.y, area: c.chartArea}; }"""


@pytest.fixture
def report(database_url: str, tmp_path: Path) -> Path:
    """The demo's review as `frispor review --format html` writes it."""
    assert frispor("demo", cwd=tmp_path, database_url=database_url).returncode == 0
    written = frispor(
        "review",
        *("--as-of", "2019-12-31", "--format", "html", "--out", "r.html"),
        cwd=tmp_path,
        database_url=database_url,
    )
    assert written.returncode == 0, written.stderr
    return tmp_path / "r.html"


@pytest.fixture
def tab(browser: Any) -> Iterator[tuple[Any, list[str], list[str]]]:
    """A short browser window; what it logged as errors or warnings; every URL it asked for."""
    context = browser.new_context(viewport={"width": 1280, "height": 500})
    page = context.new_page()
    problems: list[str] = []
    asked: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else 0)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda r: asked.append(r.url))
    yield page, problems, asked
    context.close()


def charts(path: Path) -> list[dict[str, Any]]:
    """The chart data the report carries."""
    found = re.search(r'id="chart-data">(.*?)</script>', path.read_text(encoding="utf-8"))
    assert found is not None
    data: list[dict[str, Any]] = json.loads(found.group(1))
    return data


def test_charts_are_drawn_as_they_scroll_into_view(
    report: Path, tab: tuple[Any, list[str], list[str]]
) -> None:
    page, problems, asked = tab
    data = charts(report)
    page.goto(report.as_uri())
    figures = page.locator("figure[data-chart]")
    assert figures.count() == len(data) >= 8
    assert page.locator("figure[data-drawn]").count() < len(data)  # not all at once
    for n in range(len(data)):
        figures.nth(n).scroll_into_view_if_needed()
        page.wait_for_selector(f'figure[data-chart="{n}"][data-drawn]')
        canvas = figures.nth(n).locator("canvas")
        assert canvas.evaluate(PAINTED) > 1000, data[n]["title"]
        assert canvas.get_attribute("aria-label") == data[n]["title"]
        assert canvas.locator("tr").count() > 0  # the facts as a table, for screen readers
        if data[n]["kind"] == "goal":
            measured = f"window.frisporCharts[{n}].data.datasets[2].data.length"
            assert page.evaluate(measured) == len(data[n]["measured"])
    shot(page, "report")
    timeline = next(n for n, c in enumerate(data) if c["title"] == f"Tidslinje: {TRIAL}")
    dot = page.evaluate(MARK, [timeline, "Tilsyn: anmeldt", "2018-06-12"])
    area = dot["area"]
    assert area["left"] <= dot["x"] <= area["right"] and area["top"] <= dot["y"] <= area["bottom"]
    [goal] = [c for c in data[timeline + 1 : timeline + 2] if c["kind"] == "goal"]
    assert [v for _, v in goal["measured"]] == ["55", "68"] and goal["replaced"] == [
        ["2018-03-31", "70"]
    ]
    assert serious(page) == []  # axe-core, run in the page
    assert problems == []
    assert asked == [report.as_uri()]  # the page alone: no script, font or map from elsewhere


def test_every_chart_is_drawn_before_printing(
    report: Path, tab: tuple[Any, list[str], list[str]]
) -> None:
    page, problems, asked = tab
    data = charts(report)
    page.goto(report.as_uri())
    live = page.locator("figure[data-drawn] canvas").count()  # drawn already, on screen
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator("figure[data-drawn]").count() == len(data)
    # The rest as pictures, their canvases let go; the facts stay for screen readers.
    pictures = page.locator("figure[data-drawn] img")
    assert pictures.count() == len(data) - live > 0
    for n in range(pictures.count()):
        picture = pictures.nth(n)
        assert (picture.get_attribute("src") or "").startswith("data:image/png;base64,")
        assert picture.evaluate("i => i.naturalWidth > 0 && i.alt.length > 0")
    assert page.locator("figure[data-drawn] table.facts").count() == pictures.count()
    page.emulate_media(media="print")
    assert len(page.pdf()) > 10_000  # Chromium prints it
    assert problems == [] and asked == [report.as_uri()]
