"""København's three frikommune trials in its two networks (seeds: Københavns Kommune)."""

from __future__ import annotations

from datetime import date as D
from decimal import Decimal

from frispor.demo import frikommune_inspections as inspections
from frispor.demo import frikommune_trials as more_trials
from frispor.demo.actors import CASEWORKER, COUNCIL, INSPECTOR, OIM, PROGRAMME_ID, PROTECTED
from frispor.demo.builders import plejehjem
from frispor.demo.script import FRIKOMMUNELOV, SERVICELOVEN, Script
from frispor.domain.commands import (
    ApproveTrial,
    Correct,
    DesignateNetwork,
    EndTrial,
    EstablishProgramme,
    GrantExemption,
    PublishEvaluation,
    RequestExemption,
    SetGoal,
)
from frispor.domain.goal import GoalTerms, Measure
from frispor.domain.values import (
    Area,
    Direction,
    EvaluationKind,
    Frequency,
    LegalReference,
    NetworkKind,
    Period,
    ProgrammeKind,
    RuleCategory,
    RuleLevel,
)


def script(s: Script) -> None:
    """Register the frikommune steps."""
    app = s.app

    @s.on(D(2016, 10, 10))
    def programme(s: Script) -> None:
        pid = s.keep(
            "programme:frikommune",
            app.establish_programme(
                s.env(CASEWORKER, D(2016, 10, 10), "Udpegning af frikommunenetværk 2016-2020"),
                EstablishProgramme(
                    name="Frikommuneforsøg II",
                    kind=ProgrammeKind.FRIKOMMUNE,
                    enabling_act=FRIKOMMUNELOV,
                    period=Period(start=D(2016, 10, 10), end=D(2021, 12, 31)),
                    ministry=OIM,
                    protected_categories=PROTECTED,
                ),
                new_id=PROGRAMME_ID,
            ),
        )
        why = "Netværket er udpeget efter ansøgning fra kommunerne"
        for label, name, area, members in (
            (
                "network:sammenhaeng",
                "Mere sammenhængende indsatser på tværs af sektorområder",
                Area.SAMMENHAENG,
                ("101", "561", "461", "730", "751"),
            ),
            (
                "network:bolig",
                "Billige boliger og fleksible boligløsninger",
                Area.BOLIG,
                ("101", "169", "730", "265", "710", "751"),
            ),
        ):
            s.keep(
                label,
                app.designate_network(
                    s.env(CASEWORKER, D(2016, 10, 10), why),
                    pid,
                    DesignateNetwork(
                        name=name,
                        kind=NetworkKind.NETWORK,
                        area=area,
                        municipalities=members,
                        coordinator="101",
                    ),
                ),
            )

    _plejehjemstilsyn(s)
    inspections.script(s)
    more_trials.script(s)


def _plejehjemstilsyn(s: Script) -> None:
    app = s.app

    @s.on(D(2017, 6, 20))
    def approve(s: Script) -> None:
        s.keep(
            "trial:plejehjemstilsyn",
            app.approve_trial(
                s.env(CASEWORKER, D(2017, 6, 20), "Godkendt efter ansøgning", case="2017-4127"),
                ApproveTrial(
                    network_id=s["network:sammenhaeng"],
                    title="Forsøg med anmeldte plejehjemstilsyn",
                    purpose="Kommunen fører anmeldte i stedet for uanmeldte tilsyn på plejecentre, "
                    "så forstanderen er til stede og tilsynet giver systematisk læring.",
                    period=Period(start=D(2017, 9, 1), end=D(2018, 4, 30)),
                    municipalities=("101",),
                ),
            ),
        )

    @s.on(D(2017, 8, 1))
    def enrol(s: Script) -> None:
        for label, name, cvr in (
            ("institution:oesterbro", "Plejecenter Østerbro", "29556814"),
            ("institution:valby", "Plejecenter Valby", "29556822"),
        ):
            s.keep(
                label,
                app.enrol_institution(
                    s.env(COUNCIL, D(2017, 8, 1), "Udvalgt til forsøget af forvaltningen"),
                    s["trial:plejehjemstilsyn"],
                    plejehjem(name, "101", cvr),
                ),
            )

    @s.on(D(2017, 8, 10))
    def request(s: Script) -> None:
        s.keep(
            "exemption:anmeldte-tilsyn",
            app.request_exemption(
                s.env(COUNCIL, D(2017, 8, 10), "Forstandere har efterlyst anmeldte tilsyn"),
                s["trial:plejehjemstilsyn"],
                RequestExemption(
                    municipality="101",
                    rule=LegalReference.parse(SERVICELOVEN, "§ 151, stk. 2", "serviceloven"),
                    level=RuleLevel.STATE,
                    category=RuleCategory.TILSYNSFORM,
                    description="Tilsyn på plejecentre må være anmeldte i stedet for uanmeldte.",
                ),
            ),
        )

    @s.on(D(2017, 8, 25))
    def grant(s: Script) -> None:
        app.grant_exemption(
            s.env(
                CASEWORKER,
                D(2017, 8, 25),
                "Tilsynets form ændres, tilsynet består",
                FRIKOMMUNELOV,
                case="2017-4127",
            ),
            s["exemption:anmeldte-tilsyn"],
            GrantExemption(
                validity=Period(start=D(2017, 9, 1), end=D(2018, 4, 30)),
                conditions=("Tilsynet varsles højst 14 dage før besøget.",),
            ),
        )
        s.keep(
            "goal:laering",
            app.set_goal(
                s.env(COUNCIL, D(2017, 8, 25), "Forsøgets effekt skal kunne måles"),
                s["trial:plejehjemstilsyn"],
                SetGoal(
                    terms=GoalTerms(
                        indicator="Andel plejecentre med systematisk opfølgning på tilsyn",
                        definition=(
                            "Plejecentre med skriftlig handleplan inden 30 dage efter tilsyn"
                        ),
                        unit="%",
                        data_source="Sundheds- og Omsorgsforvaltningens tilsynsdatabase",
                        baseline=Measure(value=Decimal("40"), on=D(2017, 9, 1)),
                        target=Measure(value=Decimal("80"), on=D(2018, 4, 30)),
                        direction=Direction.HIGHER,
                        frequency=Frequency.QUARTERLY,
                    )
                ),
            ),
        )

    s.measurements(
        "goal:laering",
        INSPECTOR,
        "Kvartalsopgørelse",
        "Tilsynsdatabasen",
        [
            (D(2017, 10, 1), D(2017, 12, 31), "55", D(2018, 1, 10)),
            (D(2018, 1, 1), D(2018, 3, 31), "70", D(2018, 4, 10)),
        ],
    )

    @s.on(D(2018, 4, 30), 16)
    def end_trial(s: Script) -> None:
        app.end_trial(
            s.env(CASEWORKER, D(2018, 4, 30), "Forsøgsperioden er udløbet"),
            s["trial:plejehjemstilsyn"],
            EndTrial(ended_on=D(2018, 4, 30)),
        )

    @s.on(D(2018, 9, 14))
    def correct(s: Script) -> None:
        goal = s["goal:laering"]
        measured = app.history(goal)[-1]
        s.keep(
            "correction:maaling",
            app.correct(
                s.env(INSPECTOR, D(2018, 9, 14), "Fejl i datatræk opdaget ved evalueringen"),
                Correct(
                    aggregate_id=goal,
                    event_id=measured.event_id,
                    field="value",
                    new_value="68",
                    reason="Datatrækket talte to plejecentre dobbelt; korrekt værdi er 68 %.",
                ),
            ),
        )

    @s.on(D(2018, 10, 1))
    def evaluate(s: Script) -> None:
        app.publish_evaluation(
            s.env(COUNCIL, D(2018, 10, 1), "Evaluering af tilsynskonceptet"),
            s["trial:plejehjemstilsyn"],
            PublishEvaluation(
                kind=EvaluationKind.FINAL,
                evaluator="Sundheds- og Omsorgsforvaltningen",
                published_on=D(2018, 10, 1),
                location="Københavns Kommune, Sundheds- og Omsorgsudvalgets møde 2018-10-01",
                summary="Anmeldte tilsyn gav bedre dialog og flere handleplaner.",
            ),
        )
