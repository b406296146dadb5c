"""A client generated from the served `/openapi.json` drives the demo's main scenario.

As an integrator would: fetch the description from a running server (`frispor serve` on
loopback), generate a Python package from it with openapi-python-client, import it, and use its
typed functions and models only — establish a programme, designate a network, approve a trial,
request an exemption, grant it, and read the trial's status back. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx2
import pytest

pytest.importorskip("openapi_python_client")  # dev extra

from tests.faults.support import Callers, ServerProcess, scratch_database  # noqa: E402

PACKAGE = "frispor_client"
BASIS = [{"act": "eli/lta/2017/658", "path": "§ 1", "title": "lov om frikommunenetværk"}]


def envelope(day: str, **fields: Any) -> dict[str, Any]:
    """A decision's body as the case system sends it."""
    return {"decided_on": day, "legal_basis": BASIS, "justification": "begrundet", **fields}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Callers]]:
    """`frispor serve` on a fresh store, and the callers' tokens."""
    callers = Callers.mint()
    workdir = Path(tmp_path_factory.mktemp(f"client-{request.param}"))
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{workdir / 'frispor.sqlite'}"
        else:
            url = stack.enter_context(scratch_database("frispor_client"))
        server = stack.enter_context(ServerProcess(url, callers, workdir))
        yield server.url, callers


@pytest.fixture(scope="module")
def client_package(
    served: tuple[str, Callers], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """The package generated from the server's own description, imported."""
    url, _ = served
    workdir = Path(tmp_path_factory.mktemp("generated"))
    document = httpx2.get(f"{url}/openapi.json", timeout=30).json()
    (workdir / "openapi.json").write_text(json.dumps(document), encoding="utf-8")
    generate = [
        sys.executable,
        "-m",
        "openapi_python_client",
        "generate",
        "--path",
        str(workdir / "openapi.json"),
        "--meta",
        "none",
        "--output-path",
        str(workdir / PACKAGE),
    ]
    done = subprocess.run(generate, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(workdir))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(workdir))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_the_generated_client_drives_the_main_scenario(
    served: tuple[str, Callers], client_package: Any
) -> None:
    url, callers = served
    models = importlib.import_module(f"{PACKAGE}.models")

    def call(group: str, name: str) -> Any:
        """A generated operation: `from frispor_client.api.<group> import <name>`."""
        return importlib.import_module(f"{PACKAGE}.api.{group}.{name}")

    with contextlib.ExitStack() as clients:

        def caller(who: str) -> Any:
            client = client_package.AuthenticatedClient(
                base_url=url, token=callers.tokens[who], raise_on_unexpected_status=True
            )
            return clients.enter_context(client)  # its connections closed at the end

        scenario(call, models, caller("oim"), caller("kbh"), caller("auditor"))


def scenario(call: Any, models: Any, ministry: Any, kbh: Any, auditor: Any) -> None:
    """Programme → network → trial → exemption request → grant → the trial's status."""

    def written(answer: Any) -> Any:
        assert isinstance(answer, models.WrittenPublic), answer
        return answer

    programme = written(
        call("programmes", "establish_programme").sync(
            client=ministry,
            body=models.ProgrammeCreate.from_dict(
                envelope(
                    "2016-10-10",
                    name="Frikommuneforsøg II",
                    kind="frikommune",
                    enabling_act=BASIS[0],
                    period={"start": "2016-10-10", "end": "2021-12-31"},
                    ministry="Økonomi- og Indenrigsministeriet",
                    protected_categories=["magtanvendelse"],
                )
            ),
        )
    )
    network = written(
        call("programmes", "designate_network").sync(
            programme.id,
            client=ministry,
            body=models.NetworkCreate.from_dict(
                envelope(
                    "2016-10-10",
                    name="Sammenhæng",
                    kind="network",
                    area="aeldre",
                    municipalities=["101", "561"],
                )
            ),
        )
    )
    trial = written(
        call("trials", "approve_trial").sync(
            client=ministry,
            body=models.TrialCreate.from_dict(
                envelope(
                    "2017-06-20",
                    network_id=str(network.id),
                    title="Anmeldte plejehjemstilsyn",
                    purpose="Læring",
                    period={"start": "2017-09-01", "end": "2018-04-30"},
                    municipalities=["101"],
                )
            ),
        )
    )
    exemption = written(
        call("trials", "request_exemption").sync(
            trial.id,
            client=kbh,
            body=models.ExemptionCreate.from_dict(
                envelope(
                    "2017-08-10",
                    municipality="101",
                    level="state",
                    category="tilsynsform",
                    rule={"act": "eli/lta/2017/988", "path": "§ 151, stk. 2"},
                    description="Anmeldte tilsyn",
                )
            ),
        )
    )
    grant = models.ExemptionGrant(
        decided_on=date(2017, 8, 25),
        legal_basis=[models.LegalReferenceIn(act=BASIS[0]["act"], path="§ 1")],
        justification="Betingelserne er opfyldt",
        validity=models.Period(start=date(2017, 9, 1), end=date(2018, 4, 30)),
        conditions=["Varsles højst 14 dage før"],
    )
    granted = written(
        call("exemptions", "grant").sync(
            exemption.id,
            client=ministry,
            body=grant,
            if_match=f'"{exemption.version}"',  # the version the request answered with
        )
    )
    status = call("queries", "get_trial").sync(
        trial.id, client=auditor, as_of=date(2018, 1, 15), min_position=granted.position
    )
    assert isinstance(status, models.TrialDetail), status
    assert status.phase == "running" and status.counts.exemptions_in_force == 1
    [shown] = status.exemptions
    assert shown.aggregate_id == exemption.id
    assert shown.status == models.ExemptionStatus.GRANTED
    assert shown.data.grantor == "Økonomi- og Indenrigsministeriet"
    # A refusal comes back typed too: the stale version, as a Problem naming the rule.
    again = call("exemptions", "grant").sync(
        exemption.id, client=ministry, body=grant, if_match=f'"{exemption.version}"'
    )
    assert isinstance(again, models.Problem) and again.status == 409, again
    assert again.rule == "optimistic-concurrency"
