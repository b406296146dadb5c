"""/health reports the ledger's timestamping as it happens: stamped by a real TSA, or waiting."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from frispor.ledger.signer import write_key_pair
from tests.api.conftest import Api
from tests.api.scenario import build
from tests.ledger.tsa_testkit import Tsa, running_tsa


def _ledger_when(api: Api, ready: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The ledger part of /health once `ready` holds for it (or fail after 30 s)."""
    deadline = time.monotonic() + 30
    while True:
        body = api.client.get("/health").json()
        assert body["status"] == "ok", body  # the ledger's lag never makes the service unready
        ledger: dict[str, Any] = body["ledger"]
        if ready(ledger["timestamps"]) or time.monotonic() > deadline:
            return ledger
        time.sleep(0.1)


def _ledger_api(make_api: Callable[..., Api], tmp_path: Path, tsa: Tsa) -> Api:
    key = tmp_path / "log.pem"
    write_key_pair(key, "frispor.test/trail")
    return make_api(signing_key=key, tsa_url=tsa.url, tsa_cert=tsa.trust, checkpoint_every=0.1)


def test_health_shows_checkpoints_stamped_by_the_tsa(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    with running_tsa(tmp_path / "tsa") as tsa:
        api = _ledger_api(make_api, tmp_path, tsa)
        build(api)  # decisions through HTTP: the ledger grows and a checkpoint is cut
        ledger = _ledger_when(api, lambda t: t["stamped"] >= 1 and t["checkpoints_waiting"] == 0)
    stamps = ledger["timestamps"]
    assert stamps["tsa"] == tsa.url and stamps["last_error"] is None, stamps
    assert stamps["stamped"] >= 1 and stamps["checkpoints_waiting"] == 0, stamps
    assert tsa.requests >= stamps["stamped"]  # each stamp came from the TSA over HTTP
    assert "no witnesses configured" in ledger["witnesses"]


def test_health_shows_checkpoints_waiting_while_the_tsa_is_down(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    with running_tsa(tmp_path / "tsa") as tsa:
        tsa.down = True
        api = _ledger_api(make_api, tmp_path, tsa)
        build(api)
        down = _ledger_when(api, lambda t: t["checkpoints_waiting"] >= 1 and bool(t["last_error"]))
        tsa.down = False  # back: the waiting checkpoints are stamped, nothing is lost
        back = _ledger_when(api, lambda t: t["checkpoints_waiting"] == 0 and t["stamped"] >= 1)
    assert down["timestamps"]["checkpoints_waiting"] >= 1, down
    assert down["timestamps"]["stamped"] == 0 and down["timestamps"]["lag_seconds"] is not None
    assert "503" in down["timestamps"]["last_error"], down  # the TSA's answer, named
    assert back["timestamps"]["checkpoints_waiting"] == 0 and back["timestamps"]["stamped"] >= 1
