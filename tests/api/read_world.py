"""Two trials in two areas, read by every kind of caller: the world of the read-route matrix."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from frispor.credentials.tokens import new_token
from frispor.domain.values import Role
from tests.api.conftest import CALLERS, Api
from tests.api.scenario import build, created, decision

GOAL_TERMS = {
    "indicator": "Handleplaner",
    "definition": "Andel",
    "unit": "%",
    "data_source": "DB",
    "baseline": {"value": "40", "on": "2017-09-01"},
    "target": {"value": "80", "on": "2018-04-30"},
    "direction": "higher",
    "frequency": "quarterly",
}

# Callers beyond the fixture's: the same authority for another area, another authority for
# the same area. {name: (role, organisation, area)}
MORE_CALLERS = {
    "botilbud": (Role.AUTHORITY, "Ankestyrelsen", "botilbud"),
    "stps": (Role.AUTHORITY, "Styrelsen for Patientsikkerhed", "aeldre"),
}
WHO: dict[str, tuple[Role, str, str | None]] = {**CALLERS, **MORE_CALLERS}


@dataclass
class World:
    """Ids by name, the trial ('A': aeldre, 'B': botilbud) each belongs to, positions by name."""

    ids: dict[str, str] = field(default_factory=dict)
    trial_of: dict[str, str] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    export: int = 0


def add_callers(api: Api) -> None:
    """Tokens for the callers the fixture does not mint."""
    auth = api.client.app.state.services.auth  # type: ignore[attr-defined]
    for name, (role, organisation, area) in MORE_CALLERS.items():
        token, entry = new_token(role, organisation, name, area)
        auth.add(entry)
        api.tokens[name] = token


def _post(api: Api, path: str, who: str, day: str, **fields: Any) -> dict[str, Any]:
    return created(api.post(path, decision(day, **fields), who=who))


def build_world(api: Api, export: bool = True) -> World:
    """Trial A (network area aeldre) and trial B (botilbud), each with what a trial holds."""
    add_callers(api)
    world = World()
    a = build(api)
    world.ids |= {"A": a["trial"], "A-institution": a["institution"], "A-exemption": a["exemption"]}
    world.ids["A-goal"] = _post(
        api, f"/trials/{a['trial']}/goals", "kbh", "2017-08-25", terms=GOAL_TERMS
    )["id"]
    network = _post(
        api,
        f"/programmes/{a['programme']}/networks",
        "oim",
        "2016-10-10",
        name="Botilbud",
        kind="network",
        area="botilbud",
        municipalities=["101", "147"],
    )["id"]
    trial = _post(
        api,
        "/trials",
        "oim",
        "2017-06-20",
        network_id=network,
        title="Fleksible botilbud",
        purpose="Læring",
        period={"start": "2017-09-01", "end": "2018-04-30"},
        municipalities=["101"],
    )
    world.ids["B"] = trial["id"]
    institution = _post(
        api,
        f"/trials/{trial['id']}/institutions",
        "kbh",
        "2017-08-01",
        name="Bostedet Nørrebro",
        kind="botilbud",
        municipality="101",
        ownership="kommunal",
        cvr="29556814",
    )
    world.ids["B-institution"] = institution["id"]
    world.ids["B-goal"] = _post(
        api, f"/trials/{trial['id']}/goals", "kbh", "2017-08-25", terms=GOAL_TERMS
    )["id"]
    world.ids["B-exemption"] = _post(
        api,
        f"/trials/{trial['id']}/exemptions",
        "kbh",
        "2017-08-10",
        municipality="101",
        level="local",
        category="dokumentation",
        rule={"act": "eli/lta/2017/988", "path": "§ 139"},
        description="Lokalt krav",
    )["id"]
    world.trial_of = {name: name[0] for name in world.ids}
    head = api.get("/events", who="auditor", after=0, limit=1000).json()["items"]
    world.positions["last"] = head[-1]["position"]
    # The first event of each: a command's answer names its last, perhaps a bookkeeping one.
    for name, aggregate in (("A-by-kbh", "A-institution"), ("B-by-kbh", "B-institution")):
        first = next(e for e in head if e["aggregate_id"] == world.ids[aggregate])
        world.positions[name] = first["position"]
    world.positions["B-by-oim"] = next(e for e in head if e["aggregate_id"] == trial["id"])[
        "position"
    ]
    api.get("/trials", who="auditor", min_position=world.positions["last"])
    if export:
        made = api.post("/exports", {"from": "2016-01-01"}, who="authority")
        assert made.status_code == 201, made.text
        world.export = int(made.json()["id"])
        wait_for_checkpoint(api, made.json()["position"])
    return world


def wait_for_checkpoint(api: Api, size: int) -> None:
    """Until the signed checkpoint covers `size` leaves."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        response = api.get("/ledger/checkpoint", who="auditor")
        if response.status_code == 200 and int(response.text.split("\n")[1]) >= size:
            return
        time.sleep(0.05)
    raise AssertionError("no checkpoint was cut")
