"""A goal's state findings kept ready to extend: a later measurement adds to them in O(1).

Most of the log is measurements, and a measurement changes only its own goal's gaps and
measurements outside the trial. Recomputed from all of them, a goal costs time in proportion
to how often it was measured, at each measurement. One whose period ends after every earlier
one only closes the goal's last open gap and opens the next: the tail makes just those rows.

It mirrors `Spanner.open_gaps` and `measurements_outside` for one goal, in their order. It is
built from the generic path's rows and trusted only if it makes exactly those rows again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from frispor.domain.goal import Goal, Measurement
from frispor.domain.institution import Institution
from frispor.domain.trial import Trial
from frispor.domain.values import Period
from frispor.projections.audit.days import measure_by
from frispor.projections.audit.finding import Finding
from frispor.projections.audit.record import Record
from frispor.projections.audit.spans import DAY, ONE_DAY, Span
from frispor.projections.findings import Delta, Keyed, key_of, version_of
from frispor.projections.view import Version


@dataclass
class Tail:
    """One goal's state findings in the generic path's order, and what makes the next ones."""

    indicator: str
    frequency: str
    period: Period  # the trial's, in force
    months: int
    start: date  # the first checkpoint: the baseline's day, or the trial's start if later
    trial: str
    institution: str | None
    municipality: str | None
    area: str | None
    positions: list[int]  # the goal's Set and Revised events'
    ends: list[date] = field(default_factory=list)  # the measurements' ends, sorted
    outside: list[Keyed] = field(default_factory=list)
    closed: list[Keyed] = field(default_factory=list)
    opens: list[Keyed | None] = field(default_factory=list)  # one per checkpoint, if open
    # How many rows have each identity: a row replaces another of the same identity, so
    # where two coincide the generic path decides (the later one wins).
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def rows(self) -> dict[tuple[Any, ...], Version]:
        """The goal's rows by span, as the generic path orders them."""
        opens = [o for o in self.opens if o is not None]
        return {k: v for k, v in [*self.outside, *self.closed, *opens]}

    def measured(self, m: Measurement, position: int) -> Delta | None:
        """Take one more measurement; the rows it changes, or None (nothing taken) if only a
        recount can say: measured out of period order, or rows of one identity coinciding."""
        end = m.period.end
        if self.ends and end < self.ends[-1]:
            return None  # every later gap moves
        outside = None if self.period.contains(m.period) else self._outside(m, position)
        checkpoint = self.ends[-1] if self.ends else self.start
        closed = None
        if end > measure_by(checkpoint, self.months):
            closed = self._gap(checkpoint, end.isoformat(), end, None)
        was = self.opens[-1]
        now = None  # the gap open after the last checkpoint, now closed by this measurement
        if was is not None and measure_by(checkpoint, self.months) + ONE_DAY <= end - ONE_DAY:
            now = self._until(was, end - ONE_DAY)
        following = self._open(end, date.max)
        removed = [was[1]] if was is not None else []
        added = [k[1] for k in (outside, closed, now, following) if k is not None]
        # Where two rows have one identity, the later in the generic order wins: not here.
        change: dict[tuple[str, str], int] = {}
        for v in added:
            change[v.identity] = change.get(v.identity, 0) + 1
        for v in removed:
            change[v.identity] = change.get(v.identity, 0) - 1
        for identity, more in change.items():
            held = self.counts.get(identity, 0)
            if held > 1 or held + more > 1:
                return None
        delta: Delta = {v.identity: None for v in removed}
        delta |= {v.identity: v for v in added}
        if was is not None and now is not None and was[1] == now[1]:
            del delta[was[1].identity]
        for identity, more in change.items():
            self.counts[identity] += more
        if outside is not None:
            self.outside.append(outside)
        if closed is not None:
            self.closed.append(closed)
        self.ends.append(end)
        self.opens[-1:] = [now, following]
        return delta

    def _until(self, gap: Keyed, last: date) -> Keyed:
        """An open gap's row, open until `last` now: the same finding, its days cut short."""
        key, version = gap
        # A span's key ends with valid_from, valid_to, cap, delay, municipality, area.
        cut = (*key[:-5], last, *key[-4:])
        return cut, version._replace(valid_to=last.isoformat())

    def _open(self, start: date, last: date) -> Keyed | None:
        """The gap open after a checkpoint until `last` (the day before the next measurement
        ends), if there is one."""
        by = measure_by(start, self.months)
        if self.period.end > by and by + ONE_DAY <= last:
            return self._gap(start, DAY, by + ONE_DAY, (last, self.period.end))
        return None

    def _gap(
        self, start: date, end: str, valid_from: date, open_until: tuple[date, date] | None
    ) -> Keyed:
        finding = Finding(
            "goal-not-measured",
            "medium",
            "Result goal not measured as often as set",
            f"'{self.indicator}' is measured {self.frequency}, but no "
            f"measurement covers {start} → {end}.",
            self.trial,
            self.institution,
            valid_from.isoformat() if open_until is None else "",
            self.positions,
        )
        if open_until is None:
            return self._keyed(finding, valid_from)
        return self._keyed(finding, valid_from, *open_until)

    def _outside(self, m: Measurement, position: int) -> Keyed:
        finding = Finding(
            "measurement-outside-trial",
            "low",
            "Measurement outside the trial period",
            f"'{self.indicator}' measured {m.period}, outside {self.period}.",
            self.trial,
            self.institution,
            m.period.start.isoformat(),
            [position],
        )
        return self._keyed(finding, m.period.start)

    def _keyed(
        self, finding: Finding, valid_from: date, valid_to: date = date.max, cap: date | None = None
    ) -> Keyed:
        """A finding's row, placed in its institution's municipality and its trial's area."""
        span = Span(finding, valid_from, valid_to, cap, 0, self.municipality, self.area)
        return key_of(span), version_of(span)


def tail_of(record: Record, goal_id: UUID, rows: dict[tuple[Any, ...], Version]) -> Tail | None:
    """A goal's tail as its state stands, if it makes exactly `rows` (the generic path's)."""
    goal = record.state(goal_id)
    if not isinstance(goal, Goal):
        return None
    trial = record.state(goal.trial_id)
    if not isinstance(trial, Trial):
        return None
    inst = record.state(goal.institution_id) if goal.institution_id else None
    events = record.events[goal_id]
    tail = Tail(
        goal.terms.indicator,
        goal.terms.frequency.value,
        trial.in_force,
        goal.terms.frequency.months,
        max(goal.terms.baseline.on, trial.in_force.start),
        str(goal.trial_id),
        str(goal.institution_id) if goal.institution_id is not None else None,
        inst.municipality if isinstance(inst, Institution) else None,
        trial.area.value,
        sorted(record.position(e) for e in events if isinstance(e, (Goal.Set, Goal.Revised))),
    )
    for m in goal.measurements:
        if not tail.period.contains(m.period):
            tail.outside.append(tail._outside(m, record.position(events[m.recorded_version - 1])))
    tail.ends = sorted(m.period.end for m in goal.measurements)
    checkpoints = [tail.start, *tail.ends]
    for start, end in zip(checkpoints, tail.ends, strict=False):
        if end > measure_by(start, tail.months):
            tail.closed.append(tail._gap(start, end.isoformat(), end, None))
    lasts = [*(end - ONE_DAY for end in tail.ends), date.max]
    tail.opens = [tail._open(start, last) for start, last in zip(checkpoints, lasts, strict=True)]
    made = tail.rows()
    if list(made) != list(rows) or made != rows:
        return None
    tail.counts.update(v.identity for v in made.values())
    return tail
