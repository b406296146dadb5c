"""The legal-certainty review: findings over the record, each naming the events behind it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from frispor.domain.aggregate import Corrected, Event
from frispor.domain.errors import IncompetentGrantorError
from frispor.domain.exemption import Exemption, require_competent
from frispor.domain.goal import Goal
from frispor.domain.inspection import Inspection, Order, OrderStatus
from frispor.domain.institution import Institution
from frispor.domain.programme import Network, Programme
from frispor.domain.trial import Trial
from frispor.domain.values import RuleCategory
from frispor.projections.audit.days import in_force_days, measure_by
from frispor.projections.audit.finding import SEVERITY, Finding
from frispor.projections.audit.record import A, Record


class Reviewer:
    """Computes the findings of a record as of a day."""

    def __init__(self, record: Record, as_of: date, late_after_days: int = 30) -> None:
        self.record, self.as_of, self.late_after = record, as_of, late_after_days
        self.findings: list[Finding] = []

    def pos(self, aggregate_id: UUID, *types: type[Event]) -> list[int]:
        """Positions of an aggregate's events (of the given types)."""
        return [
            self.record.position(e)
            for e in self.record.events.get(aggregate_id, [])
            if not types or isinstance(e, types)
        ]

    def add(
        self,
        code: str,
        severity: str,
        title: str,
        why: str,
        trial: object,
        institution: object,
        positions: list[int],
        day: date,
    ) -> None:
        """Record a finding about the given day."""
        self.findings.append(
            Finding(
                code,
                severity,
                title,
                why,
                _s(trial),
                _s(institution),
                day.isoformat(),
                sorted(positions),
            )
        )

    def run(self) -> list[Finding]:
        """Every check, then the findings sorted by severity and position."""
        self.announced_inspections()
        self.exemptions_beyond_trial_and_grantors()
        self.goals_and_measurements()
        self.overdue_orders()
        self.late_recordings_and_corrections()
        return sorted(
            self.findings, key=lambda f: (SEVERITY.index(f.severity), f.positions[:1], f.code)
        )

    def subjects(self, kind: type[A]) -> list[A]:
        """The aggregates of a kind whose findings are asked for, as they stand."""
        return self.record.of_type(kind)

    def exemption_on(self, day: date, trial_id: UUID, institution: Institution) -> Exemption | None:
        """An exemption from the unannounced-inspection rule in force that day, as of that day."""
        for aggregate_id, events in self.record.events.items():
            if not events or not isinstance(events[0], Exemption.Requested):
                continue
            x = self.record.state(aggregate_id, day)
            if (
                isinstance(x, Exemption)
                and x.category is RuleCategory.TILSYNSFORM
                and x.trial_id == trial_id
                and x.municipality == institution.municipality
                and x.institution_id in (None, institution.id)
                and (days := in_force_days(x)) is not None
                and days[0] <= day <= days[1]
            ):
                return x
        return None

    def announced_inspections(self) -> None:
        """An announced inspection on a day with no exemption from the unannounced rule."""
        for inspection in self.subjects(Inspection):
            day = inspection.performed_on or inspection.planned_on
            if not inspection.announced or day > self.as_of:
                continue
            institution = self.record.state(inspection.institution_id)
            if not isinstance(institution, Institution):
                continue
            if self.exemption_on(day, inspection.trial_id, institution) is None:
                self.add(
                    "announced-without-exemption",
                    "high",
                    "Announced inspection without an exemption in force",
                    f"{inspection.authority} inspected {institution.name} announced on {day} "
                    f"(notice {inspection.notice_date}); no exemption from the requirement of "
                    "unannounced inspections was in force for it that day.",
                    inspection.trial_id,
                    institution.id,
                    self.pos(inspection.id),
                    day,
                )

    def exemptions_beyond_trial_and_grantors(self) -> None:
        """Exemptions in force outside their trial's period, or granted by the wrong body."""
        for x in self.subjects(Exemption):
            trial = self.record.state(x.trial_id)
            days = in_force_days(x)
            if isinstance(trial, Trial) and days is not None:
                period = trial.in_force
                if days[1] > period.end or days[0] < period.start:
                    self.add(
                        "exemption-outside-trial",
                        "high",
                        "Exemption in force outside its trial's period",
                        f"{x.rule} is in force {days[0]} → {days[1]}, but the trial "
                        f"'{trial.title}' runs {period}.",
                        x.trial_id,
                        x.institution_id,
                        self.pos(x.id) + self.pos(trial.id, Trial.Ended, Trial.Extended),
                        min(days[1], max(days[0], period.end)),
                    )
                network = self.record.state(trial.network_id)
                programme = self.record.state(trial.programme_id)
                if x.grantor and isinstance(network, Network) and isinstance(programme, Programme):
                    try:
                        require_competent(x.grantor, x.level, x.municipality, programme, network)
                    except IncompetentGrantorError as error:
                        self.add(
                            "incompetent-grantor",
                            "high",
                            "Granted by an incompetent grantor",
                            error.message,
                            x.trial_id,
                            x.institution_id,
                            self.pos(x.id, Exemption.Granted, Corrected),
                            days[0],
                        )

    def goals_and_measurements(self) -> None:
        """Goals measured less often than promised; measurements outside the trial period."""
        self.goal_gaps()
        self.measurements_outside()

    def goals(self) -> Iterator[tuple[Goal, Trial]]:
        """Every goal with its trial as they stand."""
        for goal in self.subjects(Goal):
            trial = self.record.state(goal.trial_id)
            if isinstance(trial, Trial):
                yield goal, trial

    def goal_gaps(self) -> None:
        """Goals measured less often than promised, up to the review's day."""
        for goal, trial in self.goals():
            period = trial.in_force
            months = goal.terms.frequency.months
            ends = sorted(m.period.end for m in goal.measurements if m.period.end <= self.as_of)
            last_day = min(self.as_of, period.end)
            checkpoints = [max(goal.terms.baseline.on, period.start), *ends]
            gaps = [
                (a, b)
                for a, b in zip(checkpoints, [*ends, last_day], strict=True)
                if b > measure_by(a, months)
            ]
            for start, end in gaps:
                self.add_goal_gap(goal, start, end, end)

    def add_goal_gap(self, goal: Goal, start: date, end: object, day: date) -> None:
        """A goal with no measurement covering start → end (a day, or a stand-in for one)."""
        self.add(
            "goal-not-measured",
            "medium",
            "Result goal not measured as often as set",
            f"'{goal.terms.indicator}' is measured {goal.terms.frequency.value}, but no "
            f"measurement covers {start} → {end}.",
            goal.trial_id,
            goal.institution_id,
            self.pos(goal.id, Goal.Set, Goal.Revised),
            day,
        )

    def measurements_outside(self) -> None:
        """Measurements of a period outside the trial's."""
        for goal, trial in self.goals():
            period = trial.in_force
            for m in goal.measurements:
                if not period.contains(m.period):
                    self.add(
                        "measurement-outside-trial",
                        "low",
                        "Measurement outside the trial period",
                        f"'{goal.terms.indicator}' measured {m.period}, outside {period}.",
                        goal.trial_id,
                        goal.institution_id,
                        [self._version_pos(goal.id, m)],
                        m.period.start,
                    )

    def _version_pos(self, goal_id: UUID, m: Any) -> int:
        events = self.record.events[goal_id]
        return self.record.position(events[m.recorded_version - 1])

    def overdue_orders(self) -> None:
        """Orders past their deadline with neither compliance nor escalation recorded."""
        for order in self.record.of_type(Order, self.as_of):
            if order.status is OrderStatus.OPEN and order.deadline < self.as_of:
                self.add(
                    "order-overdue",
                    "high",
                    "Order past its deadline, not followed up",
                    f"The order '{order.requirement}' had deadline {order.deadline}; by "
                    f"{self.as_of} neither compliance nor escalation is recorded.",
                    order.trial_id,
                    order.institution_id,
                    self.pos(order.id),
                    order.deadline,
                )

    def late_recordings_and_corrections(self) -> None:
        """Decisions recorded long after they took effect; corrections of earlier events."""
        for event in self.record.all_events():
            self.late_or_corrected(event)

    def late_or_corrected(self, event: Event) -> None:
        """The finding one event makes by itself: recorded late, or a correction."""
        trial, institution = self._context(event.originator_id)
        if isinstance(event, Corrected):
            self.add(
                "retroactive-correction",
                "medium",
                "Earlier record corrected",
                f"On {event.timestamp:%Y-%m-%d} '{event.field}' of an earlier event was "
                f"corrected from {event.old_value!r} to {event.new_value!r}: {event.reason}",
                trial,
                institution,
                [self.record.position(event), *self._target_pos(event)],
                event.timestamp.date(),
            )
            return
        delay = (event.timestamp.date() - event.effective_on).days
        if event.bookkeeping:
            return
        if delay > self.late_after and event.effective_on <= self.as_of:
            self.add(
                "late-recording",
                "low",
                "Recorded long after it took effect",
                f"{type(event).__qualname__} took effect {event.effective_on} but was "
                f"recorded {event.timestamp:%Y-%m-%d}, {delay} days later.",
                trial,
                institution,
                [self.record.position(event)],
                event.effective_on,
            )

    def _target_pos(self, c: Corrected) -> list[int]:
        return [
            self.record.position(e)
            for e in self.record.events.get(c.originator_id, [])
            if e.event_id == c.corrected_event_id
        ]

    def _context(self, aggregate_id: UUID) -> tuple[UUID | None, UUID | None]:
        state = self.record.state(aggregate_id)
        if isinstance(state, Trial):
            return state.id, None
        if isinstance(state, Institution):
            return state.trial_id, state.id
        trial = getattr(state, "trial_id", None)
        return trial, getattr(state, "institution_id", None)


def review(
    record: Record,
    as_of: date | None = None,
    late_after_days: int = 30,
    trial: str | None = None,
    since: date | None = None,
) -> list[Finding]:
    """The findings of the record as of a day (today if None), for one trial, since a day.

    A finding about a day after `as_of` has not arisen yet as of that day.
    """
    day = as_of or datetime.now(UTC).date()
    findings = Reviewer(record, day, late_after_days).run()
    return [
        f
        for f in findings
        if (trial is None or f.trial_id == trial)
        and (since is None or f.day >= since.isoformat())
        and f.day <= day.isoformat()
    ]


def _s(value: object) -> str | None:
    return str(value) if value is not None else None
