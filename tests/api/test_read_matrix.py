"""Every read route × every kind of caller × its own or another area or organisation: exact status.

Trial A is in area aeldre, trial B in botilbud. `authority` is Ankestyrelsen for aeldre,
`botilbud` Ankestyrelsen for botilbud, `stps` Styrelsen for Patientsikkerhed for aeldre.
Outside a caller's area the answer is the one a missing id gets (404); a role that may not use
a route at all gets 403 whatever the id, so neither answer tells whether the thing exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from frispor.domain.values import Role
from frispor.ledger.signer import write_key_pair
from tests.api.conftest import Api
from tests.api.read_world import WHO, World, build_world

AREA = {"A": "aeldre", "B": "botilbud"}
MISSING = str(uuid4())


@pytest.fixture
def signed_api(make_api: Callable[..., Api], tmp_path: Path) -> Api:
    key = tmp_path / "keys" / "frispor.key"
    key.parent.mkdir()
    write_key_pair(key, "frispor.test/trail")
    return make_api(
        signing_key=str(key),
        ledger_origin="frispor.test/trail",
        exports_dir=str(tmp_path / "exports"),
        checkpoint_every=0.05,
    )


def routes(world: World) -> list[tuple[str, dict[str, Any], str, str | None]]:
    """(path, query, kind of route, what it is about: a trial 'A'/'B', a leaf, or nothing)."""
    ids, pos = world.ids, world.positions
    out: list[tuple[str, dict[str, Any], str, str | None]] = [
        ("/health", {}, "open", None),
        ("/metrics", {}, "metrics", None),
        ("/trials", {}, "status", None),
        ("/exemptions", {}, "status", None),
        ("/events", {}, "audit", None),
        ("/review", {}, "audit", None),
        ("/exports", {}, "exports", None),
        ("/ledger/checkpoint", {}, "log", None),
        ("/ledger/proofs/consistency", {"from": 1, "to": 2}, "log", None),
        ("/imports/schema", {}, "log", None),  # an import's lines and templates: every reader
        ("/imports/templates/exemption-grant", {}, "log", None),
        (f"/exports/{world.export}", {}, "export", None),
        ("/exports/999999", {}, "export", "missing"),
        (f"/trials/{MISSING}", {}, "status", "missing"),
        (f"/institutions/{MISSING}", {}, "status", "missing"),
        (f"/goals/{MISSING}", {}, "status", "missing"),
        (f"/history/{MISSING}", {}, "audit", "missing"),
        ("/exemptions", {"trial": MISSING}, "status", "missing"),
        ("/events", {"trial": MISSING}, "audit", "missing"),
        ("/review", {"trial": MISSING}, "audit", "missing"),
        ("/ledger/proofs/inclusion", {"position": 10**6, "size": 2}, "leaf", "missing"),
    ]
    for t in ("A", "B"):
        out += [
            (f"/trials/{ids[t]}", {}, "status", t),
            (f"/institutions/{ids[t + '-institution']}", {}, "status", t),
            (f"/goals/{ids[t + '-goal']}", {}, "status", t),
            ("/exemptions", {"trial": ids[t]}, "status", t),
            (f"/history/{ids[t]}", {}, "audit", t),
            (f"/history/{ids[t + '-institution']}", {}, "audit", t),
            (f"/history/{ids[t + '-exemption']}", {}, "audit", t),
            (f"/history/{ids[t + '-goal']}", {}, "audit", t),
            ("/events", {"trial": ids[t]}, "audit", t),
            ("/review", {"trial": ids[t]}, "audit", t),
        ]
    for leaf in ("A-by-kbh", "B-by-kbh", "B-by-oim"):
        size = world.positions["last"]
        out.append(
            ("/ledger/proofs/inclusion", {"position": pos[leaf], "size": size}, "leaf", leaf)
        )
    return out


LEAF_ORGANISATION = {
    "A-by-kbh": "kommune:101",
    "B-by-kbh": "kommune:101",
    "B-by-oim": "Økonomi- og Indenrigsministeriet",
}


def expected(kind: str, who: str | None, target: str | None) -> int:
    """The one answer each caller gets, by the roles' contract."""
    if kind == "open":
        return 200
    if who is None:
        return 401
    role, organisation, area = WHO[who]
    allowed = {
        "metrics": {Role.ADMIN, Role.AUDITOR},
        "status": {Role.RECORDER, Role.AUDITOR, Role.AUTHORITY},
        "audit": {Role.AUDITOR, Role.AUTHORITY},
        "exports": {Role.AUDITOR, Role.AUTHORITY},
        "export": {Role.AUDITOR, Role.AUTHORITY},
        "log": {Role.RECORDER, Role.AUDITOR, Role.AUTHORITY},
        "leaf": {Role.RECORDER, Role.AUDITOR, Role.AUTHORITY},
    }[kind]
    if role not in allowed:
        return 403
    if target == "missing":
        return 404
    if kind == "export":  # cut by Ankestyrelsen for aeldre
        ok = role is Role.AUDITOR or (organisation, area) == ("Ankestyrelsen", "aeldre")
        return 200 if ok else 404
    if target is None or role is Role.AUDITOR:
        return 200
    trial = target[0]
    if role is Role.AUTHORITY:
        return 200 if AREA[trial] == area else 404
    if kind == "leaf":  # a recorder reads the leaves its own organisation recorded
        return 200 if organisation == LEAF_ORGANISATION[target] else 404
    return 200


def test_every_read_route_for_every_caller(signed_api: Api) -> None:
    api = signed_api
    world = build_world(api)
    table = routes(world)
    checked = 0
    for path, query, kind, target in table:
        for who in [None, *sorted(WHO)]:
            response = api.client.get(path, params=query, headers=api.headers(who))
            want = expected(kind, who, target)
            where = f"GET {path} {query} as {who}: {response.status_code} {response.text[:160]}"
            assert response.status_code == want, where
            if want >= 400 and kind != "open":
                assert response.headers["content-type"].startswith("application/problem+json")
                rule = {401: "authentication", 403: "authorisation", 404: "not-found"}[want]
                assert response.json()["rule"] == rule, where
            checked += 1
    assert checked == len(table) * len([None, *WHO]) >= 400
    # Every GET route of the API description is in the table (the web view has its own tests).
    described = api.client.get("/openapi.json").json()["paths"]
    templates = {p for p, ops in described.items() if "get" in ops and p.count("/") >= 1}
    templates -= {"/"}
    in_table = {
        re.sub(r"/[0-9a-f-]{36}$|/\d+$|(?<=/imports/templates)/[a-z-]+$", "/{id}", path)
        for path, *_ in table
    }
    named = {re.sub(r"\{[a-z_]+\}", "{id}", t) for t in templates}
    assert named <= in_table, named - in_table


def test_authority_reads_only_its_area(signed_api: Api) -> None:
    """Lists leave out what lies outside the area; each thing outside it answers 404."""
    api = signed_api
    world = build_world(api)
    a, b = world.ids["A"], world.ids["B"]

    def items(path: str, who: str, **query: Any) -> list[dict[str, Any]]:
        response = api.get(path, who=who, **query)
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()["items"]
        return found

    trials = {"authority": {a}, "stps": {a}, "botilbud": {b}, "auditor": {a, b}, "kbh": {a, b}}
    for who, seen in trials.items():
        assert {t["aggregate_id"] for t in items("/trials", who, as_of="2018-01-01")} == seen
        assert {x["trial_id"] for x in items("/exemptions", who)} == seen
    a_aggregates = {world.ids[n] for n in world.ids if n.startswith("A")}
    b_aggregates = {world.ids[n] for n in world.ids if n.startswith("B")}
    aeldre_events = {e["aggregate_id"] for e in items("/events", "authority", limit=1000)}
    assert a_aggregates <= aeldre_events and not aeldre_events & b_aggregates
    botilbud_events = {e["aggregate_id"] for e in items("/events", "botilbud", limit=1000)}
    assert b_aggregates <= botilbud_events and not botilbud_events & a_aggregates
    for finding in items("/review", "botilbud"):
        assert finding["trial_id"] == b
    for finding in items("/review", "authority"):
        assert finding["trial_id"] == a
    assert [e["id"] for e in items("/exports", "authority")] == [world.export]
    assert [e["id"] for e in items("/exports", "auditor")] == [world.export]
    assert items("/exports", "botilbud") == [] and items("/exports", "stps") == []
    # Outside the area, the same answer as a missing id, on every route that reads.
    for path, query in [
        (f"/trials/{a}", {}),
        (f"/institutions/{world.ids['A-institution']}", {}),
        (f"/goals/{world.ids['A-goal']}", {}),
        ("/exemptions", {"trial": a}),
        (f"/history/{world.ids['A-exemption']}", {}),
        ("/events", {"trial": a}),
        ("/review", {"trial": a}),
        (f"/exports/{world.export}", {}),
        ("/ledger/proofs/inclusion", {"position": world.positions["A-by-kbh"], "size": 2}),
    ]:
        outside = api.get(path, who="botilbud", **query)
        assert outside.status_code == 404, f"{path} {query}: {outside.text}"
        assert outside.json()["rule"] == "not-found"


def test_an_inclusion_proof_shows_a_leaf_only_to_who_may_read_it(signed_api: Api) -> None:
    api = signed_api
    world = build_world(api, export=False)
    from tests.api.read_world import wait_for_checkpoint

    wait_for_checkpoint(api, world.positions["last"])
    query = {"position": world.positions["B-by-oim"], "size": world.positions["last"]}
    leaf = api.get("/ledger/proofs/inclusion", who="auditor", **query).json()["leaf"]
    assert '"organisation":"Økonomi- og Indenrigsministeriet"' in leaf
    for who in ("authority", "kbh", "frb"):  # another area; other organisations
        response = api.get("/ledger/proofs/inclusion", who=who, **query)
        assert response.status_code == 404 and "Indenrigs" not in response.text
    assert api.get("/ledger/proofs/inclusion", who="oim", **query).json()["leaf"] == leaf
    assert api.get("/ledger/proofs/inclusion", who="botilbud", **query).json()["leaf"] == leaf
    # Out of reach and out of range answer alike: the size check comes after the scope check.
    beyond = {"position": world.positions["B-by-oim"], "size": 10**6}
    assert api.get("/ledger/proofs/inclusion", who="frb", **beyond).status_code == 404
    assert api.get("/ledger/proofs/inclusion", who="oim", **beyond).status_code == 422


def test_an_export_is_for_its_authority_and_its_area(signed_api: Api) -> None:
    """Issue 19 item 4: main let Ankestyrelsen/botilbud download Ankestyrelsen/aeldre's bag."""
    api = signed_api
    world = build_world(api)
    url = f"/exports/{world.export}"
    assert api.get(url, who="authority").status_code == 200
    assert api.get(url, who="auditor").status_code == 200
    for who in ("botilbud", "stps"):  # same organisation, other area; same area, other one
        response = api.get(url, who=who)
        assert response.status_code == 404 and response.json()["rule"] == "not-found"
        assert api.get("/exports", who=who).json()["items"] == []


def test_one_answer_outside_the_area(signed_api: Api) -> None:
    """Issue 19 item 7: main answered /review?trial=<other area> with 200 and an empty list."""
    api = signed_api
    world = build_world(api, export=False)
    a, missing = world.ids["A"], str(uuid4())
    for path, query in [("/review", {"trial": a}), ("/exemptions", {"trial": a})]:
        outside = api.get(path, who="botilbud", **query)
        absent = api.get(path, who="botilbud", **(query | {"trial": missing}))
        assert outside.status_code == absent.status_code == 404, outside.text
        assert outside.json()["rule"] == absent.json()["rule"] == "not-found"
        assert api.get(path, who="authority", **query).status_code == 200
