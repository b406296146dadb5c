"""Corrections: a later event names the event, field, old and new value; nothing is overwritten."""

from __future__ import annotations

from datetime import date

import pytest

from frispor.domain.aggregate import Corrected
from frispor.domain.commands import AmendExemption, GrantExemption
from frispor.domain.errors import InvalidCorrectionError
from frispor.domain.exemption import Exemption
from frispor.domain.values import Period
from tests.domain.builders import ctx, requested, then, world

P = Period(start=date(2018, 3, 1), end=date(2018, 12, 31))


def granted() -> tuple[Exemption, Exemption.Granted]:
    w = world()
    x = requested(w)
    x.grant(ctx(), w["programme"], w["network"], w["trial"], GrantExemption(validity=P))
    [event] = then(x)
    assert isinstance(event, Exemption.Granted)
    return x, event


def test_correction_changes_state_and_keeps_the_old_value() -> None:
    x, grant = granted()
    new = {"start": "2018-04-01", "end": "2018-12-31"}
    x.correct(ctx(), grant.event_id, "validity", new, "Forkert startdato i ansøgningen")
    [c] = then(x)
    assert isinstance(c, Corrected)
    assert (
        c.corrected_event_id == grant.event_id and c.corrected_version == grant.originator_version
    )
    assert c.old_value == {"start": "2018-03-01", "end": "2018-12-31"} and c.new_value == new
    assert x.validity == Period(start=date(2018, 4, 1), end=date(2018, 12, 31))
    assert x.version == 3 and grant.validity == P  # the granted event itself is untouched


def test_a_later_event_still_wins_over_a_corrected_earlier_one() -> None:
    w = world()
    x = requested(w)
    x.grant(ctx(), w["programme"], w["network"], w["trial"], GrantExemption(validity=P))
    grant = then(x)[0]
    amended = Period(start=date(2018, 5, 1), end=date(2018, 11, 30))
    x.amend(ctx(), w["trial"], w["programme"], w["network"], AmendExemption(validity=amended))
    x.correct(ctx(), grant.event_id, "conditions", ["kun dagtimer"], "Vilkår manglede")
    assert x.validity == amended and x.conditions == ("kun dagtimer",)


def test_second_correction_compares_with_the_corrected_value() -> None:
    x, grant = granted()
    x.correct(ctx(), grant.event_id, "grantor", "Sundhedsministeriet", "Forkert myndighed")
    with pytest.raises(InvalidCorrectionError, match="already has that value"):
        x.correct(ctx(), grant.event_id, "grantor", "Sundhedsministeriet", "igen")
    x.correct(ctx(), grant.event_id, "grantor", "Innovationsministeriet", "Og igen")
    [first, second] = then(x)
    assert isinstance(second, Corrected) and second.old_value == "Sundhedsministeriet"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nonsense", 1, "has no field 'nonsense'"),
        ("timestamp", "2018-01-01T00:00:00Z", "cannot be corrected"),
        ("envelope", {}, "cannot be corrected"),
        ("validity", {"start": "2018-05-01", "end": "2018-01-01"}, "not valid"),
    ],
)
def test_invalid_corrections_refused(field: str, value: object, message: str) -> None:
    x, grant = granted()
    with pytest.raises(InvalidCorrectionError, match=message):
        x.correct(ctx(), grant.event_id, field, value, "why")
    assert then(x) == []


def test_correction_of_unknown_event_refused() -> None:
    x, _ = granted()
    other, _ = granted()
    with pytest.raises(InvalidCorrectionError, match="is not an event of aggregate"):
        x.correct(ctx(), then(other)[0].event_id if then(other) else other.id, "grantor", "x", "y")
