"""Value objects validate what they hold and render it the Danish way."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from frispor.domain.cpr import find_cpr, refuse_cpr
from frispor.domain.errors import CprNumberError, InvalidValueError
from frispor.domain.values import (
    Cvr,
    LegalReference,
    MunicipalityCode,
    Period,
    PNumber,
    check_cvr,
)

WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def test_known_municipality_codes_pass_and_unknown_fail() -> None:
    adapter = TypeAdapter(MunicipalityCode)
    assert adapter.validate_python("101") == "101"
    assert adapter.validate_python("851") == "851"
    with pytest.raises(ValidationError, match="unknown municipality code '999'"):
        adapter.validate_python("999")


@pytest.mark.parametrize("cvr", ["29556814", "12345674", "30114566"])
def test_cvr_with_valid_check_digit(cvr: str) -> None:
    assert TypeAdapter(Cvr).validate_python(cvr) == cvr


@pytest.mark.parametrize(
    ("cvr", "why"),
    [("29556815", "modulus-11"), ("1234567", "not 8 digits"), ("2955681a", "not 8 digits")],
)
def test_cvr_refused(cvr: str, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        TypeAdapter(Cvr).validate_python(cvr)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_cvr_accepts_exactly_the_modulus_11_numbers(digits: str) -> None:
    checksum = sum(int(d) * w for d, w in zip(digits, WEIGHTS, strict=True))
    valid = digits[0] != "0" and checksum % 11 == 0
    if valid:
        assert check_cvr(digits) == digits
    else:
        with pytest.raises(InvalidValueError):
            check_cvr(digits)


def test_p_number_is_ten_digits() -> None:
    assert TypeAdapter(PNumber).validate_python("1003388394") == "1003388394"
    with pytest.raises(ValidationError, match="not 10 digits"):
        TypeAdapter(PNumber).validate_python("100338839")


def test_legal_reference_renders_danish_path() -> None:
    ref = LegalReference.parse("eli/lta/2017/988", "§ 83 a, stk. 2, nr. 3, 1. pkt.", "serviceloven")
    assert ref.act == "https://www.retsinformation.dk/eli/lta/2017/988"
    assert (ref.paragraph, ref.letter, ref.stk, ref.nr, ref.pkt) == (83, "a", 2, 3, 1)
    assert ref.path == "§ 83 a, stk. 2, nr. 3, 1. pkt."
    assert str(ref) == "serviceloven § 83 a, stk. 2, nr. 3, 1. pkt."
    assert LegalReference.parse("eli/lta/2017/658", "§ 25, stk. 3").path == "§ 25, stk. 3"


@pytest.mark.parametrize(
    "act", ["lta/2017/658", "https://example.org/eli/lta/2017/658", "eli/lta/17/658", ""]
)
def test_malformed_eli_refused(act: str) -> None:
    with pytest.raises(ValidationError, match="not an ELI reference"):
        LegalReference(act=act)


def test_path_without_paragraph_refused() -> None:
    with pytest.raises(ValidationError, match="needs its §"):
        LegalReference(act="eli/lta/2017/658", stk=2)


def test_period_must_not_end_before_it_starts() -> None:
    with pytest.raises(ValidationError, match="ends 2018-01-01 before it starts 2018-02-01"):
        Period(start=date(2018, 2, 1), end=date(2018, 1, 1))
    p = Period(start=date(2018, 1, 1), end=date(2018, 12, 31))
    assert date(2018, 6, 1) in p and date(2019, 1, 1) not in p
    assert p.contains(Period(start=date(2018, 2, 1), end=date(2018, 12, 31)))
    assert not p.contains(Period(start=date(2017, 12, 31), end=date(2018, 2, 1)))


@pytest.mark.parametrize(
    "text", ["borger 010190-1234 klagede", "cpr 0101901234", "2902001234", "311299-0001"]
)
def test_cpr_numbers_found(text: str) -> None:
    assert find_cpr(text) is not None


@pytest.mark.parametrize(
    "text", ["sag 2018-1234", "tlf 24480283", "3202001234", "0113901234", "12345678901"]
)
def test_non_cpr_numbers_left_alone(text: str) -> None:
    assert find_cpr(text) is None


def test_refuse_cpr_names_the_field_and_echoes_no_digit() -> None:
    record = LegalReference(act="eli/lta/2017/658", title="vedr. 010190-1234")
    with pytest.raises(CprNumberError, match=r"CPR number may not.*'title'") as caught:
        refuse_cpr(record)
    assert not any(part in str(caught.value) for part in ("010190", "1234", "0101"))


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(0, 9999),
    st.booleans(),
)
def test_every_real_cpr_shape_is_found(day: date, serial: int, dash: bool) -> None:
    cpr = f"{day:%d%m%y}{'-' if dash else ''}{serial:04d}"
    assert find_cpr(f"fritekst {cpr} slut") == cpr
