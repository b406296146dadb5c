"""Pages that list more than fit on one: every item reachable by the paging links, and each link
keeping the page's filters and times (shareable URLs); the event page's trusted time."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient

from frispor.api.app import create_app
from frispor.credentials.tokens import new_token
from frispor.demo import load_demo
from frispor.demo.actors import INSPECTOR
from frispor.demo.bulk import generate_bulk
from frispor.demo.script import FRIKOMMUNELOV
from frispor.domain.aggregate import Envelope
from frispor.domain.commands import Correct, RecordMeasurement
from frispor.domain.values import Period, Role
from frispor.ledger.follow import cut_checkpoint, sync
from frispor.ledger.signer import Signer, write_key_pair
from frispor.ledger.stamps import add_stamp
from frispor.ledger.store import TreeStore
from frispor.ledger.timestamp import TsaTrust
from frispor.ledger.tsa_client import fetch_token
from frispor.settings import Settings
from frispor.store.open import open_app
from tests.ledger.tsa_testkit import running_tsa

ORIGIN = "frispor.test/paging"
KNOWN_AT = "2026-01-01T12:00:00+01:00"


@pytest.fixture
def web(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    """The demo and ~150 synthetic trials, a tree with a checkpoint, an auditor signed in."""
    key = tmp_path / "frispor.key"
    write_key_pair(key, ORIGIN)
    app = open_app(Settings.model_validate({"DATABASE_URL": database_url}).eventsourcing_env())
    try:
        load_demo(app)
        generate_bulk(app, 12_000, templates=3)
        with TreeStore.open(database_url) as store:
            sync(store, app.recorder)
            cut_checkpoint(store, Signer.from_pem_file(key, ORIGIN))
    finally:
        app.close()
    token, entry = new_token(Role.AUDITOR, "Rigsrevisionen", "auditor")
    # No signing key for the server: the checkpoint above stays the latest.
    settings = Settings.model_validate({"DATABASE_URL": database_url})
    with TestClient(create_app(settings, [entry]), base_url="https://testserver") as client:
        services = client.app.state.services  # type: ignore[attr-defined]
        assert services.read.wait_for(services.app.recorder.max_notification_id() or 0, 120)
        page = client.get("/web/signin").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf is not None
        client.post("/web/signin", data={"token": token, "csrf": csrf.group(1)})
        yield client, token


def _links(page: str, pattern: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(rf'href="({pattern}[^"]*)"', page)]


def _next(page: str) -> str | None:
    found = re.search(r'<nav aria-label="Sider" class="pager">(.*?)</nav>', page, re.S)
    assert found is not None
    link = re.search(r'href="([^"]+)"[^>]*>Næste side<', found.group(1))
    return html.unescape(link.group(1)) if link else None


def _every_page(client: TestClient, first: str) -> Iterator[tuple[str, str]]:
    """(url, html) of the first page and each page its next links lead to."""
    url: str | None = first
    while url is not None:
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.text[:300])
        yield url, answer.text
        url = _next(answer.text)


def _api_all(client: TestClient, token: str, path: str, **params: str) -> list[Any]:
    """Every item of a paged API list, followed by its cursor."""
    items: list[Any] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": "1000", **({"cursor": cursor} if cursor else {})}
        body = client.get(path, params=query, headers={"Authorization": f"Bearer {token}"}).json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def test_the_trials_pages_show_every_trial_and_keep_filters_and_times(
    web: tuple[TestClient, str],
) -> None:
    client, token = web
    today = date.today().isoformat()
    every = _api_all(client, token, "/trials", as_of=today, known_at=KNOWN_AT)
    assert len(every) > 100  # more than the API's first page of 100
    phase = Counter(t["phase"] for t in every).most_common(1)[0][0]
    expected = {t["aggregate_id"] for t in every if t["phase"] == phase}
    assert len(expected) > 25  # more than one page
    first = "/web/trials?" + urlencode({"as_of": today, "known_at": KNOWN_AT, "state": phase})
    shown: list[str] = []
    pages = 0
    for url, page in _every_page(client, first):
        pages += 1
        query = parse_qs(urlsplit(url).query)
        assert query["as_of"] == [today] and query["known_at"] == [KNOWN_AT], url
        assert query["state"] == [phase], url
        for link in _links(page, "/web/trials/"):
            trial = urlsplit(link)
            assert parse_qs(trial.query) == {"as_of": [today], "known_at": [KNOWN_AT]}, link
            shown.append(trial.path.rsplit("/", 1)[-1])
        assert f"{len(expected)} forsøg" in page
    assert pages > 1 and len(shown) == len(set(shown))
    assert set(shown) == expected
    unfiltered = "/web/trials?" + urlencode({"as_of": today, "known_at": KNOWN_AT})
    assert sum(len(_links(p, "/web/trials/")) for _, p in _every_page(client, unfiltered)) == len(
        every
    )


def test_the_trials_filters_narrow_in_the_database(web: tuple[TestClient, str]) -> None:
    client, token = web
    every = _api_all(client, token, "/trials")
    municipality = every[0]["data"]["municipalities"][0]
    title = every[0]["data"]["title"]
    page = client.get("/web/trials", params={"municipality": municipality}).text
    wanted = [t for t in every if municipality in t["data"]["municipalities"]]
    assert f"{len(wanted)} forsøg" in page
    searched = client.get("/web/trials", params={"q": title.upper()[:12]}).text
    assert f">{html.escape(title)}</a>" in searched
    assert "0 forsøg" in client.get("/web/trials", params={"q": "%_ intet som dette"}).text


def test_the_findings_pages_show_every_finding_and_keep_filters_and_times(
    web: tuple[TestClient, str],
) -> None:
    client, token = web
    expected = _api_all(client, token, "/review", severity="high", known_at=KNOWN_AT)
    assert len(expected) > 25  # more than one page
    first = "/web/findings?" + urlencode({"severity": "high", "known_at": KNOWN_AT})
    rows = 0
    pages = 0
    for url, page in _every_page(client, first):
        pages += 1
        query = parse_qs(urlsplit(url).query)
        assert query["severity"] == ["high"] and query["known_at"] == [KNOWN_AT], url
        rows += page.count('class="sev-high"')
        assert 'class="sev-medium"' not in page and 'class="sev-low"' not in page
        for link in _links(page, "/web/trials/"):
            assert parse_qs(urlsplit(link).query) == {"known_at": [KNOWN_AT]}, link
    assert pages > 1 and rows == len(expected)
    refused = client.get("/web/findings", params={"severity": "enorm"})
    assert refused.status_code == 422 and "severity" in refused.text


def test_the_trial_and_event_pages_keep_the_times_in_their_links(
    web: tuple[TestClient, str],
) -> None:
    client, token = web
    listing = client.get("/web/trials", params={"q": "plejehjem"}).text
    trial = _links(listing, "/web/trials/")[0].split("?")[0]
    whole = client.get(trial, params={"known_at": KNOWN_AT}).text
    page = whole[whole.index('<main id="main">') :]  # the header's menu starts afresh
    onward = _links(page, "/web/trials/") + _links(page, "/web/findings") + _links(page, "/web/")
    events = _links(page, "/web/events/")
    assert events and any("/changes" in link for link in onward)
    for link in [*onward, *events]:
        if link.startswith(("/web/trials/", "/web/findings", "/web/events/")):
            assert parse_qs(urlsplit(link).query).get("known_at") == [KNOWN_AT], link
    feed = client.get(
        "/events", params={"limit": "1000"}, headers={"Authorization": f"Bearer {token}"}
    ).json()["items"]
    fix = next(e for e in feed if e["type"].endswith("Corrected"))
    for position in (fix["position"], fix["facts"]["corrected_event_id"]):
        if isinstance(position, str):  # the corrected event, found by its id
            position = next(e["position"] for e in feed if e["event_id"] == position)
        event = client.get(f"/web/events/{position}", params={"known_at": KNOWN_AT}).text
        linked = _links(event[event.index('<main id="main">') :], "/web/events/")
        assert linked, position
        assert all(parse_qs(urlsplit(link).query)["known_at"] == [KNOWN_AT] for link in linked)


def test_the_event_page_says_when_a_trusted_time_stamp_proves_it_existed(
    web: tuple[TestClient, str], database_url: str, tmp_path: Path
) -> None:
    client, _ = web
    page = client.get("/web/events/57").text
    assert "✔" in page
    assert "Intet tidsstempel endnu" in page and "fandtes senest" not in page
    with running_tsa(tmp_path / "tsa") as tsa, TreeStore.open(database_url) as store:
        checkpoint = store.latest_checkpoint()
        assert checkpoint is not None
        token, stamp = fetch_token(
            tsa.url, checkpoint.note, TsaTrust.from_pem(tsa.trust.read_bytes())
        )
        add_stamp(store, checkpoint.id, token, stamp, "2026-12-05T10:00:00Z")
    page = client.get("/web/events/57").text
    said = re.search(r'<p id="stamp">(.*?)</p>', page, re.S)
    assert said is not None
    text = " ".join(said.group(1).split())
    assert text.startswith("Position 57 fandtes senest ")
    assert f"tidsstemplet af {stamp.tsa}" in text
    local = re.search(r"senest (\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d) ([+-]\d\d:\d\d)", text)
    assert local is not None and local.group(2) in ("+01:00", "+02:00")  # Copenhagen's offset
    english = client.get("/web/events/57", params={"lang": "en"}).text
    assert "Position 57 existed no later than" in english and "timestamped by" in english


def test_the_event_page_finds_a_correction_past_the_first_hundred_events(
    database_url: str,
) -> None:
    app = open_app(Settings.model_validate({"DATABASE_URL": database_url}).eventsourcing_env())
    try:
        load_demo(app)
        # The goal of the demo's one correction: København's, measured by its inspector.
        logged = app.recorder.select_notifications(start=1, limit=10_000)
        goal = next(n.originator_id for n in logged if n.topic.endswith(":Corrected"))
        basis = (FRIKOMMUNELOV,)
        env = Envelope(
            actor=INSPECTOR, legal_basis=basis, justification="Måling", decided_on=date(2019, 1, 1)
        )
        for day in range(1, 121):  # the goal's history runs past one page of /history
            start = date(2019, 1, 1) + timedelta(days=day)
            app.record_measurement(
                env,
                goal,
                RecordMeasurement(
                    period=Period(start=start, end=start), value=Decimal(day), source="test"
                ),
            )
        late = app.history(goal)[-1]
        app.correct(
            env,
            Correct(
                aggregate_id=goal,
                event_id=late.event_id,
                field="value",
                new_value="7",
                reason="Fejl",
            ),
        )
    finally:
        app.close()
    token, entry = new_token(Role.AUDITOR, "Rigsrevisionen", "auditor")
    settings = Settings.model_validate({"DATABASE_URL": database_url})
    with TestClient(create_app(settings, [entry]), base_url="https://testserver") as client:
        auth = {"Authorization": f"Bearer {token}"}
        feed = client.get("/events", params={"limit": "1000"}, headers=auth).json()["items"]
        corrected = next(e for e in feed if e["event_id"] == str(late.event_id))
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/web/signin").text)
        assert csrf is not None
        client.post("/web/signin", data={"token": token, "csrf": csrf.group(1)})
        page = client.get(f"/web/events/{corrected['position']}").text
    assert "Rettet af" in page and "Fejl" in page, "the correction is missing from the page"
