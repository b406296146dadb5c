"""The review's findings with the days each holds: what the findings read model stores.

A finding holds from the day it arises to the day it is resolved (valid time). Two kinds depend
on the day asked: an order is overdue from the day after its deadline until it is complied with
or escalated, and a goal's open gap ends on the day asked (capped at the trial's end). Their
rows keep the days that decide it; the query fills in the day asked, so no job rewrites rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from uuid import UUID

from frispor.domain.aggregate import Corrected, Event
from frispor.domain.goal import Goal
from frispor.domain.inspection import Order, OrderStatus
from frispor.domain.institution import Institution
from frispor.domain.trial import Trial
from frispor.projections.audit.days import measure_by
from frispor.projections.audit.finding import Finding
from frispor.projections.audit.record import A, Record
from frispor.projections.audit.review import Reviewer
from frispor.projections.timeline import segments

# Stand-ins in a stored explanation for the day asked and the finding's day as of then.
AS_OF = "\u27e8as_of\u27e9"
DAY = "\u27e8day\u27e9"
# The smallest late-recording setting: rows keep every delay above it, the query filters.
LEAST_LATE = 1
ONE_DAY = timedelta(days=1)
# The kinds with state findings, each only from its own checks.
KINDS = ("Inspection", "Exemption", "Goal", "Order")


@dataclass(frozen=True)
class Span:
    """A finding and the days it holds; `cap` set: its day is min(day asked, cap)."""

    finding: Finding
    valid_from: date
    valid_to: date = date.max
    cap: date | None = None
    delay: int = 0
    municipality: str | None = None
    area: str | None = None


class Spanner(Reviewer):
    """The reviewer's checks, each finding with its days instead of for one day."""

    def __init__(self, record: Record, only: UUID | None = None) -> None:
        super().__init__(record, date.max, LEAST_LATE)
        self.spans: list[Span] = []
        self.only = only  # set: the findings of this one aggregate only

    def subjects(self, kind: type[A]) -> list[A]:
        """Every aggregate of a kind, or the one asked for if it is of that kind."""
        if self.only is None:
            return super().subjects(kind)
        state = self.record.state(self.only)
        return [state] if isinstance(state, kind) else []

    def state_spans(self, kind: str | None = None) -> list[Span]:
        """The findings of the aggregates' states (not of single events), with their days.

        With `kind` (that of the one aggregate asked for), only the checks of that kind run:
        the others find nothing in it.
        """
        if kind in (None, "Inspection"):
            self.announced_inspections()
        if kind in (None, "Exemption"):
            self.exemptions_beyond_trial_and_grantors()
        if kind in (None, "Goal"):
            self.measurements_outside()
        self._fixed()
        if kind in (None, "Goal"):
            self.open_gaps()
        if kind in (None, "Order"):
            self.overdue_orders_spans()
        return [self._placed(s) for s in self.spans]

    def event_spans(self, event: Event) -> list[Span]:
        """The findings one event makes by itself (recorded late, a correction)."""
        self.late_or_corrected(event)
        for f in self.findings:
            delay = 0
            if f.code == "late-recording":
                delay = (event.timestamp.date() - event.effective_on).days
            self.spans.append(Span(f, date.fromisoformat(f.day), delay=delay))
        self.findings = []
        return [self._placed(s) for s in self.spans]

    def _fixed(self) -> None:
        """Findings made so far hold from their day on."""
        self.spans += [Span(f, date.fromisoformat(f.day)) for f in self.findings]
        self.findings = []

    def _context(self, aggregate_id: UUID) -> tuple[UUID | None, UUID | None]:
        # What an aggregate is about is set when it is created: read there, not replayed.
        events = self.record.events.get(aggregate_id)
        first = events[0] if events else None
        if isinstance(first, Trial.Approved):
            return aggregate_id, None
        if isinstance(first, Institution.Enrolled):
            return first.trial_id, aggregate_id
        return getattr(first, "trial_id", None), getattr(first, "institution_id", None)

    def _placed(self, span: Span) -> Span:
        """The span with its institution's municipality and its trial's area."""
        f = span.finding
        trial = self.record.state(UUID(f.trial_id)) if f.trial_id else None
        inst = self.record.state(UUID(f.institution_id)) if f.institution_id else None
        return Span(
            f,
            span.valid_from,
            span.valid_to,
            span.cap,
            span.delay,
            inst.municipality if isinstance(inst, Institution) else None,
            trial.area.value if isinstance(trial, Trial) else None,
        )

    def open_gaps(self) -> None:
        """A goal's gaps between measurements, and the open gap after the last one so far."""
        for goal, trial in self.goals():
            period = trial.in_force
            months = goal.terms.frequency.months
            ends = sorted(m.period.end for m in goal.measurements)
            checkpoints = [max(goal.terms.baseline.on, period.start), *ends]
            for start, end in zip(checkpoints, ends, strict=False):
                if end > measure_by(start, months):
                    self._gap(goal, start, end.isoformat(), end, None)
            for k, start in enumerate(checkpoints):
                # Open after `start` while no later measurement has ended, overdue from `by` on.
                by = measure_by(start, months)
                last = ends[k] - ONE_DAY if k < len(ends) else date.max
                if period.end > by and by + ONE_DAY <= last:
                    self._gap(goal, start, DAY, by + ONE_DAY, (last, period.end))

    def _gap(
        self,
        goal: Goal,
        start: date,
        end: str,
        valid_from: date,
        open_until: tuple[date, date] | None,
    ) -> None:
        self.add_goal_gap(goal, start, end, valid_from)
        f = self.findings.pop()
        if open_until is None:
            self.spans.append(Span(f, valid_from))
        else:
            self.spans.append(Span(replace(f, day=""), valid_from, *open_until))

    def overdue_orders_spans(self) -> None:
        """An open order from the day after its deadline until compliance or escalation."""
        orders: Iterable[tuple[UUID, list[Event]]] = self.record.events.items()
        if self.only is not None:
            orders = [(self.only, self.record.events.get(self.only, []))]
        for aggregate_id, events in orders:
            if not events or not isinstance(events[0], Order.Issued):
                continue
            steps = [
                (day, s.status, s.deadline, s.requirement, s.trial_id, s.institution_id)
                for day, s in segments(events)
                if isinstance(s, Order)
            ]
            positions = self.pos(aggregate_id)
            for i, (day, status, deadline, requirement, trial, inst) in enumerate(steps):
                last = steps[i + 1][0] - ONE_DAY if i + 1 < len(steps) else date.max
                first = max(day, deadline + ONE_DAY)
                if status is not OrderStatus.OPEN or first > last:
                    continue
                self.add(
                    "order-overdue",
                    "high",
                    "Order past its deadline, not followed up",
                    f"The order '{requirement}' had deadline {deadline}; by "
                    f"{AS_OF} neither compliance nor escalation is recorded.",
                    trial,
                    inst,
                    positions,
                    deadline,
                )
                self.spans.append(Span(self.findings.pop(), first, last))


def state_spans(record: Record, trial: UUID, only: UUID | None = None) -> list[Span]:
    """The state findings of a trial's group (its aggregates, network and programme).

    With `only`, those of that one aggregate of the group (an inspection, exemption, goal or
    order): the group's findings are the union of theirs.
    """
    kind = None
    if only is not None and (events := record.events.get(only)):
        kind = type(events[0]).__qualname__.partition(".")[0]
    spans = Spanner(record, only).state_spans(kind if kind in KINDS else None)
    return [s for s in spans if s.finding.trial_id == str(trial)]


def event_spans(record: Record, event: Event) -> list[Span]:
    """The findings one event of the record makes by itself."""
    if not isinstance(event, Corrected) and (
        event.bookkeeping or (event.timestamp.date() - event.effective_on).days <= LEAST_LATE
    ):
        return []  # recorded in time (most events): not late at any setting the query takes
    return Spanner(record).event_spans(event)
