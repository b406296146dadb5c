"""How each kind of import line runs its use case: the API's body, the line's references."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from frispor.api.schemas import commands as c
from frispor.domain.aggregate import Envelope
from frispor.domain.application import Frispor, Written

Refs = Mapping[str, UUID]


def programme(app: Frispor, env: Envelope, r: Refs, b: c.ProgrammeCreate) -> Written:
    return app.establish_programme(
        env,
        name=b.name,
        kind=b.kind,
        enabling_act=b.enabling_act.to_domain(),
        period=b.period,
        ministry=b.ministry,
        protected_categories=tuple(b.protected_categories),
        max_institutions_per_municipality=b.max_institutions_per_municipality,
    )


def network(app: Frispor, env: Envelope, r: Refs, b: c.NetworkCreate) -> Written:
    return app.designate_network(
        env,
        r["programme"],
        name=b.name,
        kind=b.kind,
        area=b.area,
        municipalities=tuple(b.municipalities),
        coordinator=b.coordinator,
        ministry=b.ministry,
    )


def trial(app: Frispor, env: Envelope, r: Refs, b: c.TrialCreate) -> Written:
    return app.approve_trial(
        env,
        b.network_id,
        title=b.title,
        purpose=b.purpose,
        period=b.period,
        municipalities=tuple(b.municipalities),
    )


def institution(app: Frispor, env: Envelope, r: Refs, b: c.InstitutionCreate) -> Written:
    return app.enrol_institution(
        env,
        r["trial"],
        name=b.name,
        kind=b.kind,
        municipality=b.municipality,
        ownership=b.ownership,
        cvr=b.cvr,
        p_number=b.p_number,
    )


def exemption(app: Frispor, env: Envelope, r: Refs, b: c.ExemptionCreate) -> Written:
    return app.request_exemption(
        env,
        r["trial"],
        municipality=b.municipality,
        rule=b.rule.to_domain(),
        level=b.level,
        category=b.category,
        description=b.description,
        institution_id=b.institution_id,
    )


def grant(app: Frispor, env: Envelope, r: Refs, b: c.ExemptionGrant) -> Written:
    return app.grant_exemption(
        env, r["exemption"], validity=b.validity, conditions=tuple(b.conditions)
    )


def amend(app: Frispor, env: Envelope, r: Refs, b: c.ExemptionAmend) -> Written:
    conditions = tuple(b.conditions) if b.conditions is not None else None
    return app.amend_exemption(env, r["exemption"], validity=b.validity, conditions=conditions)


def goal(app: Frispor, env: Envelope, r: Refs, b: c.GoalCreate) -> Written:
    return app.set_goal(env, r["trial"], b.terms, b.institution_id)


def measurement(app: Frispor, env: Envelope, r: Refs, b: c.MeasurementCreate) -> Written:
    return app.record_measurement(
        env, r["goal"], period=b.period, value=b.value, source=b.source, quality=b.quality
    )


def inspection(app: Frispor, env: Envelope, r: Refs, b: c.InspectionCreate) -> Written:
    return app.plan_inspection(
        env,
        b.institution_id,
        authority=env.actor.organisation,
        kind=b.kind,
        announced=b.announced,
        planned_on=b.planned_on,
        notice_date=b.notice_date,
    )


def perform(app: Frispor, env: Envelope, r: Refs, b: c.InspectionPerform) -> Written:
    return app.perform_inspection(
        env,
        r["inspection"],
        performed_on=b.performed_on,
        findings=tuple(b.findings),
        assessment=b.assessment,
    )


def complaint(app: Frispor, env: Envelope, r: Refs, b: c.ComplaintCreate) -> Written:
    return app.receive_complaint(
        env,
        r["trial"],
        complaint_body=env.actor.organisation,
        subject=b.subject,
        received_on=b.received_on,
        institution_id=b.institution_id,
    )


def correction(app: Frispor, env: Envelope, r: Refs, b: c.CorrectionCreate) -> Written:
    return app.correct(
        env,
        b.aggregate_id,
        event_id=b.event_id,
        field=b.field,
        new_value=b.new_value,
        reason=b.reason,
    )
