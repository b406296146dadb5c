"""Reproducible performance runs: each figure against a baseline measured in the same run.

`python -m benchmarks` runs every figure module listed in `benchmarks/__main__.py`, prints a
table and writes `benchmarks/RESULTS.md`. A figure module has one function,
`run(bench: Bench) -> list[Row]`; add a module and list it there to add rows.
"""
