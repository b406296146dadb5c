"""The kinds of decision an import holds: the API's own bodies, run through the same use cases."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from frispor.api import import_runs as runs
from frispor.api.schemas import commands as c
from frispor.domain.aggregate import Envelope
from frispor.domain.values import Actor
from frispor.imports.kinds import Kind

Refs = Mapping[str, UUID]


def envelope_of(body: Any, actor: Actor, correlation: UUID) -> Envelope:
    """A line's envelope: actor from the importer, the rest from the line, as the API does."""
    return Envelope(
        actor=actor,
        legal_basis=tuple(ref.to_domain() for ref in body.legal_basis),
        justification=body.justification,
        case_number=body.case_number,
        decided_on=body.decided_on,
        correlation_id=correlation,
        causation_id=body.causation_id,
    )


def _kind(name: str, body: Any, run: Any, summary: str, **more: Any) -> Kind:
    # Who may decide is the use cases' own rule: an import inherits it as the API does.
    return Kind(name=name, body=body, run=run, summary=summary, **more)


TRIAL = {"trial": "trial"}
INSTITUTION = {"institution": "institution"}
# In the order a whole history is best imported: what a line refers to comes first.
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        _kind("programme", c.ProgrammeCreate, runs.programme, "establish a programme"),
        _kind(
            "network",
            c.NetworkCreate,
            runs.network,
            "designate a network or partnership",
            refs={"programme": "programme"},
        ),
        _kind(
            "trial",
            c.TrialCreate,
            runs.trial,
            "approve a trial in a network",
            refs={"network": "network"},
            ref_fields={"network": "network_id"},
        ),
        _kind(
            "institution", c.InstitutionCreate, runs.institution, "enrol an institution", refs=TRIAL
        ),
        _kind(
            "trial-extend",
            c.TrialExtend,
            lambda app, env, r, b: app.extend_trial(env, r["trial"], b.new_end),
            "extend a trial",
            refs=TRIAL,
        ),
        _kind(
            "exemption",
            c.ExemptionCreate,
            runs.exemption,
            "request an exemption",
            refs={**TRIAL, **INSTITUTION},
            optional_refs=frozenset({"institution"}),
            ref_fields={"institution": "institution_id"},
        ),
        _kind(
            "exemption-grant",
            c.ExemptionGrant,
            runs.grant,
            "grant an exemption",
            refs={"exemption": "exemption"},
        ),
        _kind(
            "exemption-reject",
            c.ExemptionReject,
            lambda app, env, r, b: app.reject_exemption(env, r["exemption"], b.reason),
            "reject an exemption",
            refs={"exemption": "exemption"},
        ),
        _kind(
            "exemption-amend",
            c.ExemptionAmend,
            runs.amend,
            "amend an exemption",
            refs={"exemption": "exemption"},
        ),
        _kind(
            "exemption-revoke",
            c.ExemptionRevoke,
            lambda app, env, r, b: app.revoke_exemption(
                env, r["exemption"], b.revoked_on, b.reason
            ),
            "revoke an exemption",
            refs={"exemption": "exemption"},
        ),
        _kind(
            "goal",
            c.GoalCreate,
            runs.goal,
            "set a result goal",
            refs={**TRIAL, **INSTITUTION},
            optional_refs=frozenset({"institution"}),
            ref_fields={"institution": "institution_id"},
        ),
        _kind(
            "goal-revise",
            c.GoalRevise,
            lambda app, env, r, b: app.revise_goal(env, r["goal"], b.terms),
            "revise a goal",
            refs={"goal": "goal"},
        ),
        _kind(
            "measurement",
            c.MeasurementCreate,
            runs.measurement,
            "record a measurement",
            refs={"goal": "goal"},
        ),
        _kind(
            "inspection",
            c.InspectionCreate,
            runs.inspection,
            "plan an inspection",
            refs=INSTITUTION,
            ref_fields={"institution": "institution_id"},
        ),
        _kind(
            "inspection-perform",
            c.InspectionPerform,
            runs.perform,
            "record an inspection as performed",
            refs={"inspection": "inspection"},
        ),
        _kind(
            "report",
            c.ReportCreate,
            lambda app, env, r, b: app.publish_report(
                env, r["inspection"], published_on=b.published_on, location=b.location
            ),
            "publish an inspection report",
            refs={"inspection": "inspection"},
        ),
        _kind(
            "order",
            c.OrderCreate,
            lambda app, env, r, b: app.issue_order(
                env, r["inspection"], requirement=b.requirement, deadline=b.deadline
            ),
            "issue an order",
            refs={"inspection": "inspection"},
        ),
        _kind(
            "order-comply",
            c.OrderComply,
            lambda app, env, r, b: app.comply_order(env, r["order"], b.complied_on),
            "record an order complied with",
            refs={"order": "order"},
        ),
        _kind(
            "order-escalate",
            c.OrderEscalate,
            lambda app, env, r, b: app.escalate_order(
                env, r["order"], b.escalated_on, b.escalated_to
            ),
            "escalate an order",
            refs={"order": "order"},
        ),
        _kind(
            "complaint",
            c.ComplaintCreate,
            runs.complaint,
            "receive a complaint",
            refs={**TRIAL, **INSTITUTION},
            optional_refs=frozenset({"institution"}),
            ref_fields={"institution": "institution_id"},
        ),
        _kind(
            "complaint-decide",
            c.ComplaintDecide,
            lambda app, env, r, b: app.decide_complaint(env, r["complaint"], b.outcome),
            "decide a complaint",
            refs={"complaint": "complaint"},
        ),
        _kind(
            "evaluation",
            c.EvaluationCreate,
            lambda app, env, r, b: app.publish_evaluation(
                env,
                r["trial"],
                kind=b.kind,
                evaluator=b.evaluator,
                published_on=b.published_on,
                location=b.location,
                summary=b.summary,
            ),
            "publish an evaluation",
            refs=TRIAL,
        ),
        _kind(
            "trial-end",
            c.TrialEnd,
            lambda app, env, r, b: app.end_trial(env, r["trial"], b.ended_on),
            "end a trial",
            refs=TRIAL,
        ),
        _kind(
            "trial-permanent",
            c.TrialPermanent,
            lambda app, env, r, b: app.make_trial_permanent(env, r["trial"], b.permanent_from),
            "make a trial permanent",
            refs=TRIAL,
        ),
        _kind(
            "correction",
            c.CorrectionCreate,
            runs.correction,
            "correct one field of an earlier imported line",
            corrects=True,
            ref_fields={"corrects": "aggregate_id", "event": "event_id"},
        ),
    )
}
