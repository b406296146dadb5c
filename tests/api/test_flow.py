"""Decisions recorded through HTTP and read back as of two days; every command route."""

from __future__ import annotations

from collections.abc import Callable

from tests.api.conftest import Api
from tests.api.scenario import build, created, decision


def test_record_an_exemption_and_read_it_as_of_two_days(api: Api) -> None:
    ids = build(api)
    wait = {"min_position": ids["position"]}
    before = api.get("/exemptions", who="kbh", in_force_on="2017-08-31", **wait)
    during = api.get("/exemptions", who="kbh", in_force_on="2018-03-01", **wait)
    assert before.status_code == during.status_code == 200
    assert before.json()["items"] == []
    [row] = during.json()["items"]
    assert row["aggregate_id"] == ids["exemption"] and row["status"] == "granted"
    assert row["data"]["grantor"] == "Økonomi- og Indenrigsministeriet"
    assert row["data"]["rule"]["text"] == "serviceloven § 151, stk. 2"
    trial = api.get(f"/trials/{ids['trial']}", who="kbh", as_of="2018-03-01").json()
    assert trial["phase"] == "running" and trial["counts"]["exemptions_in_force"] == 1
    inst = api.get(f"/institutions/{ids['institution']}", as_of="2018-03-01").json()
    assert [e["aggregate_id"] for e in inst["exemptions_in_force"]] == [ids["exemption"]]


def test_the_actor_comes_from_the_token(api: Api) -> None:
    ids = build(api)
    history = api.get(f"/history/{ids['exemption']}").json()["items"]
    assert [e["type"] for e in history] == ["Exemption.Requested", "Exemption.Granted"]
    assert history[0]["envelope"]["actor"] == {
        "id": "kbh",
        "role": "recorder",
        "organisation": "kommune:101",
        "mandate": None,
    }
    assert history[1]["envelope"]["actor"]["organisation"] == "Økonomi- og Indenrigsministeriet"
    spoof = api.post(
        f"/exemptions/{ids['exemption']}/revoke",
        decision("2018-01-01", revoked_on="2018-01-01", reason="x", actor={"id": "someone"}),
    )
    assert spoof.status_code == 422 and spoof.json()["field"] == "actor"


def test_every_command_route(api: Api) -> None:
    ids = build(api)
    t, x, i = ids["trial"], ids["exemption"], ids["institution"]
    created(
        api.post(
            f"/exemptions/{x}/amend",
            decision("2017-12-01", conditions=["Varsles højst 7 dage før"]),
        )
    )
    x2 = created(
        api.post(
            f"/trials/{t}/exemptions",
            decision(
                "2017-09-10",
                municipality="101",
                level="local",
                category="dokumentation",
                rule={"act": "eli/lta/2017/988", "path": "§ 139"},
                description="Lokalt krav",
                institution_id=i,
            ),
            who="kbh",
        )
    )["id"]
    created(api.post(f"/exemptions/{x2}/reject", decision("2017-09-20", reason="Nej"), who="kbh"))
    goal = created(
        api.post(
            f"/trials/{t}/goals",
            decision(
                "2017-08-25",
                terms={
                    "indicator": "Handleplaner",
                    "definition": "Andel",
                    "unit": "%",
                    "data_source": "DB",
                    "baseline": {"value": "40", "on": "2017-09-01"},
                    "target": {"value": "80", "on": "2018-04-30"},
                    "direction": "higher",
                    "frequency": "quarterly",
                },
            ),
            who="kbh",
        )
    )["id"]
    created(
        api.post(
            f"/goals/{goal}/revise",
            decision(
                "2017-10-01",
                terms={
                    "indicator": "Handleplaner",
                    "definition": "Andel",
                    "unit": "%",
                    "data_source": "DB",
                    "baseline": {"value": "40", "on": "2017-09-01"},
                    "target": {"value": "85", "on": "2018-04-30"},
                    "direction": "higher",
                    "frequency": "quarterly",
                },
            ),
            who="kbh",
        )
    )
    m = created(
        api.post(
            f"/goals/{goal}/measurements",
            decision(
                "2017-12-31",
                period={"start": "2017-10-01", "end": "2017-12-31"},
                value="55.5",
                source="DB",
                quality="provisional",
            ),
            who="kbh",
        )
    )
    insp = created(
        api.post(
            "/inspections",
            decision(
                "2017-10-16",
                institution_id=i,
                kind="planned",
                announced=True,
                notice_date="2017-10-16",
                planned_on="2017-10-30",
            ),
            who="tilsyn",
        )
    )["id"]
    created(
        api.post(
            f"/inspections/{insp}/perform",
            decision(
                "2017-10-30",
                performed_on="2017-10-30",
                assessment="mindre",
                findings=[{"point": "Medicin", "observation": "Mangler", "assessment": "mindre"}],
            ),
            who="tilsyn",
        )
    )
    created(
        api.post(
            f"/inspections/{insp}/report",
            decision("2017-11-15", published_on="2017-11-15", location="https://stps.dk/r/1"),
            who="tilsyn",
        )
    )
    orders = [
        created(
            api.post(
                f"/inspections/{insp}/orders",
                decision("2017-10-30", requirement=f"Krav {n}", deadline="2017-12-31"),
                who="tilsyn",
            )
        )["id"]
        for n in (1, 2)
    ]
    created(
        api.post(
            f"/orders/{orders[0]}/comply",
            decision("2017-12-15", complied_on="2017-12-15"),
            who="tilsyn",
        )
    )
    created(
        api.post(
            f"/orders/{orders[1]}/escalate",
            decision("2018-01-05", escalated_on="2018-01-05", escalated_to="Styrelsen"),
            who="tilsyn",
        )
    )
    complaint = created(
        api.post(
            f"/trials/{t}/complaints",
            decision("2018-01-10", subject="Klage over anmeldte tilsyn", received_on="2018-01-10"),
            who="tilsyn",
        )
    )["id"]
    created(
        api.post(
            f"/complaints/{complaint}/decide",
            decision("2018-02-10", outcome="dismissed"),
            who="tilsyn",
        )
    )
    created(
        api.post(
            f"/trials/{t}/evaluations",
            decision(
                "2018-03-01",
                kind="midterm",
                evaluator="VIVE",
                published_on="2018-03-01",
                location="https://vive.dk",
            ),
            who="kbh",
        )
    )
    created(api.post(f"/trials/{t}/extend", decision("2018-03-15", new_end="2018-10-31")))
    measured = api.get(f"/history/{goal}").json()["items"][-1]
    correction = created(
        api.post(
            "/corrections",
            decision(
                "2018-05-01",
                aggregate_id=goal,
                event_id=measured["event_id"],
                field="value",
                new_value="54.5",
                reason="Tastefejl",
            ),
            who="kbh",
        )
    )
    created(
        api.post(
            f"/exemptions/{x}/revoke",
            decision("2018-06-01", revoked_on="2018-06-01", reason="Ophørt"),
        )
    )
    created(api.post(f"/trials/{t}/end", decision("2018-08-31", ended_on="2018-08-31")))
    last = created(
        api.post(f"/trials/{t}/permanent", decision("2019-01-01", permanent_from="2019-01-01"))
    )
    assert last["position"] > correction["position"] > m["position"]
    g = api.get(f"/goals/{goal}", as_of="2018-01-15", min_position=last["position"]).json()
    assert [x["data"]["value"] for x in g["measurements"]] == ["54.5"]
    assert g["data"]["terms"]["target"]["value"] == "85" and g["data"]["revisions"] == 1
    inst = api.get(f"/institutions/{i}", as_of="2017-11-01").json()
    assert inst["latest_inspection"]["data"]["assessment"] == "mindre"
    assert len(inst["open_orders"]) == 2
    assert api.get(f"/institutions/{i}", as_of="2018-02-01").json()["open_orders"] == []


def test_two_api_processes_give_the_same_answers(make_api: Callable[..., Api]) -> None:
    first, second = make_api(), make_api()
    ids = build(first)
    params = {"in_force_on": "2018-03-01", "min_position": ids["position"]}
    a = first.get("/exemptions", **params).json()
    b = second.get("/exemptions", **params).json()
    assert a == b and len(a["items"]) == 1
