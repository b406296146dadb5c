"""A million events quickly: trials built by the domain once as templates, then copied.

`generate` runs the domain and the mapper for every event (~10,000 events/s). Here a few
hundred template trials are built the same way (same aggregates, same commands, same mapper)
and each generated trial is a copy of one: its stored JSON with fresh ids (aggregates, events,
correlations) and its own title, institution names and CVR numbers; the programme and the
networks are shared, and a network's enrolment events get that network's next versions.
The copies are stored through the application's recorder, thousands per call, in order.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from frispor.demo.synthetic import EVENTS_PER_TRIAL, START, cvr, frame, trial
from frispor.domain.application import Frispor
from frispor.domain.programme import Network, Programme

_UUID = rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
TEMPLATES = 140  # start days 5 apart over ~700 days, as `generate` spreads them


@dataclass(frozen=True)
class _Event:
    origin: bytes  # the template's aggregate id (a token)
    version: int | None  # None: a network's event, numbered when copied
    topic: str
    pieces: list[bytes]  # literal, token, literal, …, literal


@dataclass(frozen=True)
class Template:
    """One trial's stored events, split at every token a copy replaces."""

    k: int
    fresh: list[bytes]  # the ids a copy replaces with new ones
    names: dict[bytes, str]  # title, institution names, CVR numbers: text with {t} for the copy
    events: list[_Event]


def build_template(k: int, app: Frispor, programme: Programme, networks: list[Network]) -> Template:
    """Run the domain for template trial k (nothing is saved) and split its stored events."""
    network = copy.deepcopy(networks[k % len(networks)])  # collects this trial's enrolments
    code = network.municipalities[k // len(networks) % len(network.municipalities)]
    aggregates = trial(k, programme, network, START + timedelta(days=5 * k), code)
    names = {f'"Forsøg {k}"'.encode(): '"Forsøg {t}"'}
    for i in range(4):
        names[f'"Institution {k}-{i}"'.encode()] = f'"Institution {{t}}-{i}"'
        # Two institutions may share a CVR (see cvr()); the first one's number is kept.
        names.setdefault(f'"cvr":"{cvr(k * 4 + i)}"'.encode(), f'"cvr":"{{cvr{i}}}"')
    shared = {str(a.id).encode() for a in [programme, *networks]}
    split = re.compile(b"(" + b"|".join([_UUID, *map(re.escape, names)]) + b")")
    events: list[_Event] = []
    fresh: set[bytes] = set()
    for aggregate in [*aggregates, network]:
        numbered = aggregate is not network
        for event in aggregate.collect_events():
            stored = app.mapper.to_stored_event(event)
            pieces = split.split(stored.state)
            fresh.update(p for p in pieces[1::2] if p not in names and p not in shared)
            origin = str(stored.originator_id).encode()
            if numbered:
                fresh.add(origin)  # not every aggregate's id appears in a stored state
            version = stored.originator_version if numbered else None
            events.append(_Event(origin, version, stored.topic, pieces))
    return Template(k, sorted(fresh), names, events)


def copy_trial(
    template: Template, t: int, rng: random.Random, versions: dict[bytes, int]
) -> list[StoredEvent]:
    """Trial t as a copy of the template; versions holds each network's last version."""
    ids = {old: UUID(int=rng.getrandbits(128), version=4) for old in template.fresh}
    tokens = {old: str(new).encode() for old, new in ids.items()}
    cvrs = {f"cvr{i}": cvr(t * 4 + i) for i in range(4)}
    tokens.update((old, new.format(t=t, **cvrs).encode()) for old, new in template.names.items())
    out = []
    for e in template.events:
        pieces = e.pieces.copy()
        pieces[1::2] = [tokens.get(p, p) for p in pieces[1::2]]  # shared ids stay as they are
        version = e.version
        if version is None:
            version = versions[e.origin] = versions[e.origin] + 1
        origin = ids.get(e.origin) or UUID(e.origin.decode())
        out.append(StoredEvent(origin, version, e.topic, b"".join(pieces)))
    return out


def generate_bulk(
    app: Frispor,
    events: int,
    *,
    templates: int = TEMPLATES,
    per_call: int = 10_000,
    seed: int | None = 7,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write about `events` events as copies of template trials; return how many were written.

    `seed` fixes the copies' ids (the benchmarks compare runs); None draws fresh ones, so a
    store can be filled again.
    """
    if app.mapper.compressor or app.mapper.cipher:
        raise ValueError("copies edit the stored JSON: turn compression and encryption off")
    programme, networks, written = frame(app)
    count = min(templates, max(1, events // EVENTS_PER_TRIAL))
    built = [build_template(k, app, programme, networks) for k in range(count)]
    per_trial = sum(len(t.events) for t in built) / count
    trials = max(1, round((events - written) / per_trial))
    versions = {str(n.id).encode(): n.version for n in networks}
    rng, chunk = random.Random(seed), []
    if progress:
        progress(written)
    pending: Future[object] | None = None
    # One insert runs on the worker while the next chunk is copied: the call releases the GIL.
    with ThreadPoolExecutor(1, thread_name_prefix="bulk-insert") as worker:
        for t in range(trials):
            chunk += copy_trial(built[t % count], t, rng, versions)
            if len(chunk) >= per_call or t == trials - 1:
                if pending is not None:
                    pending.result()
                pending = worker.submit(app.recorder.insert_events, chunk)
                if progress:
                    progress(len(chunk))  # on its way: counted when handed over
                written, chunk = written + len(chunk), []
        if pending is not None:
            pending.result()
    return written
