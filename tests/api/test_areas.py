"""An area belongs to what a trial is about: its network's theme and the kinds it enrols."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from frispor.demo import load_demo
from tests.api.conftest import Api
from tests.api.read_world import add_callers
from tests.api.scenario import created, decision

BASIS = {"act": "eli/lta/2017/658", "path": "§ 1", "title": "lov om frikommunenetværk"}


def _items(api: Api, path: str, who: str, **query: Any) -> list[dict[str, Any]]:
    response = api.get(path, who=who, **query)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_an_elderly_care_authority_sees_the_nursing_home_inspection_trial(api: Api) -> None:
    add_callers(api)
    app = api.client.app.state.services.app  # type: ignore[attr-defined]
    load_demo(app)
    api.get("/trials", who="auditor", min_position=app.recorder.max_notification_id())
    trials = {t["data"]["title"]: t for t in _items(api, "/trials", "auditor", as_of="2018-01-01")}
    inspection = trials["Forsøg med anmeldte plejehjemstilsyn"]
    assert inspection["area"] == "sammenhaeng"  # the network's theme, not elderly care
    trial = inspection["aggregate_id"]
    seen = {t["aggregate_id"] for t in _items(api, "/trials", "authority", as_of="2018-01-01")}
    assert trial in seen  # main: 404, the trial is in a network about coherent services
    later = {t["data"]["title"]: t for t in _items(api, "/trials", "auditor", as_of="2018-06-01")}
    seen_later = _items(api, "/trials", "authority", as_of="2018-06-01")
    ids_later = {t["aggregate_id"] for t in seen_later}
    assert later["Tilkøbsydelser i hjemmeplejen"]["aggregate_id"] in ids_later  # declared aeldre
    assert later["Deleboliger"]["aggregate_id"] not in ids_later
    assert api.get(f"/trials/{trial}", who="authority").status_code == 200
    assert api.get(f"/trials/{trial}", who="botilbud").status_code == 404
    findings = _items(api, "/review", "authority", trial=trial)
    every = _items(api, "/review", "auditor", trial=trial)
    assert findings == every
    assert len([f for f in findings if f["severity"] == "high"]) >= 2
    assert api.get("/review", who="botilbud", trial=trial).status_code == 404
    outside = {f["trial_id"] for f in _items(api, "/review", "botilbud")}
    assert trial not in outside


def test_a_trial_is_about_an_area_from_when_the_record_says_so(api: Api) -> None:
    """Bitemporal: as known before the plejehjem was enrolled, the trial was not about aeldre."""
    add_callers(api)
    programme = _created(
        api,
        "/programmes",
        name="Frikommuneforsøg II",
        kind="frikommune",
        enabling_act=BASIS,
        period={"start": "2016-10-10", "end": "2021-12-31"},
        ministry="Økonomi- og Indenrigsministeriet",
        protected_categories=["magtanvendelse", "tilsyn"],
    )
    network = _created(
        api,
        f"/programmes/{programme['id']}/networks",
        name="Sammenhæng",
        kind="network",
        area="sammenhaeng",
        municipalities=["101"],
    )
    trial = _created(
        api,
        "/trials",
        network_id=network["id"],
        title="Anmeldte plejehjemstilsyn",
        purpose="Læring",
        period={"start": "2017-09-01", "end": "2018-04-30"},
        municipalities=["101"],
    )
    before = datetime.now(UTC).isoformat()
    enrolled = _created(
        api,
        f"/trials/{trial['id']}/institutions",
        who="kbh",
        name="Plejecenter Østerbro",
        kind="plejehjem",
        municipality="101",
        ownership="kommunal",
        cvr="29556814",
    )
    url, wait = f"/trials/{trial['id']}", {"min_position": enrolled["position"]}
    assert api.get(url, who="authority", **wait).status_code == 200
    assert api.get(url, who="authority", known_at=before).status_code == 404
    assert api.get(url, who="auditor", known_at=before).status_code == 200
    now = {t["aggregate_id"] for t in _items(api, "/trials", "authority", as_of="2018-01-01")}
    then = _items(api, "/trials", "authority", as_of="2018-01-01", known_at=before)
    assert trial["id"] in now and then == []
    assert api.get(url, who="botilbud").status_code == 404
    assert api.get(f"/institutions/{enrolled['id']}", who="authority").status_code == 200


def _created(api: Api, path: str, who: str = "oim", **fields: Any) -> dict[str, Any]:
    return created(api.post(path, decision("2017-06-20", **fields), who=who))


def test_areas_declared_on_approval(api: Api) -> None:
    add_callers(api)  # `botilbud`: Ankestyrelsen for botilbud
    programme = _created(
        api,
        "/programmes",
        name="Frikommuneforsøg II",
        kind="frikommune",
        enabling_act=BASIS,
        period={"start": "2016-10-10", "end": "2021-12-31"},
        ministry="Økonomi- og Indenrigsministeriet",
        protected_categories=["magtanvendelse", "tilsyn"],
    )
    network = _created(
        api,
        f"/programmes/{programme['id']}/networks",
        name="Bolig",
        kind="network",
        area="bolig",
        municipalities=["101"],
    )
    body = decision(
        "2017-06-20",
        network_id=network["id"],
        title="Bofællesskaber",
        purpose="Læring",
        period={"start": "2017-09-01", "end": "2018-04-30"},
        municipalities=["101"],
        areas=["botilbud"],
    )
    unknown = api.post("/trials", body | {"areas": ["everything"]})
    assert unknown.status_code == 422 and unknown.json()["field"].endswith("areas.0")
    trial = created(api.post("/trials", body))
    url, wait = f"/trials/{trial['id']}", {"min_position": trial["position"]}
    shown = api.get(url, who="botilbud", **wait)
    assert shown.status_code == 200 and shown.json()["data"]["declared_areas"] == ["botilbud"]
    assert api.get(url, who="authority").status_code == 404  # aeldre
