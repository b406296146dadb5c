"""An import: every line through the use cases, then one transaction appends it all, or nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from pydantic import ValidationError

from frispor.domain.aggregate import Envelope
from frispor.domain.application import Frispor
from frispor.domain.cpr import find_cpr
from frispor.domain.errors import DomainError
from frispor.domain.values import Actor
from frispor.imports.kinds import Kind
from frispor.imports.read import DEFAULT_MAX_BYTES, Line, digest, kind_of, lines
from frispor.imports.report import FileRefusedError, ImportReport, Refusal
from frispor.imports.staging import Staged
from frispor.store.bulk import BulkWriter, KeyRow, bulk_writer

CHUNK = 500  # lines checked against the stored keys in one query
Progress = Callable[[int, int], None]  # (lines read, bytes read)
EnvelopeOf = Callable[[Any, Actor, UUID], Envelope]


@dataclass
class ImportJob:
    """One file to import, and by whom."""

    path: Path
    actor: Actor
    kinds: Mapping[str, Kind]
    envelope_of: EnvelopeOf  # the body's envelope fields, the actor, the correlation id
    name: str = ""
    kind: str | None = None
    dry_run: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    progress: Progress | None = None
    keys: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)


def run_import(app: Frispor, job: ImportJob) -> ImportReport:
    """Check every line; store all of them in one transaction, or none if one is refused."""
    name = job.name or job.path.name
    if find_cpr(name):  # the name is recorded with the import: rule 6 holds for it too
        raise FileRefusedError(
            Refusal(
                "(file name)",
                0,
                "name",
                "rule-6-no-cpr",
                "rename the file: its name holds a CPR number",
            )
        )
    sha256, _ = digest(job.path, name, job.max_bytes)
    kind = kind_of(name, job.kinds, job.kind)
    report = ImportReport(name, sha256, kind.name if kind else "jsonl", job.dry_run)
    import_id = uuid4()
    report.import_id = str(import_id)
    with bulk_writer(dict(app.env)) as writer, job.path.open("rb") as raw:
        staged = Staged.over(app, writer.staged_events)
        run = _Run(staged, writer, job, report, import_id)
        stream = lines(raw, name, job.kinds, job.kind)
        while chunk := list(islice(stream, CHUNK)):
            run.chunk(chunk)
            if job.progress:
                job.progress(report.lines, raw.tell())
        if report.refused or job.dry_run or not report.decisions:
            return report
        staged.record_import(
            Envelope(actor=job.actor, decided_on=date.today(), correlation_id=import_id),
            file_name=name[:300],
            sha256=sha256,
            kind=report.kind,
            decisions=report.decisions,
            already_imported=report.already_imported,
        )
        run.stage()
        report.position = writer.commit()
        report.stored = True
    return report


class _Run:
    """The state of one import while its lines are checked."""

    def __init__(
        self, staged: Staged, writer: BulkWriter, job: ImportJob, report: ImportReport, iid: UUID
    ) -> None:
        self.staged, self.writer, self.job, self.report, self.iid = staged, writer, job, report, iid
        self.org = job.actor.organisation
        self.seen: set[tuple[str, str]] = set()
        self.key_rows: list[KeyRow] = []

    def chunk(self, chunk: list[Line]) -> None:
        """Check a chunk of lines, then stage what they decided (unless one was refused)."""
        self.report.lines += len(chunk)
        wanted: dict[str, list[str]] = {}
        for line in chunk:
            if line.kind is not None and line.problem is None:
                key = _key(line.fields)
                if key:
                    wanted.setdefault(line.kind.name, []).append(key)
        known = {
            (k, key) for k, keys in wanted.items() for key in self.writer.known(self.org, k, keys)
        }
        for line in chunk:
            self.line(line, known)
        self.stage()

    def stage(self) -> None:
        """Hand what was decided to the transaction (rolled back if refused or a dry run)."""
        events = self.staged.take()
        to_stored = self.staged.mapper.to_stored_event
        self.writer.stage([to_stored(e) for e in events], self.key_rows)
        self.staged.staged_ids.update(e.originator_id for e in events)
        if not (self.report.refused or self.job.dry_run):
            self.report.events += len(events)
        self.key_rows = []
        self.staged.evict()

    def refuse(self, line: Line, error: Refusal) -> None:
        self.report.refused.append(error)
        self.staged.discard()

    def line(self, line: Line, known: set[tuple[str, str]]) -> None:
        """Run one line through its use case."""
        file = self.report.file
        if line.problem is not None or line.kind is None:
            assert line.problem is not None
            self.refuse(line, line.problem)
            return
        kind, fields = line.kind, dict(line.fields)
        key = _key(fields)
        fields.pop("import_key", None)
        if not key:
            message = "a line needs an import_key or a case_number (its key in your case system)"
            self.refuse(line, Refusal(file, line.number, "import_key", "import-key", message))
            return
        if (kind.name, key) in self.seen:
            message = f"the key '{key}' is on an earlier line of this file"
            self.refuse(line, Refusal(file, line.number, "import_key", "duplicate-key", message))
            return
        self.seen.add((kind.name, key))
        if (kind.name, key) in known:
            self.report.already_imported += 1
            return
        refs: dict[str, UUID] = {}
        for column in kind.reference_columns():
            value = fields.pop(column, None)
            if column == "corrects_kind":
                continue
            if value in (None, ""):
                if column in kind.optional_refs:
                    continue
                message = f"'{column}' names the line this one refers to"
                self.refuse(line, Refusal(file, line.number, column, "reference-missing", message))
                return
            target = str(fields.get("corrects_kind") or line.fields.get("corrects_kind") or "")
            found = self.resolve(kind.refs.get(column, target), str(value))
            if found is None:
                message = f"no {kind.refs.get(column, target) or 'line'} with key '{value}'"
                self.refuse(line, Refusal(file, line.number, column, "reference-unknown", message))
                return
            refs[column] = UUID(found[0])
            if column == "corrects":
                refs["event"] = UUID(found[1])
        for column, body_field in kind.ref_fields.items():
            if column in refs:
                fields[body_field] = str(refs[column])
        try:
            body = kind.body.model_validate(fields)
        except ValidationError as error:
            for problem in error.errors(include_input=False, include_url=False):
                where = ".".join(str(p) for p in problem["loc"]) or None
                message = problem["msg"].removeprefix("Value error, ")
                self.refuse(line, Refusal(file, line.number, where, "valid-value", message))
            return
        try:
            before = len(self.staged.decided)
            written = kind.run(
                self.staged, self.job.envelope_of(body, self.job.actor, self.iid), refs, body
            )
        except DomainError as error:
            self.refuse(line, Refusal(file, line.number, error.field, error.rule, error.message))
            return
        decided = self.staged.decided[before:]
        main = next((e for e in decided if e.originator_id == written.id), decided[0])
        self.job.keys[(kind.name, key)] = (str(written.id), str(main.event_id))
        self.key_rows.append(
            (self.org, kind.name, key, str(written.id), str(main.event_id), str(self.iid))
        )
        self.report.decisions += 1

    def resolve(self, kind: str, value: str) -> tuple[str, str] | None:
        """A reference: an id, a key of this file, or a key imported before."""
        try:
            return str(UUID(value)), ""
        except ValueError:
            pass
        return self.job.keys.get((kind, value)) or self.writer.lookup(kind, value, self.org)


def _key(fields: Mapping[str, Any]) -> str:
    key = fields.get("import_key") or fields.get("case_number") or ""
    return str(key).strip()
