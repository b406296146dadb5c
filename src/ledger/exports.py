"""The export bags kept for authorities: made (the use case), listed, and sent as .tar.gz."""

from __future__ import annotations

import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

from frispor.domain.aggregate import Envelope
from frispor.domain.application import Frispor, Written
from frispor.domain.values import Actor
from frispor.ledger.bag import BAG_INFO, BagError, Scope, parse_bag_info
from frispor.ledger.export import ExportResult, export_bag
from frispor.ledger.follow import sync
from frispor.ledger.signer import Signer
from frispor.ledger.store import TreeStore
from frispor.ledger.timestamp_service import stamp_once
from frispor.settings import Settings
from frispor.store.db import Database


def keep_export(
    app: Frispor, db: Database, settings: Settings, signer: Signer, actor: Actor, scope: Scope
) -> tuple[ExportResult, Written]:
    """Cut a checkpoint, keep a signed bag of the scope in FRISPOR_EXPORTS_DIR, record it.

    The bag is written under a staging name and renamed whole; the owner file that marks it
    finished comes last, so a crash leaves no export that looks complete.
    """
    assert scope.authority is not None  # a kept export is always some authority's
    root = settings.exports_dir
    staging = root / f"staging-{uuid4().hex}"
    with TreeStore.borrow(db, settings.checkpoint_file) as store:
        sync(store, app.recorder)
        result = export_bag(store, app.recorder, signer, staging, scope, stamp=stamp_once(settings))
    staging.rename(root / str(result.export_id))
    (root / f"{result.export_id}.owner").write_text(scope.authority, encoding="utf-8")
    return result, record_export(app, actor, result, scope.authority)


def record_export(app: Frispor, actor: Actor, result: ExportResult, authority: str) -> Written:
    """Record in the trail that an export was made: by whom, for whom, of what."""
    return app.record_export(
        Envelope(actor=actor, decided_on=datetime.now(UTC).date()),
        export_number=result.export_id,
        authority=authority,
        area=result.scope.area,
        period_from=result.scope.period_from,
        period_to=result.scope.period_to,
        kind=result.kind,
        events=result.event_count,
        checkpoint_size=result.checkpoint.size,
        checkpoint_root=result.checkpoint.root.hex(),
        tagmanifest_sha256=result.tagmanifest_sha256,
    )


@dataclass(frozen=True)
class StoredExport:
    """One finished export: its number, scope and the facts bag-info states about it."""

    id: int
    scope: Scope
    info: dict[str, str]

    def public(self) -> dict[str, Any]:
        """The export as a list item."""
        return {
            "id": self.id,
            "authority": self.scope.authority,
            "area": self.scope.area,
            "from": self.scope.period_from,
            "to": self.scope.period_to,
            "kind": self.info.get("Frispor-Export-Kind"),
            "events": int(self.info.get("Frispor-Event-Count", "0")),
            "created": self.info.get("Frispor-Created"),
        }


def stored_export(root: Path, export_id: int) -> StoredExport | None:
    """The finished export of that number, or None (missing, unfinished or unreadable)."""
    bag = root / str(export_id)
    # The owner file is written after the bag is in place: without it the export is unfinished.
    if not bag.is_dir() or not (root / f"{export_id}.owner").exists():
        return None
    try:
        info = parse_bag_info((bag / BAG_INFO).read_bytes())
        return StoredExport(export_id, Scope.from_info(info), info)
    except (OSError, BagError):
        return None


def stored_exports(root: Path) -> list[StoredExport]:
    """Every finished export, oldest first."""
    if not root.is_dir():
        return []
    numbers = sorted(int(p.name) for p in root.iterdir() if p.name.isdigit() and p.is_dir())
    found = (stored_export(root, n) for n in numbers)
    return [e for e in found if e is not None]


def tar_gz(bag: Path, name: str) -> Iterator[bytes]:
    """The bag as a .tar.gz under the folder `name`, made while it is sent: one chunk in memory."""
    gz = zlib.compressobj(wbits=31)  # gzip framing
    written = 0
    for path, arcname in _entries(bag, name):
        info, is_file = tarfile.TarInfo(arcname), path.is_file()
        stat = path.stat()
        info.mtime, info.mode = int(stat.st_mtime), stat.st_mode & 0o7777
        info.type, info.size = (tarfile.REGTYPE, stat.st_size) if is_file else (tarfile.DIRTYPE, 0)
        header = info.tobuf(tarfile.PAX_FORMAT)
        written += len(header) + info.size
        yield gz.compress(header)
        if is_file:
            with path.open("rb") as file:
                while chunk := file.read(1 << 20):
                    yield gz.compress(chunk)
            yield gz.compress(bytes(-info.size % tarfile.BLOCKSIZE))
            written += -info.size % tarfile.BLOCKSIZE
    # Two empty blocks end the archive, padded to a whole record as tarfile writes it.
    written += 2 * tarfile.BLOCKSIZE
    yield gz.compress(bytes(2 * tarfile.BLOCKSIZE + -written % tarfile.RECORDSIZE)) + gz.flush()


def _entries(path: Path, arcname: str) -> Iterator[tuple[Path, str]]:
    yield path, arcname
    if path.is_dir():
        for child in sorted(path.iterdir()):
            yield from _entries(child, f"{arcname}/{child.name}")
