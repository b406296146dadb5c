"""The demo: the trials of the source texts, loaded once on a scripted clock."""

from __future__ import annotations

from frispor.demo import actors, friinstitution, frikommune
from frispor.demo.script import DemoResult, Script
from frispor.domain.application import Frispor


def load_demo(app: Frispor) -> DemoResult:
    """Load the seed trials once; a second run finds them and writes nothing."""
    first = _exists(app, actors.PROGRAMME_ID)
    last = _exists(app, friinstitution.PROGRAMME_ID)
    if first or last:
        return DemoResult(already_loaded=True, partial=not (first and last))
    script = Script(app)
    frikommune.script(script)
    friinstitution.script(script)
    return script.run()


def _exists(app: Frispor, aggregate_id: object) -> bool:
    return bool(app.recorder.select_events(aggregate_id, limit=1))  # type: ignore[arg-type]


__all__ = ["DemoResult", "load_demo"]
