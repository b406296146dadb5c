"""The findings read model answers what a fresh review of the events computes, on both stores."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from frispor.domain.application import Frispor
from frispor.projections.audit.record import load_record
from frispor.projections.audit.review import review
from frispor.projections.catalog import VIEWS
from frispor.projections.findings_query import ReviewQuery, review_all, review_page
from frispor.projections.findings_runner import runner_for
from frispor.projections.maintenance import check, rebuild
from frispor.store.db import Database

DAYS = [
    date(2017, 12, 1),
    date(2018, 2, 1),
    date(2018, 4, 15),
    date(2018, 7, 1),
    date(2019, 12, 31),
]
MOMENTS = [None, "2018-02-01", "2018-04-01", "2018-06-01", "2018-09-15", "2018-12-01"]


@pytest.fixture
def demo(demo_store: tuple[Frispor, Database]) -> tuple[Frispor, Database]:
    app, db = demo_store
    runner_for(app, db, VIEWS["findings"], batch_size=7).catch_up()
    return app, db


@pytest.mark.parametrize("moment", MOMENTS)
def test_the_read_model_answers_what_a_replay_computes(
    demo: tuple[Frispor, Database], moment: str | None
) -> None:
    app, db = demo
    known_at = datetime.fromisoformat(moment).replace(tzinfo=UTC) if moment else None
    record = load_record(app, known_at)
    for day in DAYS:
        expected = [f.as_dict() for f in review(record, day)]
        found = review_all(db, ReviewQuery(as_of=day, known_at=known_at))
        assert sorted(map(_text, found)) == sorted(map(_text, expected)), (day, moment)


def test_the_demo_findings_in_the_readme_order(demo: tuple[Frispor, Database]) -> None:
    _, db = demo
    found = review_all(db, ReviewQuery(as_of=date(2019, 12, 31)))
    assert [(f["severity"], f["code"], f["day"]) for f in found] == [
        ("high", "announced-without-exemption", "2018-06-12"),
        ("high", "order-overdue", "2018-03-31"),
        ("medium", "retroactive-correction", "2018-09-14"),
        ("low", "late-recording", "2018-01-22"),
        ("low", "late-recording", "2018-01-22"),
    ]
    overdue = found[1]["explanation"]
    assert "by 2019-12-31 neither compliance" in overdue


def test_pages_follow_each_other_without_gaps_or_repeats(demo: tuple[Frispor, Database]) -> None:
    _, db = demo
    q = ReviewQuery(as_of=date(2019, 12, 31))
    pages, cursor = [], None
    while True:
        items, cursor = review_page(db, q, limit=2, after=cursor)
        pages.append(items)
        if cursor is None:
            break
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [f for p in pages for f in p] == review_all(db, q)


def test_filters_by_kind_severity_and_late_threshold(demo: tuple[Frispor, Database]) -> None:
    _, db = demo
    day = date(2019, 12, 31)
    assert len(review_all(db, ReviewQuery(as_of=day, kind="late-recording"))) == 2
    assert len(review_all(db, ReviewQuery(as_of=day, severity="high"))) == 2
    assert review_all(db, ReviewQuery(as_of=day, late_after_days=200, kind="late-recording")) == []


def test_rebuild_and_check_cover_the_findings(demo: tuple[Frispor, Database]) -> None:
    app, db = demo
    before = review_all(db, ReviewQuery(as_of=date(2019, 12, 31)))
    rebuild(app, db, "findings")
    assert review_all(db, ReviewQuery(as_of=date(2019, 12, 31))) == before
    result = check(app, db, "findings")
    assert result.differences == [] and result.rows > 0


def _text(finding: dict[str, Any]) -> str:
    return json.dumps(finding, sort_keys=True)
