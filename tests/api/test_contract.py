"""Idempotency, optimistic concurrency, ETags, and bad input refused with the rule named."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest
from starlette.requests import Request

from frispor.api.routes.queries import _answer
from tests.api.conftest import Api
from tests.api.scenario import build, created, decision


def head(api: Api) -> int:
    return int(api.client.app.state.services.app.recorder.max_notification_id())  # type: ignore[attr-defined]


def test_idempotency_key_retry_writes_once_also_after_a_restart(
    make_api: Callable[..., Api],
) -> None:
    api = make_api()
    ids = build(api)
    body = decision("2018-03-15", new_end="2018-10-31")
    first = api.post(f"/trials/{ids['trial']}/extend", body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    position = head(api)
    again = api.post(f"/trials/{ids['trial']}/extend", body, **{"Idempotency-Key": "k-1"})
    assert again.status_code == 201 and again.json() == first.json()
    assert head(api) == position
    restarted = make_api()
    third = restarted.post(f"/trials/{ids['trial']}/extend", body, **{"Idempotency-Key": "k-1"})
    assert third.json() == first.json() and head(restarted) == position
    other = dict(body, new_end="2018-11-30")
    reused = api.post(f"/trials/{ids['trial']}/extend", other, **{"Idempotency-Key": "k-1"})
    assert reused.status_code == 422 and reused.json()["rule"] == "idempotency-key-reused"


def test_refused_command_leaves_the_key_free(api: Api) -> None:
    ids = build(api)
    early = decision("2018-03-15", new_end="2018-01-01")
    refused = api.post(f"/trials/{ids['trial']}/extend", early, **{"Idempotency-Key": "k-2"})
    assert refused.status_code == 422
    fixed = decision("2018-03-15", new_end="2018-10-31")
    assert (
        api.post(f"/trials/{ids['trial']}/extend", fixed, **{"Idempotency-Key": "k-3"}).status_code
        == 201
    )


def test_if_match_with_a_stale_version_is_refused(api: Api) -> None:
    ids = build(api)
    body = decision("2018-03-15", new_end="2018-10-31")
    stale = api.post(f"/trials/{ids['trial']}/extend", body, **{"If-Match": '"7"'})
    assert stale.status_code == 409 and stale.json()["rule"] == "optimistic-concurrency"
    version = len(api.get(f"/history/{ids['trial']}").json()["items"])
    fresh = api.post(f"/trials/{ids['trial']}/extend", body, **{"If-Match": f'"{version}"'})
    assert fresh.status_code == 201 and fresh.json()["version"] == version + 1
    assert fresh.headers["etag"] == f'"{version + 1}"'
    bad = api.post(f"/trials/{ids['trial']}/extend", body, **{"If-Match": "soon"})
    assert bad.status_code == 422 and bad.json()["rule"] == "if-match"


def test_get_answers_with_an_etag(api: Api) -> None:
    ids = build(api)
    url = f"/trials/{ids['trial']}"
    first = api.get(url, as_of="2018-01-01", min_position=ids["position"])
    assert first.status_code == 200 and first.headers["etag"]
    same = api.client.get(
        url,
        params={"as_of": "2018-01-01"},
        headers=api.headers("auditor", **{"If-None-Match": first.headers["etag"]}),
    )
    assert same.status_code == 304


def test_answers_are_compact_utf8_json(api: Api) -> None:
    ids = build(api)
    for url in (f"/trials/{ids['trial']}", f"/institutions/{ids['institution']}", "/trials"):
        got = api.get(url, min_position=ids["position"])
        assert got.status_code == 200, got.text
        # What json.dumps(ensure_ascii=False, separators=(",", ":")) would write, byte for byte.
        again = json.dumps(json.loads(got.content), ensure_ascii=False, separators=(",", ":"))
        assert got.content == again.encode()
        assert "Østerbro".encode() in got.content or url == "/trials"  # UTF-8, not \u00d8


def test_an_answer_too_large_for_orjson_is_still_written() -> None:
    request = Request({"type": "http", "method": "GET", "headers": []})
    body = {"big": 10**30, "on": date(2018, 1, 2), "id": UUID(int=1)}
    answer = _answer(request, body)
    assert answer.status_code == 200
    expected = '{"big":1000000000000000000000000000000,"on":"2018-01-02",'
    expected += '"id":"00000000-0000-0000-0000-000000000001"}'
    assert bytes(answer.body) == expected.encode()


def _post(api: Api, path: str, body: Any, **headers: str) -> Any:
    return api.client.post(path, content=body, headers=api.headers("oim", **headers))


BAD: list[tuple[str, dict[str, Any], int, str, str]] = [
    # (label, changes to a valid network body, status, rule, text in detail)
    ("cpr with dash", {"justification": "borger 010190-1234"}, 422, "rule-6-no-cpr", "CPR"),
    ("cpr without dash", {"name": "Netværk 0101901234"}, 422, "rule-6-no-cpr", "CPR"),
    ("unknown municipality", {"municipalities": ["999"]}, 422, "request-schema", "999"),
    ("unknown field", {"colour": "red"}, 422, "request-schema", "colour"),
    ("malformed ELI", {"legal_basis": [{"act": "lta/2017"}]}, 422, "valid-value", "ELI"),
    ("no legal basis", {"legal_basis": []}, 422, "rule-5-legal-basis", "legal basis"),
    ("no justification", {"justification": " "}, 422, "rule-5-justification", "justification"),
    ("bad area", {"area": "space"}, 422, "request-schema", "area"),
    ("no decided_on", {"decided_on": None}, 422, "request-schema", "decided_on"),
]


@pytest.mark.parametrize(
    ("label", "change", "status", "rule", "text"), BAD, ids=[b[0] for b in BAD]
)
def test_bad_input_is_refused_and_nothing_is_stored(
    api: Api, label: str, change: dict[str, Any], status: int, rule: str, text: str
) -> None:
    ids = build(api)
    before = head(api)
    body = decision("2016-10-10", name="N", kind="network", area="aeldre", municipalities=["101"])
    body = {k: v for k, v in (body | change).items() if v is not None}
    response = api.post(f"/programmes/{ids['programme']}/networks", body)
    assert response.status_code == status, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["rule"] == rule and text in problem["detail"] + str(problem.get("errors"))
    assert head(api) == before


def test_protocol_errors(api: Api) -> None:
    ids = build(api)
    path = f"/trials/{ids['trial']}/extend"
    wrong_type = _post(api, path, "new_end=2019-01-01", **{"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415 and wrong_type.json()["rule"] == "content-type"
    not_json = _post(api, path, "{not json", **{"Content-Type": "application/json"})
    assert not_json.status_code == 422
    huge = _post(api, path, "x" * 300_000, **{"Content-Type": "application/json"})
    assert huge.status_code == 413 and huge.json()["rule"] == "body-size"
    assert api.get("/events", limit=100_000).status_code == 422
    jan = {"start": "2018-01-01", "end": "2018-02-01"}
    unknown = api.post(
        "/exemptions/2b1f0c7e-1111-4a4a-8888-000000000000/grant",
        decision("2018-01-01", validity=jan),
    )
    assert unknown.status_code == 404 and unknown.json()["rule"] == "not-found"
    wrong_kind = api.post(f"/exemptions/{ids['trial']}/grant", decision("2018-01-01", validity=jan))
    assert wrong_kind.status_code == 404 and "no exemption" in wrong_kind.json()["detail"]
    backwards = {"start": "2018-03-01", "end": "2018-02-01"}
    reversed_period = api.post(
        f"/exemptions/{ids['exemption']}/amend", decision("2018-01-01", validity=backwards)
    )
    assert reversed_period.status_code == 422 and "before it starts" in reversed_period.text
    too_long = {"start": "2017-09-01", "end": "2019-02-01"}
    outside = api.post(
        f"/exemptions/{ids['exemption']}/amend", decision("2018-01-01", validity=too_long)
    )
    assert outside.status_code == 422 and outside.json()["rule"] == "rule-2-inside-trial-period"
    bad_cvr = api.post(
        f"/trials/{ids['trial']}/institutions",
        decision(
            "2017-08-01",
            name="X",
            kind="plejehjem",
            municipality="101",
            ownership="kommunal",
            cvr="29556815",
        ),
        who="kbh",
    )
    assert bad_cvr.status_code == 422 and "modulus-11" in bad_cvr.text
    assert created(
        api.post(
            f"/exemptions/{ids['exemption']}/amend",
            decision("2018-01-01", conditions=["Ny betingelse"]),
        )
    )


def _age_claim(api: Api, key: str, head: int | None = None, insert: bool = False) -> None:
    """Make a key look like one whose request died mid-way, long ago."""
    db = api.client.app.state.services.db  # type: ignore[attr-defined]
    old = "2020-01-01T00:00:00+00:00"
    with db.transaction() as cur:
        if insert:
            cur.execute(
                "INSERT INTO idempotency_keys VALUES (%s, %s, %s, 0, %s, %s)",
                ("oim", key, "x", f'{{"head": {head}}}', old),
            )
        else:
            cur.execute(
                "UPDATE idempotency_keys SET status = 0, body = %s, created_at = %s "
                "WHERE subject = 'oim' AND key = %s",
                (f'{{"head": {head}}}', old, key),
            )


def test_a_key_left_pending_after_its_write_is_answered_from_the_log(api: Api) -> None:
    ids = build(api)
    body = decision("2018-03-15", new_end="2018-10-31")
    path = f"/trials/{ids['trial']}/extend"
    before = head(api)
    first = api.post(path, body, **{"Idempotency-Key": "k-crash"})
    assert first.status_code == 201
    _age_claim(api, "k-crash", head=before)  # as if the process died before storing the answer
    retry = api.post(path, body, **{"Idempotency-Key": "k-crash"})
    assert retry.status_code == 201 and retry.json() == first.json()
    assert head(api) == first.json()["position"]  # nothing written twice


def test_a_key_left_pending_without_a_write_runs_again(api: Api) -> None:
    build(api)
    body = decision(
        "2016-10-10",
        name="P",
        kind="frikommune",
        ministry="Økonomi- og Indenrigsministeriet",
        enabling_act={"act": "eli/lta/2017/658", "path": "§ 1"},
        period={"start": "2016-10-10", "end": "2021-12-31"},
    )
    assert api.post("/programmes", body, **{"Idempotency-Key": "k-probe"}).status_code == 201
    db = api.client.app.state.services.db  # type: ignore[attr-defined]
    with db.transaction() as cur:
        [(digest,)] = cur.execute(
            "SELECT request_sha256 FROM idempotency_keys WHERE key = %s", ("k-probe",)
        )
        # A claim made just now: its request may still be running.
        cur.execute(
            "UPDATE idempotency_keys SET status = 0, body = %s, created_at = %s WHERE key = %s",
            (f'{{"head": {head(api)}}}', datetime.now(UTC).isoformat(), "k-probe"),
        )
        # A claim made long ago whose request died before writing anything.
        cur.execute(
            "INSERT INTO idempotency_keys VALUES ('oim', 'k-lost', %s, 0, %s, %s)",
            (digest, f'{{"head": {head(api)}}}', "2020-01-01T00:00:00+00:00"),
        )
    busy = api.post("/programmes", body, **{"Idempotency-Key": "k-probe"})
    assert busy.status_code == 409 and busy.json()["rule"] == "idempotency-in-progress"
    before = head(api)
    rerun = api.post("/programmes", body, **{"Idempotency-Key": "k-lost"})
    assert rerun.status_code == 201 and head(api) == before + 1
    again = api.post("/programmes", body, **{"Idempotency-Key": "k-lost"})
    assert again.json() == rerun.json() and head(api) == before + 1
