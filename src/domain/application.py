"""The use cases: load aggregates, run one command, save, return the id and position written."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import Environment

from domain.aggregate import Aggregate, Clock, Context, Envelope, Event
from domain.complaint import Complaint
from domain.errors import ConcurrencyError, NotFoundError, StoreRefusedError
from domain.exemption import Exemption
from domain.export import Export
from domain.goal import Goal, GoalTerms
from domain.inspection import Finding, Inspection, Order
from domain.institution import Institution
from domain.programme import Network, Programme
from domain.store import APP_NAME, POSTGRES_APPEND_ONLY, SQLITE_APPEND_ONLY
from domain.trial import Trial
from domain.values import (
    Area,
    Assessment,
    ComplaintOutcome,
    EvaluationKind,
    InspectionKind,
    InstitutionKind,
    LegalReference,
    NetworkKind,
    Ownership,
    Period,
    ProgrammeKind,
    Quality,
    RuleCategory,
    RuleLevel,
)

A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class Written:
    """What a command wrote: the aggregate's id and version, and the event's global position."""

    id: UUID
    version: int
    position: int
    events: int = 1


@contextmanager
def _startup_lock(env: Mapping[str, str]) -> Iterator[psycopg.Connection[Any]]:
    """Hold a session advisory lock while the library creates its tables."""
    conn = psycopg.connect(
        host=env["POSTGRES_HOST"],
        port=env.get("POSTGRES_PORT", "5432"),
        dbname=env["POSTGRES_DBNAME"],
        user=env["POSTGRES_USER"],
        password=env.get("POSTGRES_PASSWORD") or None,
        connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT", "5")),
        autocommit=True,
    )
    try:
        conn.execute("SELECT pg_advisory_lock(hashtext('frispor-ddl-startup'))")
        yield conn
    finally:
        conn.close()


def utc_now() -> datetime:
    """The real clock: the recorded time of every event the API writes."""
    return datetime.now(UTC)


class Frispor(Application[UUID]):
    """The trail of the rule-exemption trials: every decision an immutable event."""

    name = APP_NAME

    def __init__(self, env: Mapping[str, str], clock: Clock = utc_now) -> None:
        self.clock = clock
        self.migrates = True
        if env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
            # The library creates its tables on start; two processes starting at once would
            # collide in the catalogue ("tuple concurrently updated"), so they take turns.
            with _startup_lock(env) as conn:
                schema = env.get("POSTGRES_SCHEMA") or "public"
                found = conn.execute("SELECT has_schema_privilege(%s, 'CREATE')", (schema,))
                # A role without DDL rights (INSERT and SELECT on the events) runs on a schema
                # migrated by its owner: then create nothing.
                self.migrates = bool((found.fetchone() or (True,))[0])
                if not self.migrates:
                    env = {**env, "CREATE_TABLE": "n"}
                super().__init__(dict(env))
        else:
            super().__init__(dict(env))
        if self.migrates:
            self._guard_append_only()

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        """Use only the environment given (derived from Settings), never os.environ."""
        return Environment(name, dict(env or {}))

    def _guard_append_only(self) -> None:
        """Install the triggers that refuse UPDATE, DELETE and TRUNCATE on the events table."""
        datastore: Any = getattr(self.recorder, "datastore")  # noqa: B009
        if self.env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
            with datastore.transaction(commit=True) as curs:
                # Serialise with other processes starting at the same moment.
                curs.execute("SELECT pg_advisory_xact_lock(hashtext('frispor-ddl'))")
                curs.execute(f'SET LOCAL search_path TO "{datastore.schema}"')
                curs.execute(POSTGRES_APPEND_ONLY)
        elif self.env.get("PERSISTENCE_MODULE") == "eventsourcing.sqlite":
            with datastore.transaction(commit=True) as curs:
                for statement in SQLITE_APPEND_ONLY:
                    curs.execute(statement)

    # --- plumbing -------------------------------------------------------------------------

    def _ctx(self, envelope: Envelope, new_id: UUID | None = None) -> Context:
        return Context(envelope=envelope, recorded_at=self.clock(), new_id=new_id)

    def get(self, kind: type[A], aggregate_id: UUID, expected_version: int | None = None) -> A:
        """Load an aggregate of the given kind, or raise NotFoundError/ConcurrencyError."""
        agg: object
        try:
            agg = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            agg = None
        if not isinstance(agg, kind):
            raise NotFoundError(
                f"no {kind.__name__.lower()} with id {aggregate_id}",
                field="id",
                value=str(aggregate_id),
            )
        if expected_version is not None and agg.version != expected_version:
            raise ConcurrencyError(
                f"{kind.__name__.lower()} {aggregate_id} is at version {agg.version}, "
                f"not the expected {expected_version}",
                field="If-Match",
                value=expected_version,
            )
        return agg

    def _write(self, main: Aggregate, *others: Aggregate) -> Written:
        pending = [e for agg in (main, *others) for e in agg.pending_events]
        try:
            recordings = self.save(main, *others)
        except IntegrityError:
            if any(self._taken(e) for e in pending):
                raise ConcurrencyError(
                    f"another decision on {type(main).__name__.lower()} {main.id} was "
                    "recorded first; reload and try again",
                    field="version",
                ) from None
            # No version clash: a constraint of the database refused the events.
            raise StoreRefusedError(
                "the event store refused the decision (a constraint of the database); "
                "nothing was recorded"
            ) from None
        position = max((r.notification.id for r in recordings), default=0)
        return Written(id=main.id, version=main.version, position=position, events=len(recordings))

    def _taken(self, event: Event) -> bool:
        """Whether an event is stored already at `event`'s aggregate and version."""
        version = event.originator_version
        return bool(self.recorder.select_events(event.originator_id, gt=version - 1, lte=version))

    def history(self, aggregate_id: UUID) -> list[Event]:
        """Every event of one aggregate, oldest first."""
        events = [e for e in self.events.get(aggregate_id) if isinstance(e, Event)]
        if not events:
            raise NotFoundError(f"no aggregate with id {aggregate_id}", field="id")
        return events

    # --- programmes, networks, trials ------------------------------------------------------

    def establish_programme(
        self,
        envelope: Envelope,
        *,
        name: str,
        kind: ProgrammeKind,
        enabling_act: LegalReference,
        period: Period,
        ministry: str,
        protected_categories: tuple[RuleCategory, ...],
        max_institutions_per_municipality: int | None = None,
        new_id: UUID | None = None,
    ) -> Written:
        """Establish a trial programme."""
        programme = Programme.establish(
            self._ctx(envelope, new_id),
            name=name,
            kind=kind,
            enabling_act=enabling_act,
            period=period,
            ministry=ministry,
            protected_categories=protected_categories,
            max_institutions_per_municipality=max_institutions_per_municipality,
        )
        return self._write(programme)

    def designate_network(
        self,
        envelope: Envelope,
        programme_id: UUID,
        *,
        name: str,
        kind: NetworkKind,
        area: Area,
        municipalities: tuple[str, ...],
        coordinator: str | None = None,
        ministry: str | None = None,
    ) -> Written:
        """Designate a network or partnership in a programme."""
        programme = self.get(Programme, programme_id)
        network = Network.designate(
            self._ctx(envelope),
            programme,
            name=name,
            kind=kind,
            area=area,
            municipalities=municipalities,
            coordinator=coordinator,
            ministry=ministry,
        )
        return self._write(network)

    def approve_trial(
        self,
        envelope: Envelope,
        network_id: UUID,
        *,
        title: str,
        purpose: str,
        period: Period,
        municipalities: tuple[str, ...],
    ) -> Written:
        """Approve a trial in a network."""
        network = self.get(Network, network_id)
        programme = self.get(Programme, network.programme_id)
        trial = Trial.approve(
            self._ctx(envelope),
            programme,
            network,
            title=title,
            purpose=purpose,
            period=period,
            municipalities=municipalities,
        )
        return self._write(trial)

    def enrol_institution(
        self,
        envelope: Envelope,
        trial_id: UUID,
        *,
        name: str,
        kind: InstitutionKind,
        municipality: str,
        ownership: Ownership,
        cvr: str | None = None,
        p_number: str | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Enrol an institution in a trial, within the programme's limit per municipality."""
        ctx = self._ctx(envelope)
        trial = self.get(Trial, trial_id, expected_version)
        network = self.get(Network, trial.network_id)
        programme = self.get(Programme, trial.programme_id)
        institution = Institution.enrol(
            ctx,
            trial,
            network,
            name=name,
            kind=kind,
            municipality=municipality,
            ownership=ownership,
            cvr=cvr,
            p_number=p_number,
        )
        # Counted on the network in the same transaction: its version serialises enrolments.
        network.count_enrolment(ctx, programme, institution.id, trial.id, municipality)
        return self._write(institution, network)

    def extend_trial(
        self, envelope: Envelope, trial_id: UUID, new_end: date, expected_version: int | None = None
    ) -> Written:
        """Extend a trial to a later end."""
        trial = self.get(Trial, trial_id, expected_version)
        trial.extend(self._ctx(envelope), new_end)
        return self._write(trial)

    def end_trial(
        self,
        envelope: Envelope,
        trial_id: UUID,
        ended_on: date,
        expected_version: int | None = None,
    ) -> Written:
        """End a trial; every exemption it granted that is still in force expires with it."""
        ctx = self._ctx(envelope)
        trial = self.get(Trial, trial_id, expected_version)
        trial.end(ctx, ended_on)
        expired = []
        for exemption_id in trial.exemption_ids:
            exemption = self.get(Exemption, exemption_id)
            if exemption.expire(ctx, ended_on):
                expired.append(exemption)
        return self._write(trial, *expired)

    def make_trial_permanent(
        self,
        envelope: Envelope,
        trial_id: UUID,
        permanent_from: date,
        expected_version: int | None = None,
    ) -> Written:
        """Record that a trial was made permanent."""
        trial = self.get(Trial, trial_id, expected_version)
        trial.make_permanent(self._ctx(envelope), permanent_from)
        return self._write(trial)

    def publish_evaluation(
        self,
        envelope: Envelope,
        trial_id: UUID,
        *,
        kind: EvaluationKind,
        evaluator: str,
        published_on: date,
        location: str,
        summary: str = "",
    ) -> Written:
        """Record an evaluation of a trial."""
        trial = self.get(Trial, trial_id)
        trial.publish_evaluation(
            self._ctx(envelope),
            kind=kind,
            evaluator=evaluator,
            published_on=published_on,
            location=location,
            summary=summary,
        )
        return self._write(trial)

    # --- exemptions -------------------------------------------------------------------------

    def request_exemption(
        self,
        envelope: Envelope,
        trial_id: UUID,
        *,
        municipality: str,
        rule: LegalReference,
        level: RuleLevel,
        category: RuleCategory,
        description: str,
        institution_id: UUID | None = None,
    ) -> Written:
        """Request an exemption from one rule in a trial."""
        ctx = self._ctx(envelope)
        trial = self.get(Trial, trial_id)
        programme = self.get(Programme, trial.programme_id)
        institution = self.get(Institution, institution_id) if institution_id else None
        exemption = Exemption.request(
            ctx,
            programme,
            trial,
            municipality=municipality,
            rule=rule,
            level=level,
            category=category,
            description=description,
            institution=institution,
        )
        trial.file_exemption(ctx, exemption.id)
        return self._write(exemption, trial)

    def _exemption_context(
        self, exemption: Exemption
    ) -> tuple[Programme, Network, Trial, Institution | None]:
        trial = self.get(Trial, exemption.trial_id)
        institution = (
            self.get(Institution, exemption.institution_id) if exemption.institution_id else None
        )
        return (
            self.get(Programme, trial.programme_id),
            self.get(Network, trial.network_id),
            trial,
            institution,
        )

    def grant_exemption(
        self,
        envelope: Envelope,
        exemption_id: UUID,
        *,
        validity: Period,
        conditions: tuple[str, ...] = (),
        expected_version: int | None = None,
    ) -> Written:
        """Grant a requested exemption; the grantor is the actor's organisation."""
        exemption = self.get(Exemption, exemption_id, expected_version)
        programme, network, trial, institution = self._exemption_context(exemption)
        exemption.grant(
            self._ctx(envelope),
            programme,
            network,
            trial,
            validity=validity,
            conditions=conditions,
            institution=institution,
        )
        return self._write(exemption)

    def reject_exemption(
        self,
        envelope: Envelope,
        exemption_id: UUID,
        reason: str,
        expected_version: int | None = None,
    ) -> Written:
        """Reject a requested exemption."""
        exemption = self.get(Exemption, exemption_id, expected_version)
        exemption.reject(self._ctx(envelope), reason)
        return self._write(exemption)

    def amend_exemption(
        self,
        envelope: Envelope,
        exemption_id: UUID,
        *,
        validity: Period | None = None,
        conditions: tuple[str, ...] | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Amend a granted exemption's validity or conditions."""
        exemption = self.get(Exemption, exemption_id, expected_version)
        programme, network, trial, _ = self._exemption_context(exemption)
        exemption.amend(
            self._ctx(envelope),
            trial,
            programme,
            network,
            validity=validity,
            conditions=conditions,
        )
        return self._write(exemption)

    def revoke_exemption(
        self,
        envelope: Envelope,
        exemption_id: UUID,
        revoked_on: date,
        reason: str,
        expected_version: int | None = None,
    ) -> Written:
        """Revoke a granted exemption from a date."""
        exemption = self.get(Exemption, exemption_id, expected_version)
        exemption.revoke(self._ctx(envelope), revoked_on, reason)
        return self._write(exemption)

    # --- goals and measurements --------------------------------------------------------------

    def set_goal(
        self,
        envelope: Envelope,
        trial_id: UUID,
        terms: GoalTerms,
        institution_id: UUID | None = None,
    ) -> Written:
        """Set a result goal for a trial or one of its institutions."""
        trial = self.get(Trial, trial_id)
        if institution_id is not None:
            from domain.exemption import require_enrolled

            institution = self.get(Institution, institution_id)
            require_enrolled(institution, trial, institution.municipality)
        goal = Goal.set(self._ctx(envelope), trial, terms, institution_id)
        return self._write(goal)

    def revise_goal(
        self,
        envelope: Envelope,
        goal_id: UUID,
        terms: GoalTerms,
        expected_version: int | None = None,
    ) -> Written:
        """Revise a goal; the old terms stay in the record."""
        goal = self.get(Goal, goal_id, expected_version)
        goal.revise(self._ctx(envelope), terms)
        return self._write(goal)

    def record_measurement(
        self,
        envelope: Envelope,
        goal_id: UUID,
        *,
        period: Period,
        value: Decimal,
        source: str,
        quality: Quality = Quality.FINAL,
    ) -> Written:
        """Record a measurement of a goal's indicator."""
        goal = self.get(Goal, goal_id)
        goal.record(self._ctx(envelope), period=period, value=value, source=source, quality=quality)
        return self._write(goal)

    # --- inspections and orders --------------------------------------------------------------

    def plan_inspection(
        self,
        envelope: Envelope,
        institution_id: UUID,
        *,
        authority: str,
        kind: InspectionKind,
        announced: bool,
        planned_on: date,
        notice_date: date | None = None,
    ) -> Written:
        """Plan (or announce) an inspection of an enrolled institution."""
        institution = self.get(Institution, institution_id)
        inspection = Inspection.plan(
            self._ctx(envelope),
            institution,
            authority=authority,
            kind=kind,
            announced=announced,
            planned_on=planned_on,
            notice_date=notice_date,
        )
        return self._write(inspection)

    def perform_inspection(
        self,
        envelope: Envelope,
        inspection_id: UUID,
        *,
        performed_on: date,
        findings: tuple[Finding, ...],
        assessment: Assessment,
        expected_version: int | None = None,
    ) -> Written:
        """Record an inspection as performed, with findings and an assessment."""
        inspection = self.get(Inspection, inspection_id, expected_version)
        inspection.perform(
            self._ctx(envelope), performed_on=performed_on, findings=findings, assessment=assessment
        )
        return self._write(inspection)

    def publish_report(
        self, envelope: Envelope, inspection_id: UUID, *, published_on: date, location: str
    ) -> Written:
        """Record that an inspection's report was published."""
        inspection = self.get(Inspection, inspection_id)
        inspection.publish_report(self._ctx(envelope), published_on=published_on, location=location)
        return self._write(inspection)

    def issue_order(
        self, envelope: Envelope, inspection_id: UUID, *, requirement: str, deadline: date
    ) -> Written:
        """Issue an order (påbud) after an inspection."""
        inspection = self.get(Inspection, inspection_id)
        order = Order.issue(
            self._ctx(envelope), inspection, requirement=requirement, deadline=deadline
        )
        return self._write(order)

    def comply_order(
        self,
        envelope: Envelope,
        order_id: UUID,
        complied_on: date,
        expected_version: int | None = None,
    ) -> Written:
        """Record that an order was complied with."""
        order = self.get(Order, order_id, expected_version)
        order.comply(self._ctx(envelope), complied_on)
        return self._write(order)

    def escalate_order(
        self,
        envelope: Envelope,
        order_id: UUID,
        escalated_on: date,
        escalated_to: str,
        expected_version: int | None = None,
    ) -> Written:
        """Escalate an order that was not complied with."""
        order = self.get(Order, order_id, expected_version)
        order.escalate(self._ctx(envelope), escalated_on, escalated_to)
        return self._write(order)

    # --- complaints and corrections ------------------------------------------------------------

    def receive_complaint(
        self,
        envelope: Envelope,
        trial_id: UUID,
        *,
        complaint_body: str,
        subject: str,
        received_on: date,
        institution_id: UUID | None = None,
    ) -> Written:
        """Record a complaint about a trial or an institution in it."""
        trial = self.get(Trial, trial_id)
        if institution_id is not None:
            self.get(Institution, institution_id)
        complaint = Complaint.receive(
            self._ctx(envelope),
            trial,
            complaint_body=complaint_body,
            subject=subject,
            received_on=received_on,
            institution_id=institution_id,
        )
        return self._write(complaint)

    def decide_complaint(
        self,
        envelope: Envelope,
        complaint_id: UUID,
        outcome: ComplaintOutcome,
        expected_version: int | None = None,
    ) -> Written:
        """Record the decision on a complaint."""
        complaint = self.get(Complaint, complaint_id, expected_version)
        complaint.decide(self._ctx(envelope), outcome)
        return self._write(complaint)

    def record_export(self, envelope: Envelope, **facts: Any) -> Written:
        """Record in the trail that an export was made for an authority."""
        return self._write(Export.record(self._ctx(envelope), **facts))

    def correct(
        self,
        envelope: Envelope,
        aggregate_id: UUID,
        *,
        event_id: UUID,
        field: str,
        new_value: Any,
        reason: str,
        expected_version: int | None = None,
    ) -> Written:
        """Correct one field of an earlier event by a new event; nothing is overwritten."""
        agg = self.get(Aggregate, aggregate_id, expected_version)
        agg.correct(self._ctx(envelope), event_id, field, new_value, reason)
        return self._write(agg)
