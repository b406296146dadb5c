"""The export bags kept on disk: which there are, and whom each was cut for (its bag-info)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frispor.ledger.bag import BAG_INFO, BagError, Scope, parse_bag_info


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
