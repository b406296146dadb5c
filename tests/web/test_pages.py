"""The web view in a real browser: sign in per role, every page, time travel, charts, exports."""

from __future__ import annotations

import re
from typing import Any

from axe_playwright_python.sync_playwright import Axe

from tests.web.conftest import Server, shot, sign_in

TRIAL = "Forsøg med anmeldte plejehjemstilsyn"


def serious(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page, as 'rule: target' lines."""
    results = Axe().run(page).response
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def open_trial(page: Any, server: Server) -> str:
    page.goto(f"{server.url}/web/trials?q=plejehjem")
    page.get_by_role("link", name=TRIAL).click()
    page.wait_for_url(re.compile(r".*/web/trials/[0-9a-f-]{36}$"))
    return str(page.url)


def test_a_page_without_a_session_sends_the_browser_to_sign_in(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/web/findings?severity=high")
    assert "/web/signin?next=" in page.url
    page.fill("#token", "not-a-token")
    page.click("#signin button[type=submit]")
    assert page.get_by_role("alert").inner_text() == "unknown token"
    page.fill("#token", server.tokens["auditor"])
    page.click("#signin button[type=submit]")
    page.wait_for_url("**/web/findings?severity=high")  # back where it was going, filters kept
    cookie = next(c for c in page.context.cookies() if c["name"] == "frispor_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie").find(server.tokens["auditor"]) == -1
    assert page.evaluate("JSON.stringify(localStorage)") == "{}"


def test_a_sign_in_link_fills_the_token_from_its_fragment(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/web/signin#token={server.tokens['auditor']}")
    assert page.input_value("#token") == server.tokens["auditor"]
    assert "#" not in page.url  # the token leaves the address bar at once
    page.click("#signin button[type=submit]")
    page.wait_for_url("**/web/trials")


def test_the_auditor_opens_every_page_with_no_serious_accessibility_violation(
    page: Any, server: Server
) -> None:
    sign_in(page, server, "auditor")
    assert page.get_by_role("link", name=TRIAL).is_visible()
    assert serious(page) == []
    shot(page, f"trials-{server.store}")
    trial = open_trial(page, server)
    assert page.get_by_role("heading", name=TRIAL, level=1).is_visible()
    assert page.locator("a[href='https://www.retsinformation.dk/eli/lta/2017/988']").count() >= 1
    assert "01.09.2017" in page.inner_text("main") or "1. september 2017" in page.inner_text("main")
    assert serious(page) == []
    shot(page, f"trial-{server.store}")
    page.goto(f"{trial}/changes")
    assert page.locator("#changes tbody tr").count() > 0
    assert serious(page) == []
    shot(page, f"changes-{server.store}")
    page.goto(f"{server.url}/web/findings")
    row = page.locator("#findings tbody tr", has_text="Anmeldt tilsyn uden gældende fritagelse")
    assert row.count() == 1 and "høj" in row.inner_text()
    assert serious(page) == []
    shot(page, f"findings-{server.store}")
    page.select_option("select[name=severity]", "low")
    page.click("form.filters button")
    assert "severity=low" in page.url
    assert page.locator("#findings tbody td.sev-high").count() == 0
    page.goto(f"{server.url}/web/findings")
    row = page.locator("#findings tbody tr", has_text="Tidligere registrering rettet")
    row.get_by_role("link", name="#37").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Hændelse #37: Rettelse"
    page.wait_for_timeout(100)
    shot(page, f"event-{server.store}")
    assert serious(page) == []
    page.goto(f"{server.url}/web/exports")
    assert serious(page) == []
    page.goto(f"{server.url}/docs")
    page.wait_for_selector(".swagger-ui .info")  # drawn from the app's own files
    shot(page, f"docs-{server.store}")


def test_the_event_page_shows_the_correction_and_a_verified_inclusion_proof(
    page: Any, server: Server
) -> None:
    sign_in(page, server, "auditor")
    for _ in range(50):  # the follower cuts a checkpoint within a second of starting
        page.goto(f"{server.url}/web/events/27")
        if "Verificeret af serveren" in page.inner_text("#proof-state"):
            break
        page.wait_for_timeout(200)
    assert "Verificeret af serveren" in page.inner_text("#proof-state")
    fix = page.locator("p.fix")
    assert "70" in fix.inner_text() and "68" in fix.inner_text()
    assert "/ledger/proofs/inclusion?position=27" in page.inner_text("main")


def test_the_slider_shows_the_correction_appear_and_disappear(page: Any, server: Server) -> None:
    sign_in(page, server, "auditor")
    open_trial(page, server)
    table = page.locator("table.measurements")
    assert "68" in table.locator("td.value").all_inner_texts()
    assert table.locator(".replaced").inner_text() == "70"
    slider = page.locator("#moment")
    moments = len(page.eval_on_selector("#moment", "e => JSON.parse(e.dataset.moments)"))
    assert slider.input_value() == str(moments)  # "now"
    slider.focus()
    for _ in range(moments):  # back by keyboard until the 70 % is what the record said
        with page.expect_navigation():
            page.keyboard.press("ArrowLeft")
        values = page.locator("table.measurements td.value").all_inner_texts()
        if "70" in values:
            break
        page.locator("#moment").focus()
    assert "known_at=" in page.url
    assert "70" in page.locator("table.measurements td.value").all_inner_texts()
    assert page.locator("table.measurements .replaced").count() == 0
    shot(page, f"trial-known-at-{server.store}")
    page.locator("#moment").focus()
    page.keyboard.press("End")
    page.wait_for_load_state()
    page.wait_for_function("!document.querySelector('#moment') || true")
    page.locator("table.measurements").wait_for()
    page.wait_for_url(re.compile(r".*known_at=(&|$)|.*/web/trials/[0-9a-f-]{36}\?as_of="))
    assert "68" in page.locator("table.measurements td.value").all_inner_texts()
    assert page.locator("table.measurements .replaced").inner_text() == "70"


def test_the_oesterbro_inspection_is_inside_the_timeline(page: Any, server: Server) -> None:
    sign_in(page, server, "auditor")
    open_trial(page, server)
    chart = page.locator("#timeline-chart svg")
    plot = chart.locator("g.plot rect.background").bounding_box()
    dots = chart.locator("g.dots", has=page.locator("desc.value", has_text="12.06.2018"))
    assert dots.count() == 1
    dot = dots.locator("circle").bounding_box()
    assert plot is not None and dot is not None
    assert plot["x"] <= dot["x"] and dot["x"] + dot["width"] <= plot["x"] + plot["width"]
    assert plot["y"] <= dot["y"] and dot["y"] + dot["height"] <= plot["y"] + plot["height"]
    assert "12.06.2018" in page.inner_text("#inspections")


def test_the_authority_makes_and_downloads_an_export(page: Any, server: Server) -> None:
    sign_in(page, server, "authority")
    titles = page.locator("main table a").all_inner_texts()
    assert TRIAL in titles and "Deleboliger" not in titles  # its own area only
    page.goto(f"{server.url}/web/exports")
    page.click("form.filters button")
    assert page.locator("#made").is_visible()
    with page.expect_download() as caught:
        page.locator("#made a").click()
    download = caught.value
    assert re.fullmatch(r"frispor-export-\d+\.tar\.gz", download.suggested_filename)
    assert download.path().read_bytes()[:2] == b"\x1f\x8b"  # gzip
    assert serious(page) == []
    shot(page, f"exports-{server.store}")


def test_a_recorder_reads_trials_but_not_the_review(page: Any, server: Server) -> None:
    sign_in(page, server, "recorder")
    assert page.get_by_role("link", name=TRIAL).is_visible()
    response = page.goto(f"{server.url}/web/findings")
    assert response is not None and response.status == 403


def test_english_on_request_and_keyboard_navigation(page: Any, server: Server) -> None:
    sign_in(page, server, "auditor")
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Trials"
    assert page.locator("html").get_attribute("lang") == "en"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    # The jump lands when the browser has handled the key: waited for, not read at once.
    page.wait_for_url("**#main", timeout=5_000)
    assert page.url.endswith("#main")
    page.get_by_role("link", name="Dansk").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Forsøg"
