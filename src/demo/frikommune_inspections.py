"""København's announced nursing-home inspections, their orders and what became of them."""

from __future__ import annotations

from datetime import date as D

from frispor.demo.actors import INSPECTOR, TILSYN
from frispor.demo.script import Script
from frispor.domain.commands import ComplyOrder, IssueOrder, PerformInspection, PlanInspection
from frispor.domain.inspection import Finding
from frispor.domain.values import (
    Assessment,
    InspectionKind,
)


def script(s: Script) -> None:
    """Register the inspection steps."""
    app = s.app
    plan = [
        # home, notice, visit, assessment, order deadline, complied on, performance recorded on
        (
            "oesterbro",
            D(2017, 10, 16),
            D(2017, 10, 30),
            Assessment.MINDRE,
            D(2017, 12, 31),
            D(2017, 12, 15),
            D(2017, 10, 30),
        ),
        (
            "valby",
            D(2018, 1, 8),
            D(2018, 1, 22),
            Assessment.STOERRE,
            D(2018, 3, 31),
            None,
            D(2018, 5, 30),
        ),
        ("oesterbro", D(2018, 5, 29), D(2018, 6, 12), Assessment.INGEN, None, None, D(2018, 6, 12)),
    ]
    for n, (home, notice, visit, assessment, deadline, complied, recorded) in enumerate(plan, 1):

        @s.on(notice)
        def announce(
            s: Script, n: int = n, home: str = home, notice: D = notice, visit: D = visit
        ) -> None:  # noqa: E501
            s.keep(
                f"inspection:{n}",
                app.plan_inspection(
                    s.env(INSPECTOR, notice, "Tilsynsplan 2017-2018", TILSYN),
                    PlanInspection(
                        institution_id=s[f"institution:{home}"],
                        kind=InspectionKind.PLANNED,
                        announced=True,
                        planned_on=visit,
                        notice_date=notice,
                    ),
                    authority="Københavns Kommune, Sundheds- og Omsorgsforvaltningen",
                ),
            )

        @s.on(recorded, 15)
        def perform(
            s: Script,
            n: int = n,
            visit: D = visit,
            assessment: Assessment = assessment,
            deadline: D | None = deadline,
        ) -> None:
            inspection = s[f"inspection:{n}"]
            app.perform_inspection(
                s.env(INSPECTOR, visit, "Tilsynsbesøg gennemført", TILSYN),
                inspection,
                PerformInspection(
                    performed_on=visit,
                    findings=(
                        Finding(
                            point="Medicinhåndtering",
                            observation="Dokumentation af medicingivning ikke ajourført"
                            if deadline
                            else "Ingen bemærkninger",
                            assessment=assessment,
                        ),
                        Finding(
                            point="Ernæring", observation="Ingen bemærkninger", assessment="ingen"
                        ),
                    ),
                    assessment=assessment,
                ),
            )
            if deadline is not None:
                s.keep(
                    f"order:{n}",
                    app.issue_order(
                        s.env(INSPECTOR, visit, "Påbud om ajourført medicindokumentation", TILSYN),
                        inspection,
                        IssueOrder(
                            requirement="Medicindokumentationen skal ajourføres for alle beboere.",
                            deadline=deadline,
                        ),
                    ),
                )

        if complied is not None:

            @s.on(complied)
            def comply(s: Script, n: int = n, complied: D = complied) -> None:
                app.comply_order(
                    s.env(INSPECTOR, complied, "Opfølgende besøg: påbuddet er efterkommet", TILSYN),
                    s[f"order:{n}"],
                    ComplyOrder(complied_on=complied),
                )
