"""The demo's script runner: steps on a scripted clock, run in the order they were recorded."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

from frispor.domain.aggregate import Envelope
from frispor.domain.application import Frispor, Written
from frispor.domain.commands import RecordMeasurement
from frispor.domain.errors import DomainError
from frispor.domain.values import Actor, LegalReference, Period, Quality, Role

FRIKOMMUNELOV = LegalReference.parse("eli/lta/2017/658", "§ 1", "lov om frikommunenetværk")
SERVICELOVEN = "eli/lta/2017/988"


def actor(who: str, organisation: str, mandate: str | None = None) -> Actor:
    """A pseudonymous recorder acting for an organisation."""
    return Actor(id=who, role=Role.RECORDER, organisation=organisation, mandate=mandate)


@dataclass
class DemoResult:
    """What the demo loaded: ids by label, refused attempts, and whether it was already there."""

    already_loaded: bool = False
    partial: bool = False
    ids: dict[str, UUID] = field(default_factory=dict)
    refused: list[tuple[str, DomainError]] = field(default_factory=list)
    last_position: int = 0


Step = Callable[["Script"], None]
Measured = tuple[date, date, str, date]  # a period's start and end, the value, recorded on


class Script:
    """Collects dated steps, then runs them in recorded order on a scripted clock."""

    def __init__(self, app: Frispor) -> None:
        self.app = app
        self.result = DemoResult()
        self.steps: list[tuple[datetime, int, Step]] = []
        self.now = datetime(2000, 1, 1, tzinfo=UTC)

    def on(self, day: date, hour: int = 10) -> Callable[[Step], Step]:
        """Register a step recorded on that day."""

        def register(step: Step) -> Step:
            moment = datetime.combine(day, time(hour), tzinfo=UTC)
            self.steps.append((moment, len(self.steps), step))
            return step

        return register

    def run(self) -> DemoResult:
        """Run every step in recorded order with the app's clock scripted."""
        real_clock, self.app.clock = self.app.clock, self.clock
        try:
            for moment, _, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
                self.now = max(moment, self.now)
                step(self)
        finally:
            self.app.clock = real_clock
        return self.result

    def clock(self) -> datetime:
        """The scripted recorded time, a few milliseconds apart per event."""
        self.now += timedelta(milliseconds=10)
        return self.now

    def env(
        self, who: Actor, decided_on: date, why: str, *basis: LegalReference, case: str = ""
    ) -> Envelope:
        """An envelope for a decision."""
        return Envelope(
            actor=who,
            legal_basis=basis or (FRIKOMMUNELOV,),
            justification=why,
            case_number=case or None,
            decided_on=decided_on,
        )

    def measurements(
        self, goal: str, who: Actor, why: str, source: str, rows: Iterable[Measured]
    ) -> None:
        """Register a goal's measurements, each decided on its period's end, recorded later."""
        for row in rows:

            @self.on(row[3])
            def measure(s: Script, row: Measured = row) -> None:
                start, end, value, _ = row
                s.keep(
                    f"measurement:{end}",
                    s.app.record_measurement(
                        s.env(who, end, why),
                        s[goal],
                        RecordMeasurement(
                            period=Period(start=start, end=end),
                            value=Decimal(value),
                            source=source,
                            quality=Quality.FINAL,
                        ),
                    ),
                )

    def keep(self, label: str, written: Written) -> UUID:
        """Remember what a step wrote under a label."""
        self.result.ids[label] = written.id
        self.result.last_position = max(self.result.last_position, written.position)
        return written.id

    def __getitem__(self, label: str) -> UUID:
        return self.result.ids[label]

    def refused(self, label: str, attempt: Callable[[], Written]) -> None:
        """Run an attempt the rules must refuse, and keep the refusal to show it."""
        try:
            written = attempt()
        except DomainError as error:
            self.result.refused.append((label, error))
        else:
            raise AssertionError(f"the demo's {label} was not refused: {written}")
