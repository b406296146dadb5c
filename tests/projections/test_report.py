"""The HTML review report's chart data equals what the log says, on both stores."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from frispor.domain.application import Frispor
from frispor.domain.exemption import Exemption
from frispor.domain.goal import Goal
from frispor.domain.inspection import Inspection
from frispor.domain.trial import Trial
from frispor.projections.audit.finding import Finding
from frispor.projections.audit.html import report
from frispor.projections.audit.record import load_record
from frispor.projections.catalog import VIEWS
from frispor.projections.exemptions import in_force
from frispor.projections.findings_query import ReviewQuery, review_all
from frispor.projections.findings_runner import runner_for
from frispor.projections.trial_rows import trial_rows
from frispor.store.db import Database

AS_OF = date(2019, 12, 31)
BEFORE_CORRECTION = datetime(2018, 9, 1, tzinfo=UTC)


@pytest.fixture
def demo(demo_store: tuple[Frispor, Database]) -> tuple[Frispor, Database]:
    app, db = demo_store
    for view in VIEWS.values():
        runner_for(app, db, view).catch_up()
    return app, db


def page_of(db: Database, q: ReviewQuery) -> str:
    """The page `frispor review --format html` writes for the query."""
    return report(db, q, [Finding.from_dict(f) for f in review_all(db, q)], "Gennemgang")


def charts_by_trial(page: str) -> dict[str, list[dict[str, Any]]]:
    """The embedded chart data, by trial title: the timeline first, then each goal's chart."""
    found = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page)
    assert found is not None
    trials: dict[str, list[dict[str, Any]]] = {}
    for chart in json.loads(found.group(1)):
        if chart["kind"] == "timeline":
            current = trials.setdefault(chart["title"].removeprefix("Tidslinje: "), [])
        current.append(chart)
    return trials


@pytest.mark.parametrize("known_at", [None, BEFORE_CORRECTION])
def test_each_trials_charts_say_what_a_replay_of_the_log_says(
    demo: tuple[Frispor, Database], known_at: datetime | None
) -> None:
    app, db = demo
    page = page_of(db, ReviewQuery(as_of=AS_OF, known_at=known_at))
    shown = charts_by_trial(page)
    record = load_record(app, known_at)
    trials = [t for t in record.of_type(Trial, AS_OF)]
    assert sorted(shown) == sorted(t.title for t in trials)
    for trial in trials:
        timeline, *goals = shown[trial.title]
        replayed = {
            g.terms.indicator: [(str(m.period.end), str(m.value)) for m in g.measurements]
            for g in record.of_type(Goal, AS_OF)
            if g.trial_id == trial.id
        }
        assert {c["title"]: [tuple(m) for m in c["measured"]] for c in goals} == replayed
        spans = {
            (timeline["rows"][r], start, end)
            for r, start, end, series in timeline["spans"]
            if timeline["series"][series] == "Fritagelser"
        }
        exemptions = [x for x in record.of_type(Exemption, AS_OF) if x.trial_id == trial.id]
        assert spans == {(str(x.rule), *in_force(x)) for x in exemptions if in_force(x)[0]}
        inspections = [i for i in record.of_type(Inspection, AS_OF) if i.trial_id == trial.id]
        visits = [m for m in timeline["marks"] if timeline["series"][m[2]].startswith("Tilsyn:")]
        assert len(visits) == len(inspections)
    goal = shown["Forsøg med anmeldte plejehjemstilsyn"][1]
    march = ["2018-03-31", "68" if known_at is None else "70"]
    assert goal["measured"][-1] == march
    assert goal["replaced"] == ([["2018-03-31", "70"]] if known_at is None else [])


def test_the_report_is_self_contained_and_covers_what_the_filters_name(
    demo: tuple[Frispor, Database],
) -> None:
    _, db = demo
    page = page_of(db, ReviewQuery(as_of=AS_OF))
    assert page.startswith("<!doctype html>") and "announced-without-exemption" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched
    assert page.count("<script>") == 2 and "sourceMappingURL" not in page
    assert page.count("<figure") == len(json.loads(page.split('"chart-data">')[1].split("<")[0]))
    [only] = [t for t in trial_rows(db, ReviewQuery(as_of=AS_OF)) if t.goals and t.orders]
    one = page_of(db, ReviewQuery(as_of=AS_OF, trial=only.trial["aggregate_id"]))
    assert list(charts_by_trial(one)) == [only.trial["data"]["title"]]
    by_institution = ReviewQuery(as_of=AS_OF, institution=only.institutions[0]["aggregate_id"])
    assert list(charts_by_trial(page_of(db, by_institution))) == [only.trial["data"]["title"]]
    nowhere = page_of(db, ReviewQuery(as_of=AS_OF, municipality="9999"))
    assert charts_by_trial(nowhere) == {}
