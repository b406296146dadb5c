"""A trial's timeline and its goals' charts, built from read-model rows (web view and report)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from frispor.charts.model import GoalChart, Mark, Span, TimelineChart

Row = dict[str, Any]
Labels = Callable[[str], str]  # a key (e.g. "period", "open") → the word shown


def day_of(text: str | None) -> date | None:
    """A read model's day (or moment), None when empty or open-ended (9999-…)."""
    return None if not text or text.startswith("9999") else date.fromisoformat(text[:10])


def timeline_chart(
    trial: Row,
    exemptions: Sequence[Row],
    inspections: Sequence[Row],
    orders: Sequence[Row],
    goals: Sequence[Row],
    names: dict[str, str],
    t: Labels,
) -> TimelineChart:
    """Period and exemptions in force as bars; inspections, order deadlines, corrections as marks.

    `goals` are goal rows carrying their `measurements` (each with the values it `replaced`);
    `names` gives institutions' names by id, shown with their inspections.
    """
    period = t("period")
    rows, spans, marks = [period], [], []
    start, end = day_of(trial["period_start"]), day_of(trial["period_end"])
    if start and end:
        spans.append(Span(period, start, end, f"{t('trial')} ({t('period').lower()})"))
    for x in exemptions:
        row = x["data"]["rule"]["text"]
        rows.append(row)
        validity = x["data"].get("validity") or {}
        first, last = day_of(x.get("in_force_from")), day_of(x.get("in_force_to"))
        asked, until = day_of(validity.get("start")), day_of(validity.get("end"))
        if first and last:
            spans.append(Span(row, first, last, t("exemptions")))
        elif asked and until and x["status"] == "requested":
            spans.append(Span(row, asked, until, t("requested")))
    insp = t("inspections")
    if inspections or orders:
        rows.append(insp)
    for i in inspections:
        form = "announced" if i["data"]["announced"] else "unannounced"
        if when := day_of(i["day"]):
            note = names.get(i["institution_id"], "")
            marks.append(Mark(insp, when, f"{t('inspections')}: {t(form)}", note))
    for o in orders:
        if when := day_of(o["data"]["deadline"]):
            series = f"{t('deadline')}: {t(o['status'])}"
            marks.append(Mark(insp, when, series, o["data"]["requirement"]))
    fixes = [(g, m) for g in goals for m in g["measurements"] if m["replaced"]]
    corrected = t("corrected").capitalize()
    if fixes:
        rows.append(corrected)
    for g, m in fixes:
        if when := day_of(m["valid_to"]):
            marks.append(Mark(corrected, when, t("corrected"), g["data"]["terms"]["indicator"]))
    title = f"{t('timeline')}: {trial['data']['title']}"
    return TimelineChart(title, tuple(rows), tuple(spans), tuple(marks), t("day"))


def goal_chart(goal: Row, t: Labels) -> GoalChart:
    """A goal row (with its `measurements`) as its chart: values at the end of their periods."""
    terms = goal["data"]["terms"]
    measured = [(day_of(m["valid_to"]), Decimal(m["data"]["value"])) for m in goal["measurements"]]
    replaced = [
        (day_of(r["valid_to"]), Decimal(r["data"]["value"]))
        for m in goal["measurements"]
        for r in m["replaced"]
    ]
    names = tuple((k, t(k)) for k in ("baseline", "target", "measured", "replaced"))
    return GoalChart(
        terms["indicator"],
        f"{terms['unit']} ({t('better')} {t(terms['direction'])})",
        tuple((d, v) for d, v in measured if d),
        tuple((d, v) for d, v in replaced if d),
        (date.fromisoformat(terms["baseline"]["on"]), Decimal(terms["baseline"]["value"])),
        (date.fromisoformat(terms["target"]["on"]), Decimal(terms["target"]["value"])),
        names,
        t("day"),
    )
