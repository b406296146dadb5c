"""København's add-on services and shared housing trials."""

from __future__ import annotations

from datetime import date as D
from typing import NamedTuple

from frispor.demo.actors import CASEWORKER, COUNCIL
from frispor.demo.script import SERVICELOVEN, Script
from frispor.domain.commands import ApproveTrial, GrantExemption, RequestExemption
from frispor.domain.values import Area, LegalReference, Period, RuleCategory, RuleLevel


class AddOn(NamedTuple):
    """One trial with the one exemption it was approved for, granted for its whole period."""

    key: str
    network: str
    title: str
    purpose: str
    period: Period
    approved: D
    granted: D
    case: str
    rule: LegalReference
    category: RuleCategory
    description: str
    conditions: tuple[str, ...]
    areas: tuple[Area, ...] = ()


TRIALS = (
    AddOn(
        "tilkoeb",
        "network:sammenhaeng",
        "Tilkøbsydelser i hjemmeplejen",
        "Borgere kan købe ekstra personlig pleje, praktisk hjælp og madservice hos den "
        "kommunale leverandør.",
        Period(start=D(2018, 4, 1), end=D(2020, 12, 31)),
        D(2018, 3, 15),
        D(2018, 3, 28),
        "2018-1190",
        LegalReference.parse(SERVICELOVEN, "§ 83", "serviceloven"),
        RuleCategory.YDELSER,
        "Den kommunale leverandør må sælge tilkøbsydelser.",
        ("Tilkøbsydelser træder ikke i stedet for ydelser efter § 83.",),
        # Add-on services are sold by home care (hjemmepleje): a trial of elderly care, too,
        # though its network is about coherent services and it enrols no institution.
        areas=(Area.AELDRE,),
    ),
    AddOn(
        "deleboliger",
        "network:bolig",
        "Deleboliger",
        "En almen familiebolig indrettes som kollektivt familieboligbofællesskab.",
        Period(start=D(2018, 1, 1), end=D(2018, 12, 31)),
        D(2017, 12, 1),
        D(2017, 12, 18),
        "2017-6650",
        LegalReference.parse("eli/lta/2017/1116", "§ 5", "almenboligloven"),
        RuleCategory.BOLIG,
        "En familiebolig må udlejes som delebolig.",
        (),
    ),
)


def script(s: Script) -> None:
    """Register the add-on services and shared housing steps."""
    app = s.app
    for t in TRIALS:

        @s.on(t.approved)
        def approve(s: Script, t: AddOn = t) -> None:
            trial = s.keep(
                f"trial:{t.key}",
                app.approve_trial(
                    s.env(CASEWORKER, t.approved, "Forsøget godkendt", case=t.case),
                    ApproveTrial(
                        network_id=s[t.network],
                        title=t.title,
                        purpose=t.purpose,
                        period=t.period,
                        municipalities=("101",),
                        areas=t.areas,
                    ),
                ),
            )
            s.keep(
                f"exemption:{t.key}",
                app.request_exemption(
                    s.env(COUNCIL, t.approved, "Ansøgt i forbindelse med forsøget"),
                    trial,
                    RequestExemption(
                        municipality="101",
                        rule=t.rule,
                        level=RuleLevel.STATE,
                        category=t.category,
                        description=t.description,
                    ),
                ),
            )

        @s.on(t.granted)
        def grant(s: Script, t: AddOn = t) -> None:
            app.grant_exemption(
                s.env(CASEWORKER, t.granted, "Godkendt for forsøgsperioden", case=t.case),
                s[f"exemption:{t.key}"],
                GrantExemption(validity=t.period, conditions=t.conditions),
            )
