"""The six rules of the domain: each refusal is its own error naming the rule and the value."""

from __future__ import annotations

from datetime import date

import pytest

from frispor.domain.commands import EnrolInstitution, GrantExemption, RequestExemption
from frispor.domain.errors import (
    CprNumberError,
    EnrolmentLimitError,
    IncompetentGrantorError,
    MissingJustificationError,
    MissingLegalBasisError,
    NotEnrolledError,
    OutsideTrialPeriodError,
    ProtectedCategoryError,
)
from frispor.domain.exemption import Exemption
from frispor.domain.export import Export
from frispor.domain.institution import Institution
from frispor.domain.programme import Network
from frispor.domain.values import InstitutionKind, Ownership, Period, RuleCategory, RuleLevel
from tests.domain.builders import MINISTRY, RULE, ctx, requested, settled, then, world

TRIAL_PERIOD = Period(start=date(2018, 3, 1), end=date(2018, 12, 31))


def test_rule_1_request_in_protected_category_refused() -> None:
    w = world()
    with pytest.raises(ProtectedCategoryError, match="protected category 'magtanvendelse'") as e:
        requested(w, category=RuleCategory.MAGTANVENDELSE)
    assert e.value.rule == "rule-1-protected-category" and e.value.value == "magtanvendelse"


def test_rule_1_grant_checks_again() -> None:
    w = world()
    x = requested(w)
    # An imported request in a category that the programme protects is still not granted.
    w["programme"].protected_categories = frozenset({RuleCategory.TILSYNSFORM})
    with pytest.raises(ProtectedCategoryError):
        x.grant(
            ctx(), w["programme"], w["network"], w["trial"], GrantExemption(validity=TRIAL_PERIOD)
        )
    assert then(x) == []


@pytest.mark.parametrize(
    "validity",
    [
        Period(start=date(2018, 2, 28), end=date(2018, 12, 31)),
        Period(start=date(2018, 3, 1), end=date(2019, 1, 1)),
    ],
)
def test_rule_2_validity_outside_trial_period_refused(validity: Period) -> None:
    w = world()
    x = requested(w)
    with pytest.raises(OutsideTrialPeriodError, match="outside the trial period 2018-03-01"):
        x.grant(ctx(), w["programme"], w["network"], w["trial"], GrantExemption(validity=validity))


def test_rule_2_extension_first_allows_longer_validity() -> None:
    w = world()
    w["trial"].extend(ctx(), date(2019, 6, 30))
    x = requested(w)
    longer = Period(start=date(2018, 3, 1), end=date(2019, 6, 30))
    x.grant(ctx(), w["programme"], w["network"], w["trial"], GrantExemption(validity=longer))
    [granted] = then(x)
    assert isinstance(granted, Exemption.Granted) and granted.validity == longer


def test_rule_2_ending_trial_expires_what_it_granted() -> None:
    w = world()
    x = requested(w)
    x.grant(ctx(), w["programme"], w["network"], w["trial"], GrantExemption(validity=TRIAL_PERIOD))
    settled(x)
    w["trial"].end(ctx(), date(2018, 6, 30))
    assert x.expire(ctx(), date(2018, 6, 30)) is True
    [expired] = then(x)
    assert isinstance(expired, Exemption.Expired) and expired.expired_on == date(2018, 6, 30)
    with pytest.raises(OutsideTrialPeriodError):
        requested(w).grant(
            ctx(), w["programme"], w["network"], w["trial"], GrantExemption(validity=TRIAL_PERIOD)
        )


def test_rule_3_state_rule_granted_by_municipal_council_refused() -> None:
    w = world()
    x = requested(w, level=RuleLevel.STATE)
    with pytest.raises(IncompetentGrantorError, match="not by 'kommune:101'") as e:
        x.grant(
            ctx("kommune:101"),
            w["programme"],
            w["network"],
            w["trial"],
            GrantExemption(validity=TRIAL_PERIOD),
        )
    assert e.value.value == "kommune:101"


def test_rule_3_state_rule_by_the_networks_ministry_allowed() -> None:
    w = world()
    x = requested(w, level=RuleLevel.STATE)
    x.grant(
        ctx("Sundhedsministeriet"),
        w["programme"],
        w["network"],
        w["trial"],
        GrantExemption(validity=TRIAL_PERIOD),
    )
    assert [type(e) for e in then(x)] == [Exemption.Granted]


@pytest.mark.parametrize("level", [RuleLevel.MUNICIPAL, RuleLevel.LOCAL])
def test_rule_3_municipal_rule_only_by_that_municipality(level: RuleLevel) -> None:
    w = world()
    x = requested(w, level=level)
    for wrong in (MINISTRY, "kommune:147"):
        with pytest.raises(IncompetentGrantorError, match="council of municipality 101"):
            x.grant(
                ctx(wrong),
                w["programme"],
                w["network"],
                w["trial"],
                GrantExemption(validity=TRIAL_PERIOD),
            )
    x.grant(
        ctx("kommune:101"),
        w["programme"],
        w["network"],
        w["trial"],
        GrantExemption(validity=TRIAL_PERIOD),
    )
    [granted] = then(x)
    assert isinstance(granted, Exemption.Granted) and granted.grantor == "kommune:101"


def test_rule_4_institution_of_another_trial_refused() -> None:
    w, other = world(), world()
    with pytest.raises(NotEnrolledError, match="not enrolled in the trial"):
        requested(w, institution=other["home"])


def test_rule_4_enrolment_limit_per_municipality() -> None:
    w = world(limit=2)
    network: Network = w["network"]
    network.count_enrolment(ctx(), w["programme"], w["home"].id, w["trial"].id, "101")
    second = Institution.enrol(
        ctx("kommune:101"),
        w["trial"],
        network,
        EnrolInstitution(
            name="Plejecenter Valby",
            kind=InstitutionKind.PLEJEHJEM,
            municipality="101",
            ownership=Ownership.KOMMUNAL,
            cvr="29556822",
        ),
    )
    network.count_enrolment(ctx(), w["programme"], second.id, w["trial"].id, "101")
    settled(network)
    with pytest.raises(EnrolmentLimitError, match="already has 2 institution.*at most 2"):
        network.count_enrolment(ctx(), w["programme"], second.id, w["trial"].id, "101")
    # Another municipality has its own count.
    network.count_enrolment(ctx(), w["programme"], second.id, w["trial"].id, "147")
    assert [type(e) for e in then(network)] == [Network.InstitutionCounted]


def test_rule_4_no_limit_in_a_programme_without_one() -> None:
    w = world(limit=None)
    for _ in range(5):
        w["network"].count_enrolment(ctx(), w["programme"], w["home"].id, w["trial"].id, "101")
    assert len(then(w["network"])) == 5


def test_rule_5_decision_without_legal_basis_refused() -> None:
    w = world()
    x = requested(w)
    with pytest.raises(MissingLegalBasisError, match="needs a legal basis"):
        x.reject(ctx(basis=()), "no")


def test_rule_5_decision_without_justification_refused() -> None:
    w = world()
    with pytest.raises(MissingJustificationError, match="needs a justification"):
        requested(w).reject(ctx(justification="  "), "no")


@pytest.mark.parametrize("cpr", ["010190-1234", "0101901234", "010190 1234", "010190‐1234"])
def test_rule_6_cpr_in_justification_refused(cpr: str) -> None:
    w = world()
    x = requested(w)
    with pytest.raises(CprNumberError, match="'envelope.justification'"):
        x.reject(ctx(justification=f"borgeren {cpr} klagede"), "no")
    assert then(x) == []


def test_rule_6_cpr_in_a_fact_field_refused() -> None:
    w = world()
    with pytest.raises(CprNumberError, match="'description'"):
        Exemption.request(
            ctx("kommune:101"),
            w["programme"],
            w["trial"],
            RequestExemption(
                municipality="101",
                rule=RULE,
                level=RuleLevel.STATE,
                category=RuleCategory.TILSYNSFORM,
                description="gælder 2902001234",
            ),
        )


def test_rule_6_leaves_digests_alone() -> None:
    # A SHA-256 in hex can hold ten digits that read as a date and a serial number.
    root = "ab0210161234" + "c" * 52
    export = Export.record(
        ctx(),
        export_number=1,
        authority="Ankestyrelsen",
        kind="full",
        events=10,
        checkpoint_size=10,
        checkpoint_root=root,
        tagmanifest_sha256=root,
    )
    [recorded] = then(export)
    assert isinstance(recorded, Export.Recorded) and recorded.checkpoint_root == root


def test_rule_6_still_reads_the_authority_of_an_export() -> None:
    with pytest.raises(CprNumberError, match="'authority'"):
        Export.record(
            ctx(),
            export_number=1,
            authority="borger 0210161234",
            kind="full",
            events=1,
            checkpoint_size=1,
            checkpoint_root="0" * 64,
            tagmanifest_sha256="0" * 64,
        )
