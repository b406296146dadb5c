"""The friinstitution programme of 2018: three partnerships, two institutions per municipality."""

from __future__ import annotations

from datetime import date as D
from decimal import Decimal
from uuid import uuid5

from frispor.demo.actors import NAMESPACE, PROTECTED
from frispor.demo.builders import plejehjem
from frispor.demo.script import FRIKOMMUNELOV, SERVICELOVEN, Script, actor
from frispor.domain.commands import (
    ApproveTrial,
    DesignateNetwork,
    EnrolInstitution,
    EstablishProgramme,
    GrantExemption,
    RequestExemption,
    SetGoal,
)
from frispor.domain.goal import GoalTerms, Measure
from frispor.domain.values import (
    Area,
    Direction,
    Frequency,
    InstitutionKind,
    LegalReference,
    NetworkKind,
    Ownership,
    Period,
    ProgrammeKind,
    RuleCategory,
    RuleLevel,
)

PROGRAMME_ID = uuid5(NAMESPACE, "friinstitutioner-2018")
INNOVATION = actor("im-sb-0022", "Innovationsministeriet")
SUM = actor("sum-sb-0310", "Sundhedsministeriet")
FREDERIKSBERG = actor("frb-0051", "kommune:147", "Kommunalbestyrelsen")
RANDERS = actor("ran-0099", "kommune:730", "Byrådet")
PERIOD = Period(start=D(2018, 10, 1), end=D(2021, 9, 30))
PARTNERSHIPS = [
    (
        "aeldre",
        "Friinstitutioner på ældreområdet",
        Area.AELDRE,
        ("147", "461", "851"),
        "Sundhedsministeriet",
        InstitutionKind.PLEJEHJEM,
    ),
    (
        "dagtilbud",
        "Friinstitutioner på dagtilbudsområdet",
        Area.DAGTILBUD,
        ("169", "561", "710"),
        "Børne- og Socialministeriet",
        InstitutionKind.DAGTILBUD,
    ),
    (
        "botilbud",
        "Friinstitutioner på botilbudsområdet",
        Area.BOTILBUD,
        ("265", "730", "751"),
        "Børne- og Socialministeriet",
        InstitutionKind.BOTILBUD,
    ),
]


def script(s: Script) -> None:
    """Register the friinstitution steps."""
    app = s.app

    @s.on(D(2018, 5, 15))
    def establish(s: Script) -> None:
        pid = s.keep(
            "programme:friinstitution",
            app.establish_programme(
                s.env(
                    INNOVATION, D(2018, 5, 15), "Sammenhængsreformen: forsøg med friinstitutioner"
                ),
                EstablishProgramme(
                    name="Friinstitutioner 2018",
                    kind=ProgrammeKind.FRIINSTITUTION,
                    enabling_act=FRIKOMMUNELOV,
                    period=Period(start=D(2018, 5, 15), end=D(2021, 12, 31)),
                    ministry="Innovationsministeriet",
                    protected_categories=PROTECTED,
                    max_institutions_per_municipality=2,
                ),
                new_id=PROGRAMME_ID,
            ),
        )
        for key, name, area, members, ministry, _ in PARTNERSHIPS:
            s.keep(
                f"partnership:{key}",
                app.designate_network(
                    s.env(INNOVATION, D(2018, 5, 15), "Partnerskabet etableret i maj 2018"),
                    pid,
                    DesignateNetwork(
                        name=name,
                        kind=NetworkKind.PARTNERSHIP,
                        area=area,
                        municipalities=members,
                        coordinator=members[0],
                        ministry=ministry,
                    ),
                ),
            )

    @s.on(D(2018, 9, 15))
    def approve(s: Script) -> None:
        for key, name, _, members, _, _ in PARTNERSHIPS:
            s.keep(
                f"trial:fri-{key}",
                app.approve_trial(
                    s.env(INNOVATION, D(2018, 9, 15), "Reguleringen konkretiseret i partnerskabet"),
                    ApproveTrial(
                        network_id=s[f"partnership:{key}"],
                        title=name,
                        purpose="Institutionerne styres af resultatmål i stedet for regler.",
                        period=PERIOD,
                        municipalities=members,
                    ),
                ),
            )

    @s.on(D(2018, 9, 20))
    def enrol(s: Script) -> None:
        homes = (
            "Plejehjemmet Akaciegården",
            "Plejehjemmet Betaniahjemmet",
            "Plejehjemmet Ingeborg",
        )
        cvrs = ("29556830", "29556849", "29556857")
        for n, (name, cvr) in enumerate(zip(homes, cvrs, strict=True), 1):

            def attempt(name: str = name, cvr: str = cvr, n: int = n) -> object:
                return app.enrol_institution(
                    s.env(FREDERIKSBERG, D(2018, 9, 20), "Institutionen har søgt om at deltage"),
                    s["trial:fri-aeldre"],
                    plejehjem(
                        name, "147", cvr, Ownership.KOMMUNAL if n < 3 else Ownership.SELVEJENDE
                    ),
                )

            if n < 3:
                s.keep(f"institution:frb-{n}", attempt())  # type: ignore[arg-type]
            else:
                s.refused("a third Frederiksberg plejehjem in the ældre partnership", attempt)  # type: ignore[arg-type]
        s.keep(
            "institution:randers-botilbud",
            app.enrol_institution(
                s.env(RANDERS, D(2018, 9, 20), "Botilbuddet deltager i forsøget"),
                s["trial:fri-botilbud"],
                EnrolInstitution(
                    name="Bostedet Toftevang",
                    kind=InstitutionKind.BOTILBUD,
                    municipality="730",
                    ownership=Ownership.KOMMUNAL,
                    p_number="1003388394",
                ),
            ),
        )

    @s.on(D(2018, 9, 28))
    def exemptions(s: Script) -> None:
        local = s.keep(
            "exemption:frb-dokumentation",
            app.request_exemption(
                s.env(FREDERIKSBERG, D(2018, 9, 28), "Mindre dokumentation, mere tid hos beboerne"),
                s["trial:fri-aeldre"],
                RequestExemption(
                    municipality="147",
                    institution_id=s["institution:frb-1"],
                    rule=LegalReference.parse(
                        "eli/lta/2017/988",
                        "§ 139",
                        "Frederiksbergs kvalitetsstandard (lokalt krav)",
                    ),
                    level=RuleLevel.LOCAL,
                    category=RuleCategory.DOKUMENTATION,
                    description="Fritagelse for kommunens lokale krav om daglig døgnrytmeplan.",
                ),
            ),
        )
        state = s.keep(
            "exemption:frb-registrering",
            app.request_exemption(
                s.env(FREDERIKSBERG, D(2018, 9, 28), "Registreringskrav står i vejen"),
                s["trial:fri-aeldre"],
                RequestExemption(
                    municipality="147",
                    institution_id=s["institution:frb-2"],
                    rule=LegalReference.parse(SERVICELOVEN, "§ 79 a", "serviceloven"),
                    level=RuleLevel.STATE,
                    category=RuleCategory.REGISTRERING,
                    description="Fritagelse for krav om registrering af forebyggende hjemmebesøg.",
                ),
            ),
        )
        app.grant_exemption(
            s.env(FREDERIKSBERG, D(2018, 9, 28), "Lokalt krav; kommunalbestyrelsen beslutter"),
            local,
            GrantExemption(validity=PERIOD),
        )
        s.refused(
            "a state rule granted by the municipal council of Frederiksberg",
            lambda: app.grant_exemption(
                s.env(FREDERIKSBERG, D(2018, 9, 28), "Forsøg på at give statslig fritagelse"),
                state,
                GrantExemption(validity=PERIOD),
            ),
        )
        app.grant_exemption(
            s.env(SUM, D(2018, 9, 28), "Fagministeriet godkender", case="SUM-2018-3321"),
            state,
            GrantExemption(
                validity=PERIOD,
                conditions=("Institutionen afrapporterer resultatmålene halvårligt.",),
            ),
        )
        s.refused(
            "an exemption from the rules on use of force (magtanvendelse) at Bostedet Toftevang",
            lambda: app.request_exemption(
                s.env(RANDERS, D(2018, 9, 28), "Ønske om mere fleksibel magtanvendelse"),
                s["trial:fri-botilbud"],
                RequestExemption(
                    municipality="730",
                    institution_id=s["institution:randers-botilbud"],
                    rule=LegalReference.parse(SERVICELOVEN, "§ 124", "serviceloven"),
                    level=RuleLevel.STATE,
                    category=RuleCategory.MAGTANVENDELSE,
                    description="Fritagelse fra reglerne om magtanvendelse.",
                ),
            ),
        )
        s.keep(
            "goal:tilfredshed",
            app.set_goal(
                s.env(FREDERIKSBERG, D(2018, 9, 28), "Resultatmål i stedet for regler"),
                s["trial:fri-aeldre"],
                SetGoal(
                    institution_id=s["institution:frb-1"],
                    terms=GoalTerms(
                        indicator="Beboertilfredshed",
                        definition="Gennemsnitlig score i den årlige beboerundersøgelse (1-5)",
                        unit="score",
                        data_source="Frederiksberg Kommunes beboerundersøgelse",
                        baseline=Measure(value=Decimal("3.8"), on=D(2018, 10, 1)),
                        target=Measure(value=Decimal("4.3"), on=D(2021, 9, 30)),
                        direction=Direction.HIGHER,
                        frequency=Frequency.HALF_YEARLY,
                    ),
                ),
            ),
        )

    s.measurements(
        "goal:tilfredshed",
        FREDERIKSBERG,
        "Halvårlig opgørelse",
        "Beboerundersøgelsen",
        [
            (D(2018, 10, 1), D(2019, 3, 31), "3.9", D(2019, 4, 15)),
            (D(2019, 4, 1), D(2019, 9, 30), "4.1", D(2019, 10, 15)),
        ],
    )
