"""Offline verification of an export bag with the log's public key alone.

Checks run in this order and the first failure is raised as a BagError naming it:
layout and bagit.txt; the signature over the tag manifest; every tag file's checksum
(and no unlisted tag file); the signed checkpoint and bag-info's claims about it; the
consistency proof from the previous checkpoint (the caller's, or the one in the bag);
the payload manifest's completeness; the leaf evidence; every line of events.jsonl;
the remaining payload checksums. Needs only the pure ledger modules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from frispor.ledger import bag
from frispor.ledger.bag import BagError, Scope, parse_bag_info, parse_manifest, sha256_file
from frispor.ledger.checkpoint import Checkpoint, CheckpointError, parse_and_verify_checkpoint
from frispor.ledger.cosign import WitnessKey, as_cut, valid_cosigners
from frispor.ledger.keys import SigningError, verify_bytes
from frispor.ledger.merkle import ProofError, verify_consistency
from frispor.ledger.timestamp import TsaTrust
from frispor.ledger.verify_key import LogKey
from frispor.ledger.verify_lines import check_evidence, check_lines
from frispor.ledger.verify_stamps import StampReport, check_stamps

if TYPE_CHECKING:
    from frispor.ledger.steps import Steps

__all__ = ["BagError", "VerifiedBag", "verify_bag"]

_REQUIRED = (bag.BAG_INFO, bag.MANIFEST, bag.TAGMANIFEST, bag.SIGNATURE, bag.CHECKPOINT)
_UNLISTED = {bag.TAGMANIFEST, bag.SIGNATURE}
_LABELS = (
    "Payload-Oxum",
    "Frispor-Log-Origin",
    "Frispor-Export-Kind",
    "Frispor-Event-Count",
    "Frispor-Checkpoint-Size",
    "Frispor-Checkpoint-Root",
)


@dataclass(frozen=True)
class VerifiedBag:
    """What a verified bag holds: its checkpoint, scope, kind, line count, previous size."""

    checkpoint: Checkpoint
    scope: Scope
    kind: str
    event_count: int
    previous_size: int | None
    info: dict[str, str]
    stamps: list[StampReport] = field(default_factory=list)
    cosigners: dict[str, int] = field(default_factory=dict)  # witness name -> cosigning time


def _read_text(root: Path, path: str) -> str:
    try:
        return (root / path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BagError(f"{path} is not UTF-8") from None


def _files(root: Path, under: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in under.rglob("*") if not p.is_dir()}


class _Verifier:
    def __init__(
        self,
        root: Path,
        key: bytes | str,
        previous: str | None,
        origin: str | None,
        tsa: TsaTrust | None = None,
        require_timestamp: bool = False,
        witnesses: tuple[list[WitnessKey], int] = ([], 0),
        steps: Steps | None = None,
    ) -> None:
        self.root, self.key, self.previous, self.origin = root, key, previous, origin
        self.steps = steps
        self.tsa, self.require_timestamp = tsa, require_timestamp
        self.witnesses, self.quorum = witnesses

    def run(self) -> VerifiedBag:
        key = LogKey.load(self.key)
        self._layout()
        self._signature(key.public)
        self._tagmanifest()
        info = parse_bag_info((self.root / bag.BAG_INFO).read_bytes())
        note = _read_text(self.root, bag.CHECKPOINT)
        vkey = key.verifier_key(note)
        checkpoint = self._checkpoint(note, vkey, info)
        cosigners = valid_cosigners(note, self.witnesses)
        if len(cosigners) < self.quorum:
            names = ", ".join(sorted(cosigners)) or "none"
            raise BagError(
                f"{bag.CHECKPOINT}: {len(cosigners)} valid cosignatures of the named witnesses "
                f"({names}), {self.quorum} required: no quorum vouches that this history is the "
                "one they saw"
            )
        scope = Scope.from_info(info)
        full = info["Frispor-Export-Kind"] == "full"
        if full != scope.is_full or info["Frispor-Export-Kind"] not in ("full", "subset"):
            raise BagError("bag-info.txt: Frispor-Export-Kind does not match the scope")
        previous_size = self._consistency(vkey, checkpoint, info)
        manifest = self._manifest()
        if self.steps is not None:
            self.steps.begin("leaf hashes", None)
        count = check_evidence(self.root, full, checkpoint)
        if str(count) != info["Frispor-Event-Count"]:
            raise BagError(
                f"bag-info.txt says {info['Frispor-Event-Count']} events but the ledger "
                f"evidence has {count}"
            )
        if self.steps is not None:
            self.steps.begin("events", count)
        digest = check_lines(self.root, full, checkpoint, scope, self.steps)
        if self.steps is not None:
            self.steps.begin("checksums", None)
        if digest != manifest[bag.EVENTS_JSONL]:
            raise BagError(f"{bag.EVENTS_JSONL} does not match its checksum in {bag.MANIFEST}")
        for path, expected in sorted(manifest.items()):
            if path != bag.EVENTS_JSONL and sha256_file(self.root / path)[0] != expected:
                raise BagError(f"{path} does not match its checksum in {bag.MANIFEST}")
        # Last: the lines and checksums above name a difference more precisely.
        self._oxum(info)
        previous_note = None
        if (self.root / bag.PREVIOUS_CHECKPOINT).is_file():
            previous_note = _read_text(self.root, bag.PREVIOUS_CHECKPOINT)
        stamps = check_stamps(
            self.root, as_cut(note), previous_note, self.tsa, require=self.require_timestamp
        )
        kind = "full" if full else "subset"
        return VerifiedBag(checkpoint, scope, kind, count, previous_size, info, stamps, cosigners)

    def _layout(self) -> None:
        if not self.root.is_dir():
            raise BagError(f"{self.root} is not a bag directory")
        bagit = self.root / bag.BAGIT
        if not bagit.is_file():
            raise BagError(f"{bag.BAGIT} is missing: not a BagIt bag")
        if bagit.read_bytes() != bag.BAGIT_TXT:
            raise BagError(f"{bag.BAGIT} must declare BagIt-Version 1.0 and UTF-8")
        for path in _REQUIRED:
            if not (self.root / path).is_file():
                raise BagError(f"{path} is missing")
        if not (self.root / "data").is_dir():
            raise BagError("the payload directory data/ is missing")

    def _signature(self, public: Ed25519PublicKey) -> None:
        signature = (self.root / bag.SIGNATURE).read_bytes()
        if len(signature) != 64:
            raise BagError(f"{bag.SIGNATURE} is not a raw 64-byte Ed25519 signature")
        try:
            verify_bytes((self.root / bag.TAGMANIFEST).read_bytes(), signature, public)
        except SigningError:
            raise BagError(
                f"{bag.SIGNATURE}: bad signature — it does not verify over {bag.TAGMANIFEST} "
                "with the given key (the tag manifest was changed or another key signed it)"
            ) from None

    def _tagmanifest(self) -> None:
        entries = parse_manifest((self.root / bag.TAGMANIFEST).read_bytes(), bag.TAGMANIFEST)
        for path in (bag.BAGIT, bag.BAG_INFO, bag.MANIFEST, bag.CHECKPOINT):
            if path not in entries:
                raise BagError(f"{bag.TAGMANIFEST} does not list {path}")
        for path, expected in sorted(entries.items()):
            if path.startswith("data/") or path in _UNLISTED:
                raise BagError(f"{bag.TAGMANIFEST} lists {path}, which is not a tag file")
            if not (self.root / path).is_file():
                raise BagError(f"{path} is listed in {bag.TAGMANIFEST} but missing")
            if sha256_file(self.root / path)[0] != expected:
                raise BagError(f"{path} was changed: it does not match {bag.TAGMANIFEST}")
        tag_files = {p for p in _files(self.root, self.root) if not p.startswith("data/")}
        for path in sorted(tag_files - entries.keys() - _UNLISTED):
            raise BagError(f"{path} is not listed in {bag.TAGMANIFEST}: an added file")

    def _checkpoint(self, note: str, vkey: str, info: dict[str, str]) -> Checkpoint:
        for label in _LABELS:
            if label not in info:
                raise BagError(f"bag-info.txt has no {label}")
        try:
            checkpoint = parse_and_verify_checkpoint(note, vkey, origin=self.origin)
        except CheckpointError as error:
            raise BagError(f"{bag.CHECKPOINT}: {error}") from None
        if info["Frispor-Log-Origin"] != checkpoint.origin:
            raise BagError("bag-info.txt names another log origin than the checkpoint")
        claimed = (info["Frispor-Checkpoint-Size"], info["Frispor-Checkpoint-Root"])
        signed = (str(checkpoint.size), note.split("\n")[2])
        if claimed != signed:
            raise BagError(
                f"bag-info.txt names checkpoint {claimed[0]} {claimed[1]} but the signed "
                f"checkpoint is {signed[0]} {signed[1]}"
            )
        return checkpoint

    def _verify_note(self, text: str, vkey: str, what: str) -> Checkpoint:
        try:
            return parse_and_verify_checkpoint(text, vkey, origin=self.origin)
        except CheckpointError as error:
            raise BagError(f"{what}: {error}") from None

    def _consistency(self, vkey: str, checkpoint: Checkpoint, info: dict[str, str]) -> int | None:
        has_note = (self.root / bag.PREVIOUS_CHECKPOINT).is_file()
        if has_note != (self.root / bag.CONSISTENCY).is_file():
            raise BagError(f"{bag.PREVIOUS_CHECKPOINT} and {bag.CONSISTENCY} come together")
        proof: list[bytes] | None = None
        bag_previous: Checkpoint | None = None
        if has_note:
            note = _read_text(self.root, bag.PREVIOUS_CHECKPOINT)
            bag_previous = self._verify_note(note, vkey, bag.PREVIOUS_CHECKPOINT)
            try:
                doc = json.loads((self.root / bag.CONSISTENCY).read_bytes())
                proof = [bytes.fromhex(p) for p in doc["proof"]]
                claims = (doc["from_size"], doc["from_root"], doc["to_size"], doc["to_root"])
            except (ValueError, KeyError, TypeError):
                raise BagError(f"{bag.CONSISTENCY} is not a consistency proof") from None
            if claims != (bag_previous.size, bag_previous.root.hex(), *_head(checkpoint)):
                raise BagError(f"{bag.CONSISTENCY} is not between the bag's two checkpoints")
        if info.get("Frispor-Previous-Checkpoint-Size") != (
            str(bag_previous.size) if bag_previous else None
        ):
            raise BagError("bag-info.txt and the bag disagree about the previous checkpoint")
        yours = None
        if self.previous is not None:
            yours = self._verify_note(self.previous, vkey, "your previous checkpoint")
        old = yours or bag_previous
        if old is None:
            return None
        if old.size == checkpoint.size:
            proof = []
        elif old.size > checkpoint.size:
            raise BagError(
                f"not consistent: the bag's checkpoint (size {checkpoint.size}) is older than "
                f"the previous checkpoint (size {old.size})"
            )
        elif proof is None or bag_previous is None or bag_previous.size != old.size:
            raise BagError(
                f"not consistent: the bag carries no consistency proof from your previous "
                f"checkpoint (size {old.size})"
            )
        try:
            verify_consistency(old.size, checkpoint.size, old.root, checkpoint.root, proof)
        except ProofError as error:
            raise BagError(
                f"not consistent: the checkpoint of size {checkpoint.size} does not extend the "
                f"previous checkpoint of size {old.size}: {error}"
            ) from None
        return old.size

    def _manifest(self) -> dict[str, str]:
        entries = parse_manifest((self.root / bag.MANIFEST).read_bytes(), bag.MANIFEST)
        for path in (bag.EVENTS_JSONL, bag.EVENTS_CSV, bag.STATUS_JSON):
            if path not in entries:
                raise BagError(f"{bag.MANIFEST} does not list {path}")
        present = _files(self.root, self.root / "data")
        for path in sorted(entries):
            if not path.startswith("data/"):
                raise BagError(f"{bag.MANIFEST} lists {path}, which is not under data/")
            if path not in present:
                raise BagError(f"{path} is listed in {bag.MANIFEST} but missing")
        for path in sorted(present - entries.keys()):
            raise BagError(f"{path} is not listed in {bag.MANIFEST}: an added file")
        return entries

    def _oxum(self, info: dict[str, str]) -> None:
        present = _files(self.root, self.root / "data")
        octets = sum((self.root / p).stat().st_size for p in present)
        if info["Payload-Oxum"] != f"{octets}.{len(present)}":
            raise BagError(
                f"bag-info.txt: Payload-Oxum {info['Payload-Oxum']} does not match data/"
            )


def _head(checkpoint: Checkpoint) -> tuple[int, str]:
    return checkpoint.size, checkpoint.root.hex()


def verify_bag(
    path: Path,
    key: bytes | str,
    *,
    previous: str | None = None,
    origin: str | None = None,
    tsa: TsaTrust | None = None,
    require_timestamp: bool = False,
    witnesses: list[WitnessKey] | None = None,
    quorum: int = 0,
    steps: Steps | None = None,
) -> VerifiedBag:
    """Verify a bag offline with a public key (PEM bytes or a verifier key); raise BagError.

    With the TSA's certificate the bag's time-stamp tokens are checked too; with
    require_timestamp a missing or bad token of the bag's checkpoint is a failure. With
    witness keys, fewer than quorum valid cosignatures of them is a failure.
    """
    named = (witnesses or [], quorum)
    return _Verifier(path, key, previous, origin, tsa, require_timestamp, named, steps).run()
