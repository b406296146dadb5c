"""København's add-on services and shared housing trials."""

from __future__ import annotations

from datetime import date as D

from frispor.demo.actors import CASEWORKER, COUNCIL
from frispor.demo.script import SERVICELOVEN, Script
from frispor.domain.values import (
    Area,
    LegalReference,
    Period,
    RuleCategory,
    RuleLevel,
)

# Add-on services are sold by home care (hjemmepleje): a trial of elderly care, too, though its
# network is about coherent services and it enrols no institution.
DECLARED_AREAS = {"tilkoeb": (Area.AELDRE,)}


def script(s: Script) -> None:
    """Register the add-on services and shared housing steps."""
    app = s.app
    trials = [
        (
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
        ),
        (
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
    ]
    for (
        key,
        network,
        title,
        purpose,
        period,
        approved,
        granted,
        case,
        rule,
        cat,
        what,
        cond,
    ) in trials:

        @s.on(approved)
        def approve(
            s: Script,
            key: str = key,
            network: str = network,
            title: str = title,
            purpose: str = purpose,
            period: Period = period,
            approved: D = approved,
            case: str = case,
            rule: LegalReference = rule,
            cat: RuleCategory = cat,
            what: str = what,
        ) -> None:
            trial = s.keep(
                f"trial:{key}",
                app.approve_trial(
                    s.env(CASEWORKER, approved, "Forsøget godkendt", case=case),
                    s[network],
                    title=title,
                    purpose=purpose,
                    period=period,
                    municipalities=("101",),
                    areas=DECLARED_AREAS.get(key, ()),
                ),
            )
            s.keep(
                f"exemption:{key}",
                app.request_exemption(
                    s.env(COUNCIL, approved, "Ansøgt i forbindelse med forsøget"),
                    trial,
                    municipality="101",
                    rule=rule,
                    level=RuleLevel.STATE,
                    category=cat,
                    description=what,
                ),
            )

        @s.on(granted)
        def grant(
            s: Script,
            key: str = key,
            granted: D = granted,
            case: str = case,
            period: Period = period,
            cond: tuple[str, ...] = cond,
        ) -> None:
            app.grant_exemption(
                s.env(CASEWORKER, granted, "Godkendt for forsøgsperioden", case=case),
                s[f"exemption:{key}"],
                validity=period,
                conditions=cond,
            )
