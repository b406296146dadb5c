"""A trial's page: its parts from the API, its timeline and goal charts, what changed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from frispor.api.web import i18n
from frispor.api.web.calls import Api
from frispor.charts.svg import draw_goal, draw_timeline
from frispor.projections import pages
from frispor.projections.trial_charts import goal_chart, timeline_chart


def trial_page(
    api: Api,
    trial_id: UUID,
    as_of: date | None,
    known_at: datetime | None,
    lang: str,
    charts: bool = True,
) -> dict[str, Any]:
    """Everything the trial page shows, as the record stood."""
    trial = api.trial(trial_id, as_of, known_at)
    read = api.services.read
    acts = pages.activity(read, str(trial_id), as_of, known_at)
    goals = []
    for g in trial["goals"]:
        rows = pages.measurements(read, g["aggregate_id"], as_of, known_at)
        goals.append({"row": g, "terms": g["data"]["terms"], "measurements": rows})
    names = {i["aggregate_id"]: i["data"]["name"] for i in trial["institutions"]}
    for part in (acts["inspections"], acts["orders"]):
        for r in part:
            r["institution"] = names.get(r["institution_id"], "")
    page = {"trial": trial, "goals": goals, **acts}
    if charts:
        page["timeline"] = _timeline(trial, acts, goals, lang)
        for g in goals:
            g["chart"] = _goal_chart(g, lang)
        page["moments"] = pages.moments(read, str(trial_id))
    return page


def _timeline(trial: dict[str, Any], acts: dict[str, Any], goals: list[Any], lang: str) -> str:
    rows = [{**g["row"], "measurements": g["measurements"]} for g in goals]
    names = {i["aggregate_id"]: i["data"]["name"] for i in trial["institutions"]}
    chart = timeline_chart(
        trial,
        trial["exemptions"],
        acts["inspections"],
        acts["orders"],
        rows,
        names,
        lambda key: i18n.label(key, lang),
    )
    return draw_timeline(chart)


def _goal_chart(g: dict[str, Any], lang: str) -> str:
    goal = {**g["row"], "measurements": g["measurements"]}
    return draw_goal(goal_chart(goal, lambda key: i18n.label(key, lang)))


def flatten(page: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """The page's facts as (thing, field) → value, for comparing two moments."""
    out: dict[tuple[str, str], Any] = {}
    trial = page["trial"]
    parts = [("trial", trial)] + [
        (kind, row) for kind in ("institutions", "exemptions") for row in trial[kind]
    ]
    parts += [("inspections", r) for r in page["inspections"]] + [
        ("orders", r) for r in page["orders"]
    ]
    parts += [("goals", g["row"]) for g in page["goals"]]
    for kind, row in parts:
        name = f"{kind} {row['aggregate_id'][:8]}"
        for key, value in row.items():
            if key in ("data",):
                for k, v in value.items():
                    out[(name, k)] = v
            elif key not in (
                "recorded_from",
                "recorded_to",
                "position",
                "valid_from",
                "valid_to",
                "institutions",
                "exemptions",
                "goals",
                "as_of",
                "known_at",
                "counts",
                "institution",
            ):
                out[(name, key)] = value
    for g in page["goals"]:
        for m in g["measurements"]:
            out[(f"goals {g['row']['aggregate_id'][:8]}", f"måling {m['valid_to']}")] = m["data"][
                "value"
            ]
    return out


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str, Any, Any]]:
    """Every (thing, field) whose value differs between two pages."""
    a, b = flatten(before), flatten(after)
    return [
        (k[0], k[1], a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)
    ]
