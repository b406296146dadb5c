"""A small trial built through HTTP, step by step, as a case system would."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api

BASIS = [{"act": "eli/lta/2017/658", "path": "§ 1", "title": "lov om frikommunenetværk"}]


def decision(day: str, **fields: Any) -> dict[str, Any]:
    return {"decided_on": day, "legal_basis": BASIS, "justification": "begrundet", **fields}


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def build(api: Api) -> dict[str, str]:
    """Programme → network → trial → institution → exemption granted; ids by name."""
    ids: dict[str, str] = {}
    ids["programme"] = created(
        api.post(
            "/programmes",
            decision(
                "2016-10-10",
                name="Frikommuneforsøg II",
                kind="frikommune",
                enabling_act=BASIS[0],
                period={"start": "2016-10-10", "end": "2021-12-31"},
                ministry="Økonomi- og Indenrigsministeriet",
                protected_categories=["magtanvendelse", "tilsyn"],
            ),
        )
    )["id"]
    ids["network"] = created(
        api.post(
            f"/programmes/{ids['programme']}/networks",
            decision(
                "2016-10-10",
                name="Sammenhæng",
                kind="network",
                area="aeldre",
                municipalities=["101", "561"],
            ),
        )
    )["id"]
    ids["trial"] = created(
        api.post(
            "/trials",
            decision(
                "2017-06-20",
                network_id=ids["network"],
                title="Anmeldte plejehjemstilsyn",
                purpose="Læring",
                period={"start": "2017-09-01", "end": "2018-04-30"},
                municipalities=["101"],
            ),
        )
    )["id"]
    ids["institution"] = created(
        api.post(
            f"/trials/{ids['trial']}/institutions",
            decision(
                "2017-08-01",
                name="Plejecenter Østerbro",
                kind="plejehjem",
                municipality="101",
                ownership="kommunal",
                cvr="29556814",
            ),
            who="kbh",
        )
    )["id"]
    ids["exemption"] = created(
        api.post(
            f"/trials/{ids['trial']}/exemptions",
            decision(
                "2017-08-10",
                municipality="101",
                level="state",
                category="tilsynsform",
                rule={"act": "eli/lta/2017/988", "path": "§ 151, stk. 2", "title": "serviceloven"},
                description="Anmeldte tilsyn",
            ),
            who="kbh",
        )
    )["id"]
    granted = created(
        api.post(
            f"/exemptions/{ids['exemption']}/grant",
            decision(
                "2017-08-25",
                validity={"start": "2017-09-01", "end": "2018-04-30"},
                conditions=["Varsles højst 14 dage før"],
            ),
        )
    )
    ids["position"] = str(granted["position"])
    return ids
