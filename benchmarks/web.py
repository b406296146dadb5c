"""The web view's pages: server time per page (p50, p95) on the demo plus synthetic trials, with
the Merkle tree built and a signed checkpoint cut, so the event page proves against 1M leaves."""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from benchmarks.bulk import generate_bulk
from benchmarks.common import FAST, Bench, Figure, Row
from frispor.api.app import create_app
from frispor.credentials.tokens import new_token
from frispor.demo import load_demo
from frispor.domain.values import Role
from frispor.ledger.follow import cut_checkpoint, sync
from frispor.ledger.signer import Signer, write_key_pair
from frispor.ledger.store import TreeStore
from frispor.settings import Settings
from frispor.store.env import store_env
from frispor.store.open import open_app


def _signed_in(client: TestClient, token: str) -> None:
    page = client.get("/web/signin").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    client.post("/web/signin", data={"token": token, "csrf": csrf.group(1)})


def run(bench: Bench) -> list[Row]:
    """Each page asked for repeatedly by one signed-in auditor; the server's time per answer."""
    events = 20_000 if bench.quick else 1_000_000
    url = bench.schema_url()
    key = Path(tempfile.mkdtemp(prefix="frispor-web-")) / "bench.key"
    write_key_pair(key, "frispor.bench/web")
    app = open_app(store_env(url) | FAST)
    try:
        load_demo(app)
        generate_bulk(app, events)
        total = app.recorder.max_notification_id() or 0
        with TreeStore.open(url) as store:  # the tree and a checkpoint, before the pages
            sync(store, app.recorder)
            cut_checkpoint(store, Signer.from_pem_file(key, "frispor.bench/web"))
    finally:
        app.close()
    token, entry = new_token(Role.AUDITOR, "Rigsrevisionen", "bench")
    settings = Settings.model_validate(
        {"DATABASE_URL": url, "signing_key": str(key), "ledger_origin": "frispor.bench/web"}
    )
    rows = []
    with TestClient(create_app(settings, [entry]), base_url="https://bench") as client:
        services = client.app.state.services  # type: ignore[attr-defined]
        head = services.app.recorder.max_notification_id() or 0
        # Pages timed while a read model still catches up would time the catch-up too.
        assert services.read.wait_for(head, 1800), "the read models did not catch up in 30 min"
        _signed_in(client, token)
        listing = client.get("/web/trials?q=plejehjem").text
        found = re.search(r"/web/trials/([0-9a-f-]{36})", listing)
        assert found is not None
        trial = found.group(1)
        moment = "2018-05-01T00:00:00+00:00"
        pages = {
            "trials (searched, first page)": "/web/trials?q=plejehjem",
            "a trial (timeline, goal charts)": f"/web/trials/{trial}",
            "a trial as known at a moment": f"/web/trials/{trial}?known_at={moment}",
            "what changed in a trial": f"/web/trials/{trial}/changes",
            "an event with its inclusion proof": f"/web/events/{total // 2}",
            "findings, first page": "/web/findings",
            "findings, high, second page": "/web/findings?severity=high&cursor=",
        }
        second = re.search(
            r'href="([^"]*cursor=[^"]+)"', client.get("/web/findings?severity=high").text
        )
        assert second is not None, "the findings fit one page: no second page to time"
        pages["findings, high, second page"] = second.group(1).replace("&amp;", "&")
        repeats = 20 if bench.quick else 60
        for name, path in pages.items():
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                answer = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, (path, answer.status_code)
            p95 = statistics.quantiles(times, n=20)[-1]
            rows.append(
                Row(
                    f"web page: {name}, {total:,} events (p50 {statistics.median(times):.1f} ms)",
                    "ms at p95",
                    Figure((p95,)),
                    goal="p95 < 100 ms",
                )
            )
    return rows
