"""A trial's page: its parts from the API, its timeline and goal charts, what changed."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from frispor.api.web import i18n
from frispor.api.web.calls import Api
from frispor.charts.svg import Mark, Span, goal, timeline
from frispor.projections import pages


def _d(text: str | None) -> date | None:
    return None if not text or text.startswith("9999") else date.fromisoformat(text[:10])


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
    def t(key: str) -> str:
        return i18n.label(key, lang)

    period = t("period")
    rows, spans, marks = [period], [], []
    start, end = _d(trial["period_start"]), _d(trial["period_end"])
    if start and end:
        spans.append(Span(period, start, end, f"{t('trial')} ({t('period').lower()})"))
    for x in trial["exemptions"]:
        row = x["data"]["rule"]["text"]
        rows.append(row)
        validity = x["data"].get("validity") or {}
        first, last = _d(x.get("in_force_from")), _d(x.get("in_force_to"))
        asked, until = _d(validity.get("start")), _d(validity.get("end"))
        if first and last:
            spans.append(Span(row, first, last, t("exemptions")))
        elif asked and until and x["status"] == "requested":
            spans.append(Span(row, asked, until, t("requested")))
    insp = t("inspections")
    if acts["inspections"] or acts["orders"]:
        rows.append(insp)
    for i in acts["inspections"]:
        form = "announced" if i["data"]["announced"] else "unannounced"
        day = _d(i["day"])
        if day:
            marks.append(Mark(insp, day, f"{t('inspections')}: {t(form)}", i["institution"]))
    for o in acts["orders"]:
        day = _d(o["data"]["deadline"])
        if day:
            marks.append(
                Mark(insp, day, f"{t('deadline')}: {t(o['status'])}", o["data"]["requirement"])
            )
    fixes = [(g, m) for g in goals for m in g["measurements"] if m["replaced"]]
    if fixes:
        rows.append(t("corrected").capitalize())
    for g, m in fixes:
        day = _d(m["valid_to"])
        if day:
            marks.append(
                Mark(t("corrected").capitalize(), day, t("corrected"), g["terms"]["indicator"])
            )
    title = f"{t('timeline')}: {trial['data']['title']}"
    return timeline(title, rows, spans, marks, "%d.%m.%Y", t("day"))


def _goal_chart(g: dict[str, Any], lang: str) -> str:
    def t(key: str) -> str:
        return i18n.label(key, lang)

    terms = g["terms"]
    measured = [(_d(m["valid_to"]), Decimal(m["data"]["value"])) for m in g["measurements"]]
    replaced = [
        (_d(r["valid_to"]), Decimal(r["data"]["value"]))
        for m in g["measurements"]
        for r in m["replaced"]
    ]
    names = {k: t(k) for k in ("baseline", "target", "measured", "replaced")}
    y_title = f"{terms['unit']} ({t('better')} {t(terms['direction'])})"
    return goal(
        terms["indicator"],
        y_title,
        [(d, v) for d, v in measured if d],
        [(d, v) for d, v in replaced if d],
        (date.fromisoformat(terms["baseline"]["on"]), Decimal(terms["baseline"]["value"])),
        (date.fromisoformat(terms["target"]["on"]), Decimal(terms["target"]["value"])),
        names,
        "%d.%m.%Y",
        t("day"),
    )


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
