"""A store's whole history written as the import's CSV files: one per organisation and kind."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import Any
from uuid import UUID

from frispor.api.import_kinds import KINDS
from frispor.domain.aggregate import Corrected, Event
from frispor.domain.application import Frispor
from frispor.domain.values import LegalReference
from frispor.imports.cells import flatten
from frispor.projections.audit.record import load_record

# Event type → kind of line, and the event's field each reference column takes its key from.
LINES: dict[str, tuple[str, dict[str, str]]] = {
    "Programme.Established": ("programme", {}),
    "Network.Designated": ("network", {"programme": "programme_id"}),
    "Trial.Approved": ("trial", {"network": "network_id"}),
    "Institution.Enrolled": ("institution", {"trial": "trial_id"}),
    "Trial.Extended": ("trial-extend", {"trial": "originator_id"}),
    "Exemption.Requested": ("exemption", {"trial": "trial_id", "institution": "institution_id"}),
    "Exemption.Granted": ("exemption-grant", {"exemption": "originator_id"}),
    "Exemption.Rejected": ("exemption-reject", {"exemption": "originator_id"}),
    "Exemption.Amended": ("exemption-amend", {"exemption": "originator_id"}),
    "Exemption.Revoked": ("exemption-revoke", {"exemption": "originator_id"}),
    "Goal.Set": ("goal", {"trial": "trial_id", "institution": "institution_id"}),
    "Goal.Revised": ("goal-revise", {"goal": "originator_id"}),
    "Goal.MeasurementRecorded": ("measurement", {"goal": "originator_id"}),
    "Inspection.Planned": ("inspection", {"institution": "institution_id"}),
    "Inspection.Performed": ("inspection-perform", {"inspection": "originator_id"}),
    "Inspection.ReportPublished": ("report", {"inspection": "originator_id"}),
    "Order.Issued": ("order", {"inspection": "inspection_id"}),
    "Order.CompliedWith": ("order-comply", {"order": "originator_id"}),
    "Order.Escalated": ("order-escalate", {"order": "originator_id"}),
    "Complaint.Received": ("complaint", {"trial": "trial_id", "institution": "institution_id"}),
    "Complaint.Decided": ("complaint-decide", {"complaint": "originator_id"}),
    "Trial.EvaluationPublished": ("evaluation", {"trial": "originator_id"}),
    "Trial.Ended": ("trial-end", {"trial": "originator_id"}),
    "Trial.MadePermanent": ("trial-permanent", {"trial": "originator_id"}),
    "Corrected": ("correction", {}),
}


def _reference(ref: LegalReference) -> dict[str, Any]:
    return {"act": ref.act, "path": ref.path, "title": ref.title}


def _key(value: object) -> str:
    return f"k-{value}"  # not an id: a key of the case system


def write_history(app: Frispor, folder: Path) -> list[tuple[Path, str]]:
    """Write the files; return them in the order to import them, with the organisation of each."""
    record = load_record(app)
    rows: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    line_of: dict[UUID, tuple[str, str]] = {}  # event id → (kind, key) of the line it became
    for event in record.all_events():
        name = type(event).__qualname__
        if name not in LINES:
            continue
        kind_name, refs = LINES[name]
        kind = KINDS[kind_name]
        facts = event.model_dump(mode="json")
        body: dict[str, Any] = {f: facts[f] for f in kind.body.model_fields if f in facts}
        for field in ("enabling_act", "rule"):
            if field in body:
                body[field] = _reference(getattr(event, field))
        envelope = event.envelope
        body |= {
            "legal_basis": [_reference(r) for r in envelope.legal_basis],
            "justification": envelope.justification,
            "case_number": envelope.case_number,
            "decided_on": envelope.decided_on.isoformat(),
        }
        creates = name.endswith(
            (".Established", ".Designated", ".Approved", ".Enrolled", ".Requested", ".Set")
        ) or name in ("Inspection.Planned", "Order.Issued", "Complaint.Received")
        key = _key(event.originator_id if creates else event.event_id)
        body["import_key"] = key
        for column, source in refs.items():
            value = facts.get(source) if source != "originator_id" else event.originator_id
            body[column] = _key(value) if value else None
        if isinstance(event, Corrected):
            body["corrects_kind"], body["corrects"] = line_of[event.corrected_event_id]
            body["field"], body["new_value"] = event.field, event.new_value
        line_of[event.event_id] = (kind_name, key)
        rows[(kind_name, _organisation(event))].append(flatten(body, kind.csv_columns()))
    files = []
    for kind_name in KINDS:  # the kinds' own order: what a line refers to comes first
        for (k, organisation), kind_rows in sorted(rows.items()):
            if k != kind_name:
                continue
            path = folder / f"{len(files):02d}-{kind_name}.csv"
            with path.open("w", encoding="utf-8-sig", newline="") as out:
                writer = csv.DictWriter(
                    out, [c.name for c in KINDS[k].csv_columns()], delimiter=";"
                )
                writer.writeheader()
                writer.writerows(kind_rows)
            files.append((path, organisation))
    return files


def _organisation(event: Event) -> str:
    """Who records the line: the organisation that recorded the event (an inspection's
    authority is then the importer's organisation, as over the API)."""
    return event.envelope.actor.organisation
