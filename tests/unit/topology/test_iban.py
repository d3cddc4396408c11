"""Unit tests of `topology.iban`: mod-97 check digits, validation, generators."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from topology.iban import (
    COMPANY_IBAN,
    check_digits,
    iban_from_digits,
    is_valid_open_iban,
    new_account_digits,
    new_token,
)

account_digits = st.text(alphabet="0123456789", min_size=10, max_size=10)


def test_company_iban_is_valid_and_built_from_zero_digits() -> None:
    assert COMPANY_IBAN == "NL66OPEN0000000000"
    assert is_valid_open_iban(COMPANY_IBAN)
    assert iban_from_digits("0000000000") == COMPANY_IBAN


def test_flipped_digit_of_company_iban_is_invalid() -> None:
    assert not is_valid_open_iban("NL66OPEN0000000001")
    assert not is_valid_open_iban("NL67OPEN0000000000")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "cash",
        "nl66open0000000000",
        "NL66OPEN000000000",
        "NL66OPEN00000000000",
        "NL66 OPEN 0000 0000 00",
        "DE66OPEN0000000000",
        "NL66ABNA0000000000",
    ],
)
def test_malformed_values_are_invalid(value: str) -> None:
    assert not is_valid_open_iban(value)


@given(account_digits)
def test_generated_ibans_pass_the_iso_mod_97_check(digits: str) -> None:
    iban = iban_from_digits(digits)
    # ISO 13616: move the first four characters to the end, letters to numbers, mod 97 == 1.
    rearranged = iban[4:] + iban[:4]
    as_number = "".join(str(int(ch, 36)) for ch in rearranged)
    assert int(as_number) % 97 == 1
    assert is_valid_open_iban(iban)
    assert 2 <= check_digits(digits) <= 98


@given(account_digits, st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9))
def test_any_single_changed_digit_is_detected(digits: str, position: int, shift: int) -> None:
    iban = iban_from_digits(digits)
    index = 8 + position
    changed = str((int(iban[index]) + shift) % 10)
    assert not is_valid_open_iban(iban[:index] + changed + iban[index + 1 :])


def test_check_digits_refuse_wrong_length() -> None:
    with pytest.raises(ValueError, match="10 digits"):
        check_digits("123")


def test_new_account_digits_start_with_zero_and_are_reproducible() -> None:
    first = new_account_digits(random.Random(7))
    assert first == new_account_digits(random.Random(7))
    assert len(first) == 10
    assert first.isdigit()
    assert first.startswith("0")
    assert is_valid_open_iban(iban_from_digits(first))


def test_new_token_is_twenty_random_digits() -> None:
    rng = random.Random(11)
    tokens = {new_token(rng) for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(t) == 20 and t.isdigit() for t in tokens)
