"""Unrelated decisions sent at once all succeed; a rule still refuses exactly what it must.

Real HTTP on a uvicorn server in this process, on both stores. Without If-Match the server decides
a decision again when a concurrent one took the version of a bookkeeping event it also writes
(`Trial.ExemptionFiled`, `Network.InstitutionCounted`); the enrolment limit holds all the same.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator

import pytest

from frispor.domain.application import Frispor
from frispor.domain.commands import RequestExemption
from frispor.domain.errors import ConcurrencyError
from frispor.domain.trial import Trial
from frispor.domain.values import LegalReference, RuleCategory, RuleLevel
from frispor.store.env import store_env
from frispor.store.open import open_app
from tests.api.conftest import Api
from tests.api.scenario import BASIS, build, created, decision
from tests.faults.test_concurrent_writers import Server, at_once, poster, serving
from tests.integration.test_store import env, trial

ENROLMENTS = 9  # three municipalities, three each, at most two each


@pytest.fixture
def app(database_url: str) -> Iterator[Frispor]:
    application = open_app(store_env(database_url))
    yield application
    application.close()


@pytest.fixture
def server(database_url: str) -> Iterator[Server]:
    with serving(database_url) as served:
        yield served


def retries(api: Api) -> float:
    text = api.client.get("/metrics", headers=api.headers("admin")).text
    found = re.search(r"^frispor_command_retries_total (\S+)$", text, re.MULTILINE)
    assert found, "no frispor_command_retries_total in /metrics"
    return float(found.group(1))


def test_six_exemption_requests_for_one_trial_at_once_all_succeed(server: Server) -> None:
    api, url, callers = server
    trial_id = build(api)["trial"]
    before = len(api.get(f"/history/{trial_id}").json()["items"])
    requests = [
        poster(
            callers,
            "kbh",
            f"/trials/{trial_id}/exemptions",
            decision(
                "2017-08-12",
                municipality="101",
                level="local",
                category="dokumentation",
                rule={"act": "eli/lta/2017/988", "path": f"§ {80 + n}"},
                description=f"Fritagelse {n}",
            ),
        )
        for n in range(6)
    ]
    answers = at_once(url, requests)
    assert [status for status, _ in answers] == [201] * 6, answers
    for _, body in answers:
        assert api.get(f"/history/{body['id']}").status_code == 200
    filed = api.get(f"/history/{trial_id}").json()["items"][before:]
    assert [e["type"] for e in filed] == ["Trial.ExemptionFiled"] * 6
    print(f"\nsix exemption requests at once: all 201, {retries(api):.0f} decided again")


def test_nine_enrolments_at_once_the_limit_holds_exactly(server: Server) -> None:
    api, url, callers = server
    programme = created(
        api.post(
            "/programmes",
            decision(
                "2018-05-15",
                name="Friinstitutioner",
                kind="friinstitution",
                enabling_act=BASIS[0],
                period={"start": "2018-05-15", "end": "2021-12-31"},
                ministry="Økonomi- og Indenrigsministeriet",
                max_institutions_per_municipality=2,
            ),
        )
    )["id"]
    network = created(
        api.post(
            f"/programmes/{programme}/networks",
            decision(
                "2018-05-15",
                name="Ældre",
                kind="partnership",
                area="aeldre",
                municipalities=["101", "147", "751"],
            ),
        )
    )["id"]
    trial_id = created(
        api.post(
            "/trials",
            decision(
                "2018-09-15",
                network_id=network,
                title="Friplejehjem",
                purpose="Resultatmål i stedet for regler",
                period={"start": "2018-10-01", "end": "2021-09-30"},
                municipalities=["101", "147", "751"],
            ),
        )
    )["id"]
    who = {"101": "kbh", "147": "frb", "751": "oim"}
    requests = [
        poster(
            callers,
            who[municipality],
            f"/trials/{trial_id}/institutions",
            decision(
                "2018-09-20",
                name=f"Plejehjem {municipality}-{n}",
                kind="plejehjem",
                municipality=municipality,
                ownership="kommunal",
                p_number=f"10{municipality}{n:05d}",
            ),
        )
        for municipality in who
        for n in range(ENROLMENTS // 3)
    ]
    answers = at_once(url, requests)
    outcomes = Counter((status, body.get("rule")) for status, body in answers)
    assert outcomes == {(201, None): 6, (409, "rule-4-enrolment-limit"): 3}, answers
    per_municipality = Counter(
        body["municipality"]
        for status, answer in answers
        if status == 201
        for body in [api.get(f"/history/{answer['id']}").json()["items"][0]["facts"]]
    )
    assert per_municipality == {"101": 2, "147": 2, "751": 2}
    counted = [e["type"] for e in api.get(f"/history/{network}").json()["items"]]
    assert counted.count("Network.InstitutionCounted") == 6
    print(f"\nnine enrolments at once: 6 in, 3 over the limit, {retries(api):.0f} decided again")


def test_a_lost_race_is_decided_again_and_the_409_names_what_exists(app: Frispor) -> None:
    _, _, trial_id = trial(app)
    loaded, first = threading.Barrier(2), threading.local()
    real_get = app.repository.get
    outcomes: list[object] = []
    retried: list[int] = []
    app.on_retry = lambda: retried.append(1)

    def get_then_wait(*args: object, **kwargs: object) -> object:
        agg = real_get(*args, **kwargs)  # type: ignore[arg-type]
        if not getattr(first, "done", False):
            first.done = True
            loaded.wait(timeout=10)  # both hold the trial at one version before either saves
        return agg

    def request(n: int, expected: int | None) -> None:
        try:
            outcomes.append(
                app.request_exemption(
                    env("kommune:101"),
                    trial_id,
                    RequestExemption(
                        municipality="101",
                        rule=LegalReference.parse("eli/lta/2017/988", f"§ {n}"),
                        level=RuleLevel.LOCAL,
                        category=RuleCategory.DOKUMENTATION,
                        description="x",
                    ),
                    expected_version=expected,
                )
            )
        except ConcurrencyError as error:
            outcomes.append(error)

    for expected in (None, 1):  # no If-Match: both written; the same If-Match: one wins
        version = app.get(Trial, trial_id).version  # type: ignore[arg-type]
        first.done = False
        app.repository.get = get_then_wait  # type: ignore[method-assign]
        threads = [
            threading.Thread(target=request, args=(n, None if expected is None else version))
            for n in (1, 2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        app.repository.get = real_get  # type: ignore[method-assign]
    assert sorted(type(o).__name__ for o in outcomes) == ["ConcurrencyError", *["Written"] * 3]
    [stale] = [o for o in outcomes if isinstance(o, ConcurrencyError)]
    assert f"trial {trial_id}" in stale.message  # the trial exists; the new exemption did not
    assert len(retried) == 2
