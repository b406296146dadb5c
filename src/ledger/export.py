"""Signed exports for a supervisory authority: a BagIt (RFC 8493) bag, written streaming.

Layout (paths relative to the bag)::

    bagit.txt                       BagIt 1.0, UTF-8
    bag-info.txt                    scope, checkpoint size/root, counts, created time
    manifest-sha256.txt             SHA-256 of every file under data/
    tagmanifest-sha256.txt          SHA-256 of every tag file below (signed)
    signature.ed25519               raw Ed25519 signature over tagmanifest-sha256.txt
    data/events.jsonl               one line per event (see ledger.bag for the format)
    data/events.csv                 the same events for people (RFC 4180)
    data/status.json                a status summary of the exported events
    ledger/checkpoint.txt           the signed checkpoint the bag was cut at, with cosignatures
    ledger/leaf-hashes.txt          full export: every leaf hash of the tree, hex, in order
    ledger/inclusion-proofs.jsonl   subset export: {"index", "proof"} per line of events.jsonl
    ledger/previous-checkpoint.txt  the checkpoint this authority received last, if any
    ledger/consistency.json         the consistency proof from that checkpoint to this one
    ledger/checkpoint.tsr           RFC 3161 time-stamp response over checkpoint.txt, if stamped
    ledger/previous-checkpoint.tsr  the same for the previous checkpoint, if stamped
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import uuid4

from eventsourcing.persistence import ApplicationRecorder

from frispor.ledger import bag
from frispor.ledger.bag import Scope
from frispor.ledger.export_stream import ExportError, StreamedFile, write_events
from frispor.ledger.follow import ensure_checkpoint, sync
from frispor.ledger.leaf import format_recorded_at
from frispor.ledger.signer import Signer
from frispor.ledger.stamps import token_of
from frispor.ledger.status import StatusFactory, StatusTally
from frispor.ledger.store import StoredCheckpoint, TreeStore
from frispor.ledger.witnessing import cosigned_note

if TYPE_CHECKING:
    from frispor.ledger.steps import Steps

__all__ = ["ExportError", "ExportResult", "export_bag"]

SOFTWARE = "frispor ledger export 1"


@dataclass(frozen=True)
class ExportResult:
    """What was exported, for whom, at which checkpoint, against which earlier checkpoint."""

    export_id: int
    path: Path
    scope: Scope
    kind: str  # "full" (every leaf) or "subset" (with inclusion proofs)
    checkpoint: StoredCheckpoint
    previous: StoredCheckpoint | None
    event_count: int
    created_at: str
    tagmanifest_sha256: str


def _write(root: Path, path: str, data: bytes) -> StreamedFile:
    (root / path).write_bytes(data)
    return StreamedFile(path, hashlib.sha256(data).hexdigest(), len(data))


def _consistency(store: TreeStore, previous: StoredCheckpoint, current: StoredCheckpoint) -> bytes:
    proof = store.consistency_proof(previous.size, current.size)
    document = {
        "from_size": previous.size,
        "from_root": previous.root.hex(),
        "to_size": current.size,
        "to_root": current.root.hex(),
        "proof": [p.hex() for p in proof],
    }
    return json.dumps(document, indent=1).encode() + b"\n"


def _bag_info(
    scope: Scope,
    checkpoint: StoredCheckpoint,
    signer: Signer,
    previous: StoredCheckpoint | None,
    count: int,
    data: list[StreamedFile],
    created: datetime,
) -> bytes:
    pairs = [
        ("Source-Organization", "frispor"),
        ("Bagging-Date", created.date().isoformat()),
        ("Bag-Software-Agent", SOFTWARE),
        ("Payload-Oxum", f"{sum(f.size for f in data)}.{len(data)}"),
        ("External-Description", "Signed export of the frispor audit trail"),
        ("Frispor-Log-Origin", signer.origin),
        ("Frispor-Export-Kind", "full" if scope.is_full else "subset"),
        *scope.info(),
        ("Frispor-Event-Count", str(count)),
        ("Frispor-Checkpoint-Size", str(checkpoint.size)),
        ("Frispor-Checkpoint-Root", base64.b64encode(checkpoint.root).decode()),
    ]
    if previous is not None:
        pairs.append(("Frispor-Previous-Checkpoint-Size", str(previous.size)))
    pairs.append(("Frispor-Created", format_recorded_at(created)))
    return bag.format_bag_info(pairs)


def _prepare(out: Path) -> Path:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"{out} exists and is not an empty directory")
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed at the end, so no half-written bag is left.
    tmp = out.parent / f".{out.name}.partial-{uuid4().hex[:8]}"
    (tmp / "data").mkdir(parents=True)
    (tmp / "ledger").mkdir()
    return tmp


def export_bag(
    store: TreeStore,
    recorder: ApplicationRecorder,
    signer: Signer,
    out: Path,
    scope: Scope,
    *,
    now: datetime | None = None,
    status: StatusFactory = StatusTally,
    batch: int = 2000,
    stamp: Callable[[TreeStore, StoredCheckpoint], None] | None = None,
    steps: Steps | None = None,
) -> ExportResult:
    """Bring the tree up to date, cut (or reuse) a checkpoint and write a signed bag to out.

    stamp, if given, tries once to fetch a time-stamp token for a checkpoint without one;
    the bag carries the tokens its checkpoints have.
    """
    if scope.period_from and scope.period_to and scope.period_from > scope.period_to:
        raise ExportError(f"the period starts {scope.period_from}, after it ends")
    sync(store, recorder, steps=steps)
    created = now or datetime.now(UTC)
    checkpoint = ensure_checkpoint(store, signer, now=created)
    if stamp is not None and token_of(store, checkpoint.id) is None:
        stamp(store, checkpoint)
    previous = store.last_delivery(scope.authority) if scope.authority else None
    if previous is not None and previous.size > checkpoint.size:
        raise ExportError(f"{scope.authority} already has a checkpoint of size {previous.size}")
    tmp = _prepare(out)
    try:
        tally = status()
        count, data, tags = write_events(
            store, tmp, scope, checkpoint, tally, batch=batch, steps=steps
        )
        with bag.HashingWriter(tmp / bag.STATUS_JSON) as status_file:
            tally.write(status_file.write)
            status_file.write(b"\n")
        data.append(StreamedFile(bag.STATUS_JSON, status_file.hexdigest(), status_file.size))
        tags.append(_write(tmp, bag.CHECKPOINT, cosigned_note(store, checkpoint).encode()))
        token = token_of(store, checkpoint.id)
        if token is not None:
            tags.append(_write(tmp, bag.CHECKPOINT_TSR, token))
        if previous is not None:
            tags.append(_write(tmp, bag.PREVIOUS_CHECKPOINT, previous.note.encode()))
            tags.append(_write(tmp, bag.CONSISTENCY, _consistency(store, previous, checkpoint)))
            previous_token = token_of(store, previous.id)
            if previous_token is not None:
                tags.append(_write(tmp, bag.PREVIOUS_TSR, previous_token))
        manifest = bag.format_manifest({f.path: f.sha256 for f in data})
        info = _bag_info(scope, checkpoint, signer, previous, count, data, created)
        tags.append(_write(tmp, bag.MANIFEST, manifest))
        tags.append(_write(tmp, bag.BAG_INFO, info))
        tags.append(_write(tmp, bag.BAGIT, bag.BAGIT_TXT))
        tagmanifest = bag.format_manifest({f.path: f.sha256 for f in tags})
        tag_digest = _write(tmp, bag.TAGMANIFEST, tagmanifest).sha256
        (tmp / bag.SIGNATURE).write_bytes(signer.sign(tagmanifest))
        if out.exists():
            out.rmdir()
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    created_at = format_recorded_at(created)
    kind = "full" if scope.is_full else "subset"
    export_id = store.record_export(
        scope, kind, checkpoint, previous.size if previous else None, count, created_at, tag_digest
    )
    return ExportResult(
        export_id, out, scope, kind, checkpoint, previous, count, created_at, tag_digest
    )
