"""Sign-in, CSRF and refusals of the web view over real HTTP handling (no browser needed)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from frispor.api.app import create_app
from frispor.credentials.tokens import new_token
from frispor.demo import load_demo
from frispor.domain.values import Role
from frispor.ledger.signer import write_key_pair
from frispor.settings import Settings
from frispor.store.open import open_app

CALLERS = {
    "auditor": (Role.AUDITOR, "Rigsrevisionen", None),
    "authority": (Role.AUTHORITY, "Ankestyrelsen", "sammenhaeng"),
    "admin": (Role.ADMIN, "drift", None),
}


@pytest.fixture
def web(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], Path]]:
    key = tmp_path / "frispor.key"
    write_key_pair(key, "frispor.test/trail")
    settings = Settings.model_validate(
        {
            "DATABASE_URL": database_url,
            "signing_key": str(key),
            "ledger_origin": "frispor.test/trail",
            "exports_dir": str(tmp_path / "exports"),
        }
    )
    app = open_app(settings.eventsourcing_env())
    try:
        load_demo(app)
    finally:
        app.close()
    tokens, entries = {}, []
    for who, (role, org, area) in CALLERS.items():
        tokens[who], entry = new_token(role, org, who, area)
        entries.append(entry)
    # https: the session cookie is Secure, so a client keeps it only on a secure origin.
    with TestClient(create_app(settings, entries), base_url="https://testserver") as client:
        services = client.app.state.services  # type: ignore[attr-defined]
        assert services.read.wait_for(services.app.recorder.max_notification_id() or 0, 30)
        yield client, tokens, tmp_path / "exports"


def csrf_of(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)


def signed_in(client: TestClient, token: str) -> None:
    csrf = csrf_of(client, "/web/signin")
    answer = client.post("/web/signin", data={"token": token, "csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303


Web = tuple[TestClient, dict[str, str], Path]


def test_sign_in_keeps_the_token_in_a_strict_httponly_secure_cookie(web: Web) -> None:
    client, tokens, _ = web
    csrf = csrf_of(client, "/web/signin")
    answer = client.post(
        "/web/signin", data={"token": tokens["auditor"], "csrf": csrf}, follow_redirects=False
    )
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("frispor_session=")
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie
    assert client.get("/web/findings").status_code == 200


def test_sign_in_without_the_forms_csrf_token_is_refused(web: Web) -> None:
    client, tokens, _ = web
    csrf_of(client, "/web/signin")  # the browser has a pre-session, but the form is forged
    answer = client.post(
        "/web/signin", data={"token": tokens["auditor"], "csrf": "0" * 64}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert "frispor_session" not in answer.headers.get("set-cookie", "")
    assert client.get("/web/findings", follow_redirects=False).status_code == 303


def test_an_export_posted_without_the_csrf_token_writes_nothing(web: Web) -> None:
    client, tokens, exports = web
    signed_in(client, tokens["authority"])
    form = {"area": "sammenhaeng", "start": "", "end": ""}
    refused = client.post("/web/exports", data={**form, "csrf": "forged"})
    assert refused.status_code == 403
    assert not exports.exists() or not any(exports.glob("*.owner"))
    csrf = csrf_of(client, "/web/exports")
    made = client.post("/web/exports", data={**form, "csrf": csrf})
    assert made.status_code == 201 and 'id="made"' in made.text
    assert len(list(exports.glob("*.owner"))) == 1


def test_another_areas_export_is_refused_as_the_api_refuses_it(web: Web) -> None:
    client, tokens, exports = web
    signed_in(client, tokens["authority"])
    csrf = csrf_of(client, "/web/exports")
    answer = client.post("/web/exports", data={"area": "bolig", "csrf": csrf})
    assert answer.status_code == 403 and "sammenhaeng" in answer.text
    assert not exports.exists() or not any(exports.glob("*.owner"))


def test_the_admin_is_shown_the_apis_refusal_not_the_trials(web: Web) -> None:
    client, tokens, _ = web
    signed_in(client, tokens["admin"])
    answer = client.get("/web/trials")
    assert answer.status_code == 403 and "Forsøg med anmeldte" not in answer.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/web/trials?as_of=2018-13-45", 422),
        ("/web/trials?known_at=yesterday", 422),
        ("/web/trials/00000000-0000-0000-0000-000000000000", 404),
        ("/web/events/999999", 404),
        ("/web/trials/{trial}?known_at=2018-05-01T00:00:00 00:00", 200),  # '+' sent unencoded
        ("/web/trials/{trial}?known_at=2018-05-01", 200),
    ],
)
def test_bad_input_gets_a_page_that_names_it_not_a_500(web: Web, path: str, status: int) -> None:
    client, tokens, _ = web
    signed_in(client, tokens["auditor"])
    if "{trial}" in path:
        found = re.search(r"/web/trials/([0-9a-f-]{36})", client.get("/web/trials?q=pleje").text)
        assert found is not None
        path = path.replace("{trial}", found.group(1))
    answer = client.get(path)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")


def test_docs_and_assets_come_from_the_app_itself(web: Web) -> None:
    client, _, _ = web
    docs = client.get("/docs").text
    assert "/web/swagger/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert client.get("/web/swagger/swagger-ui-bundle.js").status_code == 200
    assert client.get("/web/static/style.css").status_code == 200
    assert client.get("/", follow_redirects=False).headers["location"] == "/web/trials"


def test_sign_in_follows_only_this_sites_paths(web: Web) -> None:
    client, tokens, _ = web
    csrf = csrf_of(client, "/web/signin")
    answer = client.post(
        "/web/signin",
        data={"token": tokens["auditor"], "csrf": csrf, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/web/trials"
