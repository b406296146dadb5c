"""`frispor review` as a user runs it: every format from the read model, nothing else on a pipe."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

from tests.integration.test_cli_demo import frispor

KEYS = "id code severity title explanation trial_id institution_id day positions".split()
README = [
    ("high", "announced-without-exemption", "2018-06-12"),
    ("high", "order-overdue", "2018-03-31"),
    ("medium", "retroactive-correction", "2018-09-14"),
    ("low", "late-recording", "2018-01-22"),
    ("low", "late-recording", "2018-01-22"),
]


def test_review_formats_on_a_pipe(database_url: str, tmp_path: Path) -> None:
    assert frispor("demo", cwd=tmp_path, database_url=database_url).returncode == 0

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        review = ("review", "--as-of", "2019-12-31", *args)
        return frispor(*review, cwd=tmp_path, database_url=database_url)

    as_json = run("--format", "json")
    assert as_json.returncode == 0 and as_json.stderr == "", as_json.stderr
    found = json.loads(as_json.stdout)
    assert [(f["severity"], f["code"], f["day"]) for f in found] == README
    assert list(found[0]) == KEYS
    rows = list(csv.DictReader(io.StringIO(run("--format", "csv").stdout)))
    assert [(r["severity"], r["code"], r["day"]) for r in rows] == README
    page = run("--format", "html", "--out", "r.html")
    assert page.returncode == 0 and page.stdout == ""
    written = (tmp_path / "r.html").read_text()
    assert "announced-without-exemption" in written
    # Every trial's charts as data, read from the read models the command brought up to date.
    assert written.count('"kind":"timeline"') == 6 and written.count('"kind":"goal"') == 2
    wrong = run("--format", "xml")
    assert wrong.returncode == 2 and len(wrong.stderr.strip().splitlines()) == 1


def test_diff_as_json_shows_the_correction_whole(database_url: str, tmp_path: Path) -> None:
    assert frispor("demo", cwd=tmp_path, database_url=database_url).returncode == 0
    moments = ("--known-at", "2018-09-01", "--known-at", "2018-10-01")
    result = frispor("diff", *moments, "--format", "json", cwd=tmp_path, database_url=database_url)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    changes = json.loads(result.stdout)
    # Indented by two, letters as they are: the form json.dumps(indent=2) writes.
    assert result.stdout == json.dumps(changes, ensure_ascii=False, indent=2) + "\n"
    [goal] = [c for c in changes if c["kind"] == "Goal" and c["field"] == "measurements"]
    assert goal["changed"] == [{"path": "measurements[1].value", "before": "70", "after": "68"}]
    assert [e["type"] for e in goal["events"]] == ["Corrected"]
    assert len(json.dumps(goal["before"])) > 80  # the whole value, not cut at 77 characters
    table = frispor("diff", *moments, cwd=tmp_path, database_url=database_url)
    assert "measurements[1].value" in table.stdout and '"68"' in table.stdout


def test_synthetic_histories_fill_the_store_and_are_reviewed(
    database_url: str, tmp_path: Path
) -> None:
    filled = frispor("demo", "--synthetic", "1500", cwd=tmp_path, database_url=database_url)
    assert filled.returncode == 0 and filled.stderr == "", filled.stderr  # no bar on a pipe
    assert "synthetic events" in filled.stdout
    again = frispor("demo", "--synthetic", "300", cwd=tmp_path, database_url=database_url)
    assert again.returncode == 0, again.stderr  # fresh ids: a store can be filled again
    found = frispor("review", "--format", "json", cwd=tmp_path, database_url=database_url)
    assert found.returncode == 0 and found.stderr == ""
    assert {f["code"] for f in json.loads(found.stdout)} >= {"measurement-outside-trial"}
    wrong = frispor("demo", "--synthetic", "0", cwd=tmp_path, database_url=database_url)
    assert wrong.returncode == 2


def test_long_commands_show_progress_on_a_terminal_only(database_url: str, tmp_path: Path) -> None:
    assert frispor("demo", cwd=tmp_path, database_url=database_url).returncode == 0
    moments = ("--known-at", "2018-09-01", "--known-at", "2018-10-01")
    commands = {
        "rebuild findings": ("rebuild", "findings"),
        "recorded read model": ("diff", *moments, "--format", "json"),
        "findings read model": ("review", "--format", "json"),
        "reading the log": ("replay", "--format", "jsonl"),
    }
    for label, args in commands.items():
        piped = frispor(*args, cwd=tmp_path, database_url=database_url)
        assert piped.returncode == 0 and piped.stderr == "", (args, piped.stderr)
        # What rich takes for a terminal: the bar, on standard error; the output unchanged.
        shown = frispor(*args, cwd=tmp_path, database_url=database_url, FORCE_COLOR="1")
        assert shown.returncode == 0 and label in shown.stderr, (args, shown.stderr)
        if args[0] != "rebuild":  # which rebuilds it was is in its output
            assert shown.stdout == piped.stdout
