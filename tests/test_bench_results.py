"""`make bench` keeps the dated sections of RESULTS.md: a whole run replaces only the top part."""

from __future__ import annotations

from benchmarks.__main__ import written

BEFORE = (
    "# Benchmark results\n\nold table\n\n## Notes (2026-12-05)\n\nhand-written\n\n"
    "## review (2026-12-05)\n\nolder figures\n"
)
REPORT = "# Benchmark results\n\nWritten by `python -m benchmarks` (3 runs each).\n\nnew table\n"


def test_a_whole_run_replaces_the_generated_part_and_keeps_every_section() -> None:
    after = written(BEFORE, REPORT, None, 3)
    assert after.startswith(REPORT) and "old table" not in after
    assert "## Notes (2026-12-05)\n\nhand-written" in after
    assert after.endswith("## review (2026-12-05)\n\nolder figures\n")


def test_a_run_of_some_modules_adds_a_dated_section_at_the_end() -> None:
    after = written(BEFORE, REPORT, ["diff", "review"], 1)
    assert after.startswith(BEFORE)  # nothing before it changed
    section = after[len(BEFORE) :]
    assert section.startswith("\n## diff, review (")
    assert "`python -m benchmarks --only diff review --runs 1`" in section
    assert section.endswith("new table\n") and "# Benchmark results" not in section
