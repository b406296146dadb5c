"""Commands as types: checked once when made, and handed on with their own facts only."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from frispor.domain.commands import EndTrial, EnrolInstitution, GrantExemption, RevokeExemption
from frispor.domain.values import InstitutionKind, Ownership, Period


def test_a_command_refuses_an_unknown_field_and_an_invalid_value() -> None:
    with pytest.raises(ValidationError, match="extra"):
        EndTrial(ended_on=date(2018, 6, 30), actor="kommune:101")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="municipality"):
        EnrolInstitution(
            name="Plejecenter",
            kind=InstitutionKind.PLEJEHJEM,
            municipality="999",
            ownership=Ownership.KOMMUNAL,
            cvr="29556814",
        )


def test_a_command_is_immutable() -> None:
    command = RevokeExemption(revoked_on=date(2018, 6, 30), reason="Forsøget ophørte")
    with pytest.raises(ValidationError, match="frozen"):
        command.reason = "andet"  # type: ignore[misc]


def test_facts_are_the_command_types_own_fields_even_in_a_subclass_that_carries_more() -> None:
    class Carried(GrantExemption):
        justification: str = "Godkendt"

    validity = Period(start=date(2018, 3, 1), end=date(2018, 12, 31))
    carried = Carried(validity=validity, conditions=("varsles",))
    assert carried.facts() == {"validity": validity, "conditions": ("varsles",)}
    assert carried.facts("conditions") == {"validity": validity}
