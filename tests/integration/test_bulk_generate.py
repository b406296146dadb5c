"""The benchmarks' bulk generator writes events the application could have written itself."""

from __future__ import annotations

from collections import Counter, defaultdict
from uuid import UUID

from benchmarks.bulk import generate_bulk
from benchmarks.generate import cvr

from frispor.domain.institution import Institution
from frispor.domain.trial import Trial
from frispor.store.env import store_env
from frispor.store.open import open_app


def test_copies_are_valid_distinct_histories_in_order(database_url: str) -> None:
    app = open_app(store_env(database_url))
    try:
        written = generate_bulk(app, 700, templates=2, per_call=250)
        notes = app.recorder.select_notifications(start=1, limit=10_000)
    finally:
        app.close()
    app = open_app(store_env(database_url))
    try:
        assert len(notes) == written and [n.id for n in notes] == list(range(1, written + 1))
        versions: dict[UUID, list[int]] = defaultdict(list)
        for note in notes:
            event = app.mapper.to_domain_event(note)
            assert app.mapper.to_stored_event(event).state == note.state  # as if saved by the app
            versions[note.originator_id].append(note.originator_version)
        assert all(v == list(range(1, len(v) + 1)) for v in versions.values())
        kinds = Counter(n.topic.rsplit(".", 1)[0] for n in notes if n.originator_version == 1)
        trials = [app.repository.get(k) for k, v in versions.items() if len(v) == 4]
        trials = [t for t in trials if isinstance(t, Trial)]
        assert (
            len(trials) == kinds["frispor.domain.trial:Trial"] >= 6
        )  # two templates, copied thrice
        assert sorted(t.title for t in trials) == sorted(f"Forsøg {i}" for i in range(len(trials)))
        homes = [h for h in map(app.repository.get, versions) if isinstance(h, Institution)]
        assert len(homes) == 4 * len(trials)
        for home in homes:  # each copy has its own names and CVR numbers
            t = int(home.name.split()[1].split("-")[0])
            assert home.cvr in {cvr(t * 4 + i) for i in range(4)}
    finally:
        app.close()
