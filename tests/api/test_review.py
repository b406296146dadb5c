"""GET /review from the findings read model: paged, filtered, an authority's own area only."""

from __future__ import annotations

from frispor.demo import load_demo
from frispor.store.env import store_env
from frispor.store.open import open_app
from tests.api.conftest import Api

DAY = "2019-12-31"


def _demo(database_url: str) -> int:
    app = open_app(store_env(database_url))
    try:
        load_demo(app)
        return app.recorder.max_notification_id() or 0
    finally:
        app.close()


def test_review_pages_with_a_cursor_and_filters(api: Api, database_url: str) -> None:
    head = _demo(database_url)
    whole = api.get("/review", as_of=DAY, min_position=head)
    assert whole.status_code == 200, whole.text
    everything = whole.json()["items"]
    assert [(f["severity"], f["code"], f["day"]) for f in everything] == [
        ("high", "announced-without-exemption", "2018-06-12"),
        ("high", "order-overdue", "2018-03-31"),
        ("medium", "retroactive-correction", "2018-09-14"),
        ("low", "late-recording", "2018-01-22"),
        ("low", "late-recording", "2018-01-22"),
    ]
    assert whole.json()["next_cursor"] is None
    seen, cursor = [], None
    while True:
        params = {"as_of": DAY, "limit": 2} | ({"cursor": cursor} if cursor else {})
        body = api.get("/review", **params).json()
        seen += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == everything
    late = api.get("/review", as_of=DAY, kind="late-recording").json()["items"]
    assert [f["code"] for f in late] == ["late-recording", "late-recording"]
    trial = everything[1]["trial_id"]
    one = api.get("/review", as_of=DAY, trial=trial).json()["items"]
    assert one and all(f["trial_id"] == trial for f in one)
    # Known on 2018-04-01 the correction had not happened, the late recordings not yet made.
    early = api.get("/review", as_of=DAY, known_at="2018-04-01T00:00:00Z").json()["items"]
    assert "retroactive-correction" not in [f["code"] for f in early]


def test_an_authority_sees_its_own_area_only(api: Api, database_url: str) -> None:
    head = _demo(database_url)
    mine = api.get("/review", who="authority", as_of=DAY, min_position=head).json()["items"]
    aeldre = api.get("/review", as_of=DAY, area="aeldre").json()["items"]
    assert mine == aeldre and mine
    for area in ("dagtilbud", "botilbud"):
        theirs = api.get("/review", as_of=DAY, area=area).json()["items"]
        asked = api.get("/review", who="authority", as_of=DAY, area=area)
        assert asked.status_code == 200
        assert asked.json()["items"] == [f for f in theirs if f in mine]


def test_bad_review_parameters_are_named(api: Api) -> None:
    for params, field in (
        ({"kind": "overdue"}, "kind"),
        ({"severity": "grave"}, "severity"),
        ({"limit": 1001}, "limit"),
        ({"limit": 0}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ):
        answer = api.get("/review", **params)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.json()["field"].endswith(field), answer.json()
