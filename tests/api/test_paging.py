"""Every list answer is paged with a stable cursor; a parameter a route does not know is a 422."""

from __future__ import annotations

from typing import Any

from frispor.projections.areas import trial_areas
from frispor.store.db import Database
from tests.api.conftest import Api
from tests.api.test_review import _demo


def _all_pages(api: Api, path: str, who: str = "auditor", **params: Any) -> list[dict[str, Any]]:
    items, cursor, pages = [], None, 0
    while True:
        extra = {"cursor": cursor} if cursor else {}
        answer = api.get(path, who=who, limit=2, **params, **extra)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert len(body["items"]) <= 2
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def test_lists_page_through_everything_once(api: Api, database_url: str) -> None:
    head = _demo(database_url)
    whole = api.get("/trials", limit=1000, min_position=head).json()
    assert whole["next_cursor"] is None and len(whole["items"]) >= 4
    assert _all_pages(api, "/trials") == whole["items"]
    register = api.get("/exemptions", limit=1000).json()["items"]
    assert len(register) > 2 and _all_pages(api, "/exemptions") == register
    events = api.get(f"/history/{whole['items'][0]['aggregate_id']}", limit=1000).json()["items"]
    paged = _all_pages(api, f"/history/{whole['items'][0]['aggregate_id']}")
    assert paged == events and [e["position"] for e in paged] == sorted(
        e["position"] for e in paged
    )


def test_exemptions_by_status(api: Api, database_url: str) -> None:
    head = _demo(database_url)
    register = api.get("/exemptions", limit=1000, min_position=head).json()["items"]
    assert {r["status"] for r in register} == {"granted"}  # the demo's, as they stand today
    for status in ("requested", "granted", "rejected", "revoked", "expired"):
        chosen = api.get("/exemptions", status=status, limit=1000).json()["items"]
        assert chosen == [r for r in register if r["status"] == status]
    wrong = api.get("/exemptions", status="pending")
    assert wrong.status_code == 422 and wrong.json()["field"].endswith("status")


def test_an_authority_pages_its_own_area(api: Api, database_url: str) -> None:
    head = _demo(database_url)
    everything = api.get("/trials", limit=1000, min_position=head).json()["items"]
    mine = _all_pages(api, "/trials", who="authority")
    db = Database(database_url)
    try:
        areas = trial_areas(db)
    finally:
        db.close()
    ours = [t for t in everything if "aeldre" in areas[t["aggregate_id"]]]
    assert mine == ours and len(mine) < len(everything)


def test_an_unknown_parameter_is_named(api: Api) -> None:
    for path, name in (
        ("/exemptions", "state"),
        ("/trials", "page"),
        ("/review", "to_day"),
        ("/events", "offset"),
        ("/health", "verbose"),
    ):
        answer = api.get(path, **{name: "x"})
        assert answer.status_code == 422, (path, answer.text)
        body = answer.json()
        assert body["rule"] == "unknown-parameter" and body["field"] == name


def test_a_cursor_from_elsewhere_is_refused(api: Api) -> None:
    review_cursor = "WzAsMSwiYSIsImIiLCJjIl0"  # a review's cursor shape, not a trials' one
    for path in ("/trials", "/exemptions", "/review"):
        for cursor in ("%%%", "e30", review_cursor if path != "/review" else "WzFd"):
            answer = api.get(path, cursor=cursor)
            assert answer.status_code == 422, (path, cursor, answer.text)
            assert answer.json()["field"] == "cursor"
