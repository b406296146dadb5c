"""Query parameters at their edges get a 422 naming the parameter, never a 500 (both stores).

Moments that leave the years 1-9999 once turned into UTC, a NUL byte in a text parameter,
positions beyond 64 bits: each of these made a 500 before. A moment or day without a zone is
read as Europe/Copenhagen, and answers write moments with their offset.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.api.conftest import Api
from tests.api.scenario import build, created, decision

EDGE_MOMENTS = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00"]
BEYOND_64_BITS = str(2**63)
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def ids(api: Api) -> dict[str, str]:
    ids = build(api)
    terms = {
        "indicator": "Handleplaner",
        "definition": "Andel",
        "unit": "%",
        "data_source": "DB",
        "baseline": {"value": "40", "on": "2017-09-01"},
        "target": {"value": "80", "on": "2018-04-30"},
        "direction": "higher",
        "frequency": "quarterly",
    }
    goal = api.post(f"/trials/{ids['trial']}/goals", decision("2017-08-25", terms=terms), "kbh")
    ids["goal"], ids["head"] = created(goal)["id"], str(created(goal)["position"])
    return ids


def refused(answer: Any, field: str) -> None:
    assert answer.status_code == 422, (answer.status_code, answer.text)
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["field"] == field, answer.json()


def test_moments_beyond_utc_are_refused_naming_the_parameter(api: Api, ids: dict[str, str]) -> None:
    routes = [
        "/trials",
        f"/trials/{ids['trial']}",
        f"/goals/{ids['goal']}",
        f"/institutions/{ids['institution']}",
        "/exemptions",
        "/review",
    ]
    for moment in EDGE_MOMENTS:
        for route in routes:
            refused(api.get(route, known_at=moment), "query.known_at")
        for name in ("recorded_from", "recorded_to"):
            refused(api.get("/events", **{name: moment}), f"query.{name}")


def test_the_last_moments_utc_holds_are_answered(api: Api, ids: dict[str, str]) -> None:
    for moment in ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59Z", "0001-01-01T14:00+14:00"]:
        answer = api.get(f"/trials/{ids['trial']}", known_at=moment)
        assert answer.status_code in (200, 404), (moment, answer.text)
        assert api.get("/trials", known_at=moment).status_code == 200, moment
        assert api.get("/review", known_at=moment).status_code == 200, moment


def test_a_nul_byte_in_a_text_parameter_is_refused(api: Api, ids: dict[str, str]) -> None:
    refused(api.get("/exemptions", category="x\x00y"), "query.category")
    refused(api.get("/exemptions", municipality="1\x000"), "query.municipality")
    refused(api.get("/events", type="Exemption.\x00Granted"), "query.type")
    assert api.get("/exemptions", category="tilsynsform", min_position=ids["head"]).json()["items"]


def test_positions_beyond_64_bits_are_refused(api: Api, ids: dict[str, str]) -> None:
    refused(api.get("/events", after=BEYOND_64_BITS), "query.after")
    refused(api.get("/trials", min_position=BEYOND_64_BITS), "query.min_position")
    inclusion = "/ledger/proofs/inclusion"
    refused(api.get(inclusion, position=BEYOND_64_BITS, size=1), "query.position")
    refused(api.get(inclusion, position=1, size=BEYOND_64_BITS), "query.size")
    consistency = "/ledger/proofs/consistency"
    refused(api.get(consistency, **{"from": BEYOND_64_BITS, "to": 1}), "query.from")
    last = api.get("/events", after=str(2**63 - 1))
    assert last.status_code == 200 and last.json()["items"] == [], last.text


def test_a_moment_without_a_zone_is_danish_and_answers_carry_offsets(
    api: Api, ids: dict[str, str]
) -> None:
    trial = api.get(f"/trials/{ids['trial']}", min_position=ids["head"]).json()
    recorded = datetime.fromisoformat(trial["recorded_from"])
    later = recorded + timedelta(minutes=30)
    # The same wall-clock reading, naive: in Copenhagen (UTC+1 or +2) it is before the record.
    utc_reading = later.astimezone(UTC).replace(tzinfo=None).isoformat()
    local_reading = later.astimezone(COPENHAGEN).replace(tzinfo=None).isoformat()
    assert api.get(f"/trials/{ids['trial']}", known_at=utc_reading).status_code == 404
    seen = api.get(f"/trials/{ids['trial']}", known_at=local_reading)
    assert seen.status_code == 200, seen.text
    echoed = datetime.fromisoformat(seen.json()["known_at"])
    assert echoed.utcoffset() is not None and echoed == later
    winter = api.get("/trials", known_at="2026-01-01").json()["known_at"]
    summer = api.get("/trials", known_at="2026-07-01T12:00:00").json()["known_at"]
    assert (winter, summer) == ("2026-01-01T00:00:00+01:00", "2026-07-01T12:00:00+02:00")
    given = api.get("/trials", known_at="2026-07-01T12:00:00Z").json()["known_at"]
    assert given == "2026-07-01T12:00:00+00:00"
