"""The kinds of decision an import holds: the API's own bodies, run through the same use cases."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from frispor.api import import_runs as runs
from frispor.api.schemas import commands as c
from frispor.api.schemas.common import DecisionIn
from frispor.domain.aggregate import Envelope
from frispor.domain.application import Frispor as F
from frispor.domain.values import Actor
from frispor.imports.kinds import Kind, Run


def envelope_of(body: DecisionIn, actor: Actor, correlation: UUID) -> Envelope:
    """A line's envelope: actor from the importer, the rest from the line, as the API does."""
    return body.envelope(actor, correlation)


def _kind(name: str, body: type[DecisionIn], run: Run, summary: str, **more: Any) -> Kind:
    # Who may decide is the use cases' own rule: an import inherits it as the API does.
    return Kind(name=name, body=body, run=run, summary=summary, **more)


def _on(
    target: str, name: str, body: type[DecisionIn], case: runs.UseCase, summary: str, **more: Any
) -> Kind:
    """A decision on what an earlier line made, named in a column of that kind's name."""
    refs = {target: target, **more.pop("refs", {})}
    return _kind(name, body, runs.on(target, case), summary, refs=refs, **more)


# A line about a trial that may name one of its institutions (by an enrolment's key, or an id).
TRIAL_OR_INSTITUTION: dict[str, Any] = {
    "refs": {"trial": "trial", "institution": "institution"},
    "optional_refs": frozenset({"institution"}),
    "ref_fields": {"institution": "institution_id"},
}
# In the order a whole history is best imported: what a line refers to comes first.
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        _kind(
            "programme", c.ProgrammeCreate, runs.new(F.establish_programme), "establish a programme"
        ),
        _on(
            "programme",
            "network",
            c.NetworkCreate,
            F.designate_network,
            "designate a network or partnership",
        ),
        _kind(
            "trial",
            c.TrialCreate,
            runs.new(F.approve_trial),
            "approve a trial in a network",
            refs={"network": "network"},
            ref_fields={"network": "network_id"},
        ),
        _on(
            "trial", "institution", c.InstitutionCreate, F.enrol_institution, "enrol an institution"
        ),
        _on("trial", "trial-extend", c.TrialExtend, F.extend_trial, "extend a trial"),
        _on(
            "trial",
            "exemption",
            c.ExemptionCreate,
            F.request_exemption,
            "request an exemption",
            **TRIAL_OR_INSTITUTION,
        ),
        _on(
            "exemption",
            "exemption-grant",
            c.ExemptionGrant,
            F.grant_exemption,
            "grant an exemption",
        ),
        _on(
            "exemption",
            "exemption-reject",
            c.ExemptionReject,
            F.reject_exemption,
            "reject an exemption",
        ),
        _on(
            "exemption",
            "exemption-amend",
            c.ExemptionAmend,
            F.amend_exemption,
            "amend an exemption",
        ),
        _on(
            "exemption",
            "exemption-revoke",
            c.ExemptionRevoke,
            F.revoke_exemption,
            "revoke an exemption",
        ),
        _on("trial", "goal", c.GoalCreate, F.set_goal, "set a result goal", **TRIAL_OR_INSTITUTION),
        _on("goal", "goal-revise", c.GoalRevise, F.revise_goal, "revise a goal"),
        _on(
            "goal", "measurement", c.MeasurementCreate, F.record_measurement, "record a measurement"
        ),
        _kind(
            "inspection",
            c.InspectionCreate,
            runs.inspection,
            "plan an inspection",
            refs={"institution": "institution"},
            ref_fields={"institution": "institution_id"},
        ),
        _on(
            "inspection",
            "inspection-perform",
            c.InspectionPerform,
            F.perform_inspection,
            "record an inspection as performed",
        ),
        _on(
            "inspection", "report", c.ReportCreate, F.publish_report, "publish an inspection report"
        ),
        _on("inspection", "order", c.OrderCreate, F.issue_order, "issue an order"),
        _on(
            "order", "order-comply", c.OrderComply, F.comply_order, "record an order complied with"
        ),
        _on("order", "order-escalate", c.OrderEscalate, F.escalate_order, "escalate an order"),
        _kind(
            "complaint",
            c.ComplaintCreate,
            runs.complaint,
            "receive a complaint",
            **TRIAL_OR_INSTITUTION,
        ),
        _on(
            "complaint",
            "complaint-decide",
            c.ComplaintDecide,
            F.decide_complaint,
            "decide a complaint",
        ),
        _on(
            "trial", "evaluation", c.EvaluationCreate, F.publish_evaluation, "publish an evaluation"
        ),
        _on("trial", "trial-end", c.TrialEnd, F.end_trial, "end a trial"),
        _on(
            "trial",
            "trial-permanent",
            c.TrialPermanent,
            F.make_trial_permanent,
            "make a trial permanent",
        ),
        _kind(
            "correction",
            c.CorrectionCreate,
            runs.new(F.correct),
            "correct one field of an earlier imported line",
            corrects=True,
            ref_fields={"corrects": "aggregate_id", "event": "event_id"},
        ),
    )
}
