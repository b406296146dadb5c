"""Every command route with a valid body, who may call it, and who may not, in an order that works.

A walk builds on the scenario of `tests/api/scenario.py`: each step's body is valid in the state the
steps before it left, so a refusal can only come from the check under test, never from the schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.api.conftest import Api
from tests.api.scenario import build, created, decision

Ids = dict[str, str]

TERMS = {
    "indicator": "Handleplaner",
    "definition": "Andel borgere med opdateret handleplan",
    "unit": "%",
    "data_source": "Omsorgssystemet",
    "baseline": {"value": "40", "on": "2017-09-01"},
    "target": {"value": "85", "on": "2018-04-30"},
    "direction": "higher",
    "frequency": "quarterly",
}
LOCAL_RULE = {"act": "eli/lta/2017/988", "path": "§ 83", "title": "serviceloven"}


@dataclass(frozen=True)
class Step:
    """One command: its path (filled from ids), a valid body, the one caller it is for."""

    path: str
    body: Callable[[Ids], dict[str, Any]]
    own: str
    others: tuple[str, ...] = ("frb",)  # recorders of organisations it is not for
    keep: str | None = None  # the name under which the new id is kept
    route: str = field(default="")  # the OpenAPI path it exercises

    def url(self, ids: Ids) -> str:
        """The path with the ids filled in."""
        return self.path.format(**ids)


def _event_of(api: Api, aggregate: str, kind: str) -> str:
    items = api.get(f"/history/{aggregate}").json()["items"]
    return str(next(e["event_id"] for e in items if e["type"] == kind))


STEPS: list[Step] = [
    Step(
        "/programmes",
        lambda ids: decision(
            "2016-10-10",
            name="Frikommuneforsøg III",
            kind="frikommune",
            enabling_act={"act": "eli/lta/2017/658", "path": "§ 1"},
            period={"start": "2016-10-10", "end": "2021-12-31"},
            ministry="Økonomi- og Indenrigsministeriet",
        ),
        "oim",
        ("frb", "kbh"),
        route="/programmes",
    ),
    Step(
        "/programmes/{programme}/networks",
        lambda ids: decision(
            "2016-10-11",
            name="Boliger",
            kind="network",
            area="bolig",
            municipalities=["101", "147"],
        ),
        "oim",
        ("frb", "kbh"),
        route="/programmes/{programme_id}/networks",
    ),
    Step(
        "/trials",
        lambda ids: decision(
            "2017-06-21",
            network_id=ids["network"],
            title="Tilkøbsydelser",
            purpose="Valgfrihed",
            period={"start": "2017-09-01", "end": "2018-04-30"},
            municipalities=["101"],
        ),
        "oim",
        ("frb", "kbh", "tilsyn"),
        route="/trials",
    ),
    Step(
        "/trials/{trial}/institutions",
        lambda ids: decision(
            "2017-08-02",
            name="Plejecenter Valby",
            kind="plejehjem",
            municipality="101",
            ownership="kommunal",
            cvr="29556822",
        ),
        "kbh",
        ("frb", "tilsyn"),
        keep="institution2",
        route="/trials/{trial_id}/institutions",
    ),
    Step(
        "/trials/{trial}/exemptions",
        lambda ids: decision(
            "2017-08-11",
            municipality="101",
            institution_id=ids["institution2"],
            level="local",
            category="dokumentation",
            rule=LOCAL_RULE,
            description="Mindre dokumentation",
        ),
        "kbh",
        ("frb", "tilsyn"),
        keep="local",
        route="/trials/{trial_id}/exemptions",
    ),
    Step(
        "/exemptions/{local}/grant",
        lambda ids: decision("2017-08-20", validity={"start": "2017-09-01", "end": "2018-03-31"}),
        "kbh",
        ("frb", "oim"),  # a local rule: the council, not the ministry (rule 3)
        route="/exemptions/{exemption_id}/grant",
    ),
    Step(
        "/exemptions/{local}/amend",
        lambda ids: decision("2017-10-01", conditions=["Evalueres månedligt"]),
        "kbh",
        ("frb", "oim"),
        route="/exemptions/{exemption_id}/amend",
    ),
    Step(
        "/exemptions/{local}/revoke",
        lambda ids: decision("2018-01-01", revoked_on="2018-01-01", reason="Forsøget virkede ikke"),
        "kbh",
        ("frb", "oim"),
        route="/exemptions/{exemption_id}/revoke",
    ),
    Step(
        "/trials/{trial}/exemptions",
        lambda ids: decision(
            "2017-08-12",
            municipality="101",
            level="local",
            category="dokumentation",
            rule=LOCAL_RULE,
            description="Færre registreringer",
        ),
        "oim",
        ("frb",),
        keep="requested",
    ),
    Step(
        "/exemptions/{requested}/reject",
        lambda ids: decision("2017-08-30", reason="Ikke begrundet"),
        "kbh",
        ("frb", "oim"),
        route="/exemptions/{exemption_id}/reject",
    ),
    Step(
        "/trials/{trial}/goals",
        lambda ids: decision("2017-08-25", terms=TERMS, institution_id=ids["institution"]),
        "kbh",
        ("frb", "tilsyn"),
        keep="goal",
        route="/trials/{trial_id}/goals",
    ),
    Step(
        "/goals/{goal}/revise",
        lambda ids: decision("2017-09-15", terms={**TERMS, "unit": "procent"}),
        "kbh",
        ("frb", "tilsyn"),
        route="/goals/{goal_id}/revise",
    ),
    Step(
        "/goals/{goal}/measurements",
        lambda ids: decision(
            "2017-12-31",
            period={"start": "2017-10-01", "end": "2017-12-31"},
            value="55.5",
            source="Omsorgssystemet",
        ),
        "kbh",
        ("frb", "tilsyn"),
        route="/goals/{goal_id}/measurements",
    ),
    Step(
        "/inspections",
        lambda ids: decision(
            "2017-10-16",
            institution_id=ids["institution"],
            kind="planned",
            announced=True,
            notice_date="2017-10-16",
            planned_on="2017-10-30",
        ),
        "kbh",
        ("frb", "oim"),  # issue 19: Frederiksberg planned an inspection of Plejecenter Østerbro
        keep="inspection",
        route="/inspections",
    ),
    Step(
        "/inspections/{inspection}/perform",
        lambda ids: decision(
            "2017-10-30",
            performed_on="2017-10-30",
            assessment="mindre",
            findings=[{"point": "Medicin", "observation": "Mangler", "assessment": "mindre"}],
        ),
        "kbh",
        ("frb", "tilsyn"),
        route="/inspections/{inspection_id}/perform",
    ),
    Step(
        "/inspections/{inspection}/report",
        lambda ids: decision("2017-11-15", published_on="2017-11-15", location="https://kk.dk/r"),
        "kbh",
        ("frb", "tilsyn"),
        route="/inspections/{inspection_id}/report",
    ),
    Step(
        "/inspections/{inspection}/orders",
        lambda ids: decision(
            "2017-10-30", requirement="Ajourført medicinliste", deadline="2017-12-31"
        ),
        "kbh",
        ("frb", "tilsyn"),
        keep="order",
        route="/inspections/{inspection_id}/orders",
    ),
    Step(
        "/inspections/{inspection}/orders",
        lambda ids: decision("2017-10-30", requirement="Instruks om magt", deadline="2017-12-31"),
        "kbh",
        ("frb",),
        keep="order2",
    ),
    Step(
        "/orders/{order}/comply",
        lambda ids: decision("2017-12-15", complied_on="2017-12-15"),
        "kbh",
        ("frb", "tilsyn"),
        route="/orders/{order_id}/comply",
    ),
    Step(
        "/orders/{order2}/escalate",
        lambda ids: decision("2018-01-05", escalated_on="2018-01-05", escalated_to="Styrelsen"),
        "kbh",
        ("frb", "tilsyn"),
        route="/orders/{order_id}/escalate",
    ),
    Step(
        "/trials/{trial}/complaints",
        lambda ids: decision(
            "2018-01-10",
            subject="Klage over anmeldte tilsyn",
            received_on="2018-01-10",
            institution_id=ids["institution"],
        ),
        "tilsyn",  # a national supervisory authority receives complaints about any trial
        ("frb",),  # issue 19: Frederiksberg recorded a complaint on København's trial
        keep="complaint",
        route="/trials/{trial_id}/complaints",
    ),
    Step(
        "/complaints/{complaint}/decide",
        lambda ids: decision("2018-02-10", outcome="dismissed"),
        "tilsyn",
        ("frb", "kbh", "oim"),
        route="/complaints/{complaint_id}/decide",
    ),
    Step(
        "/trials/{trial}/evaluations",
        lambda ids: decision(
            "2018-03-01",
            kind="midterm",
            evaluator="VIVE",
            published_on="2018-03-01",
            location="https://vive.dk",
        ),
        "kbh",
        ("frb", "tilsyn"),
        route="/trials/{trial_id}/evaluations",
    ),
    Step(
        "/corrections",
        lambda ids: decision(
            "2018-05-01",
            aggregate_id=ids["goal"],
            event_id=ids["measured"],
            field="value",
            new_value="54.5",
            reason="Tastefejl",
        ),
        "kbh",
        ("frb", "oim"),
        route="/corrections",
    ),
    Step(
        "/trials/{trial}/extend",
        lambda ids: decision("2018-03-15", new_end="2018-10-31"),
        "oim",
        ("frb", "kbh"),
        route="/trials/{trial_id}/extend",
    ),
    Step(
        "/trials/{trial}/end",
        lambda ids: decision("2018-10-30", ended_on="2018-10-30"),
        "oim",
        ("frb", "kbh"),
        route="/trials/{trial_id}/end",
    ),
    Step(
        "/trials/{trial}/permanent",
        lambda ids: decision("2018-11-01", permanent_from="2019-01-01"),
        "oim",
        ("frb", "kbh"),
        route="/trials/{trial_id}/permanent",
    ),
]
# POST routes that are not decisions of a recorder, each tested where it lives.
NOT_DECISIONS = {"/exports", "/imports"}
KEEP_FROM = {"/programmes": "programme", "/programmes/{programme}/networks": "network"}


def walk(api: Api, before: Callable[[Step, Ids, str, dict[str, Any]], None]) -> Ids:
    """Run every step as its own caller after `before` had its turn; the ids of what was made."""
    ids: Ids = dict(build(api))
    for step in STEPS:
        if step.path == "/corrections":
            ids["measured"] = _event_of(api, ids["goal"], "Goal.MeasurementRecorded")
        url, body = step.url(ids), step.body(ids)
        before(step, ids, url, body)
        answer = created(api.post(url, body, who=step.own))
        name = step.keep or KEEP_FROM.get(step.path)
        if name:
            ids[name] = str(answer["id"])
    return ids
