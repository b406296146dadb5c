"""An import's behaviour on both stores: all or nothing, dry runs, keys, references, bad files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from frispor.api.import_kinds import KINDS, envelope_of
from frispor.domain.application import Frispor
from frispor.domain.trial import Trial
from frispor.domain.values import Actor, Area, Role
from frispor.imports.engine import ImportJob, run_import
from frispor.imports.report import FileRefusedError, ImportReport
from frispor.store.env import store_env
from frispor.store.open import open_app

OIM = "Økonomi- og Indenrigsministeriet"
BASIS = {"legal_basis.act": "eli/lta/2017/658", "legal_basis.path": "§ 1"}
PROGRAMME = (
    "import_key;name;kind;enabling_act.act;enabling_act.path;period.start;period.end;ministry;"
    "protected_categories;legal_basis.act;legal_basis.path;justification;decided_on\n"
    f"P1;Frikommuneforsøg II;frikommune;eli/lta/2017/658;§ 1;10-10-2016;31-12-2021;{OIM};"
    "magtanvendelse|tilsyn;eli/lta/2017/658;§ 1;Udpegning;10-10-2016\n"
)


def line(command: str, **fields: object) -> str:
    """One JSON line with a legal basis and a justification."""
    body = {
        "command": command,
        "legal_basis": [{"act": "eli/lta/2017/658", "path": "§ 1"}],
        "justification": "Godkendt efter ansøgning",
        **fields,
    }
    return json.dumps(body, ensure_ascii=False) + "\n"


def network(key: str = "N1", **more: object) -> str:
    return line(
        "network",
        programme="P1",
        import_key=key,
        name="Mere sammenhængende indsatser",
        kind="network",
        area="sammenhaeng",
        municipalities=["101", "561"],
        coordinator="101",
        decided_on="2016-10-10",
        **more,
    )


def trial(case: str, network_key: str = "N1", **more: object) -> str:
    fields: dict[str, object] = {
        "network": network_key,
        "case_number": case,
        "title": f"Forsøg {case}",
        "purpose": "Anmeldte tilsyn",
        "period": {"start": "2017-09-01", "end": "2018-04-30"},
        "municipalities": ["101"],
        "decided_on": "2017-06-20",
    }
    return line("trial", **(fields | more))


@pytest.fixture
def app(database_url: str) -> Iterator[Frispor]:
    application = open_app(store_env(database_url))
    yield application
    application.close()


def run(app: Frispor, path: Path, **job: object) -> ImportReport:
    actor = Actor(id="sb-1", role=Role.RECORDER, organisation=str(job.pop("org", OIM)))
    return run_import(app, ImportJob(path, actor, KINDS, envelope_of, **job))  # type: ignore[arg-type]


def head(app: Frispor) -> int:
    return app.recorder.max_notification_id() or 0


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_refused_file_stores_nothing_and_names_every_refused_line(
    app: Frispor, tmp_path: Path
) -> None:
    run(app, write(tmp_path, "programme.csv", PROGRAMME))
    before = head(app)
    text = (
        network()
        + trial("2017-1")
        + trial("2017-2", network_key="N9")  # no such network
        + trial("2017-3", justification="borger 010190-1234")  # a CPR number
        + trial("2017-4", period={"start": "2018-09-01", "end": "2017-04-30"})  # backwards
        + "not json\n"
    )
    report = run(app, write(tmp_path, "history.jsonl", text))
    assert head(app) == before  # all or nothing: not even the good lines
    assert not report.stored and report.outcome == "refused"
    found = {(r.line, r.field, r.rule) for r in report.refused}
    assert (3, "network", "reference-unknown") in found
    assert (4, "envelope.justification", "rule-6-no-cpr") in found
    assert any(r.line == 5 and r.rule == "valid-value" for r in report.refused)
    assert (6, None, "json") in found
    assert len(report.refused) == 4
    assert not any("0101" in r.message or "1234" in r.message for r in report.refused)


def test_dry_run_checks_everything_and_stores_nothing(app: Frispor, tmp_path: Path) -> None:
    before = head(app)
    report = run(app, write(tmp_path, "programme.csv", PROGRAMME), dry_run=True)
    assert report.outcome == "dry-run" and report.decisions == 1 and not report.refused
    assert head(app) == before


def test_a_second_import_writes_nothing_and_says_so(app: Frispor, tmp_path: Path) -> None:
    path = write(tmp_path, "programme.csv", PROGRAMME)
    first = run(app, path)
    assert first.stored and first.decisions == 1 and first.events == 2  # and the import's own
    after = head(app)
    second = run(app, path)
    assert second.outcome == "already-imported" and second.already_imported == 1
    assert head(app) == after
    # Only the new line of a longer file is written; references reach the earlier import.
    more = run(app, write(tmp_path, "more.jsonl", network() + trial("2017-1")))
    assert more.decisions == 2 and more.stored
    again = run(app, write(tmp_path, "again.jsonl", network() + trial("2017-1") + trial("2017-2")))
    assert (again.decisions, again.already_imported) == (1, 2)


def test_each_decision_keeps_its_decided_day_and_the_import_is_recorded(
    app: Frispor, tmp_path: Path
) -> None:
    report = run(app, write(tmp_path, "programme.csv", PROGRAMME))
    events = [
        e
        for n in app.recorder.select_notifications(start=1, limit=10)
        for e in [app.mapper.to_domain_event(n)]
    ]
    established, recorded = events
    assert established.envelope.decided_on.isoformat() == "2016-10-10"
    assert established.envelope.actor.organisation == OIM
    assert type(recorded).__qualname__ == "Import.Recorded"
    assert recorded.sha256 == report.sha256 and recorded.decisions == 1  # type: ignore[attr-defined]
    assert recorded.file_name == "programme.csv"  # type: ignore[attr-defined]


def test_a_line_passes_every_field_of_its_body_to_the_use_case(
    app: Frispor, tmp_path: Path
) -> None:
    # A trial's areas beyond its network's theme reach the trial as through the API.
    run(app, write(tmp_path, "programme.csv", PROGRAMME))
    report = run(app, write(tmp_path, "h.jsonl", network() + trial("2017-1", areas=["skole"])))
    assert report.stored and report.decisions == 2
    notifications = app.recorder.select_notifications(start=1, limit=10)
    [approved] = [
        e
        for n in notifications
        for e in [app.mapper.to_domain_event(n)]
        if type(e) is Trial.Approved
    ]
    assert app.get(Trial, approved.originator_id).areas == (Area.SKOLE,)


def test_csv_with_commas_and_no_bom_and_danish_decimals(app: Frispor, tmp_path: Path) -> None:
    run(app, write(tmp_path, "programme.csv", PROGRAMME))
    run(app, write(tmp_path, "net.jsonl", network() + trial("2017-1")))
    goal = (
        "trial,import_key,legal_basis.act,legal_basis.path,justification,decided_on,"
        "terms.indicator,terms.definition,terms.unit,terms.data_source,terms.baseline.value,"
        "terms.baseline.on,terms.target.value,terms.target.on,terms.direction,terms.frequency\n"
        '2017-1,G1,eli/lta/2017/658,§ 1,Mål,25-08-2017,Andel,Definition,%,Kilde,"40,5",'
        '01-09-2017,"1.080,25",30-04-2018,higher,quarterly\n'
    )
    report = run(app, write(tmp_path, "goal.csv", goal))
    assert report.stored, [r.as_text() for r in report.refused]
    last = app.mapper.to_domain_event(
        app.recorder.select_notifications(start=head(app) - 1, limit=1)[0]
    )
    assert str(last.terms.baseline.value) == "40.5"  # type: ignore[attr-defined]
    assert str(last.terms.target.value) == "1080.25"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "content", "rule"),
    [
        ("programme.csv", PROGRAMME.encode("cp1252"), "encoding"),
        ("programme.csv", PROGRAMME.replace("name;", "navn;").encode(), "unknown-column"),
        ("programme.csv", PROGRAMME.replace(";ministry", "").encode(), "missing-column"),
        ("beslutninger.csv", PROGRAMME.encode(), "unknown-kind"),
        ("scan.pdf", b"%PDF-1.4\n\x00\x01\x02binary", "not-csv-or-json"),
    ],
)
def test_bad_files_are_refused_whole_with_the_rule_named(
    app: Frispor, tmp_path: Path, name: str, content: bytes, rule: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = head(app)
    with pytest.raises(FileRefusedError) as refused:
        run(app, path)
    assert refused.value.refusal.rule == rule
    assert head(app) == before


def test_a_file_beyond_the_size_limit_is_refused_before_it_is_read(
    app: Frispor, tmp_path: Path
) -> None:
    path = tmp_path / "programme.csv"
    with path.open("wb") as f:  # sparse: 2 GB on the size, nothing on the disk
        f.truncate(2 * 1024**3)
    with pytest.raises(FileRefusedError) as refused:
        run(app, path)
    assert refused.value.refusal.rule == "file-too-large"


def test_an_import_is_refused_what_the_api_refuses_the_organisation(
    app: Frispor, tmp_path: Path
) -> None:
    run(app, write(tmp_path, "programme.csv", PROGRAMME))
    run(app, write(tmp_path, "network.jsonl", network()))
    before = head(app)
    report = run(app, write(tmp_path, "trials.jsonl", trial("2017-1")), org="kommune:101")
    assert not report.stored and head(app) == before
    (refusal,) = report.refused
    assert refusal.rule == "competent-organisation" and refusal.line == 1
    assert "Økonomi- og Indenrigsministeriet" in refusal.message


def test_a_file_named_with_a_cpr_number_is_refused_without_echoing_it(
    app: Frispor, tmp_path: Path
) -> None:
    path = write(tmp_path, "programme 010190-1234.csv", PROGRAMME)
    with pytest.raises(FileRefusedError) as refused:
        run(app, path, kind="programme")
    assert refused.value.refusal.rule == "rule-6-no-cpr"
    assert "0101" not in str(refused.value) and "1234" not in str(refused.value)
