from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.validation import (
    InvalidArgumentError,
    check_amount,
    check_from,
    check_iban,
    check_text,
    normalise_uuid,
)

COMPANY = "NL66OPEN0000000000"


@pytest.mark.parametrize(
    "text",
    [
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "0F8FAD5B-D9CB-469F-A165-70867728950E",
        "{0f8fad5b-d9cb-469f-a165-70867728950e}",
        "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
        "0f8fad5bd9cb469fa16570867728950e",
    ],
)
def test_every_uuid_form_normalises_to_one(text: str) -> None:
    assert normalise_uuid("uuid", text) == UUID("0f8fad5b-d9cb-469f-a165-70867728950e")


@pytest.mark.parametrize("text", ["", "not-a-uuid", "0f8fad5b", "x" * 1000])
def test_bad_uuid_names_the_argument(text: str) -> None:
    with pytest.raises(InvalidArgumentError, match="invalid argument uuid") as caught:
        normalise_uuid("uuid", text)
    assert caught.value.extensions == {"code": "INVALID_ARGUMENT", "argument": "uuid"}


@pytest.mark.parametrize("cents", [0, -1, 1_000_001])
def test_amount_outside_bounds_is_refused(cents: int) -> None:
    with pytest.raises(InvalidArgumentError, match="amount"):
        check_amount("amount", cents, 1_000_000)


def test_amount_within_bounds_passes() -> None:
    assert check_amount("amount", 1_000_000, 1_000_000) == 1_000_000


def test_company_iban_is_valid_and_a_typo_is_not() -> None:
    assert check_iban("iban", COMPANY) == COMPANY
    with pytest.raises(InvalidArgumentError, match="check digits"):
        check_iban("iban", "NL67OPEN0000000000")
    with pytest.raises(InvalidArgumentError, match="not an iban"):
        check_iban("iban", "<script>")


def test_from_accepts_cash() -> None:
    assert check_from("from", "cash") == "cash"


def test_text_refuses_control_characters_and_length() -> None:
    with pytest.raises(InvalidArgumentError, match="control"):
        check_text("descr", "a\x00b", min_length=0, max_length=10)
    with pytest.raises(InvalidArgumentError, match="at most 3"):
        check_text("descr", "abcd", min_length=0, max_length=3)
    with pytest.raises(InvalidArgumentError, match="at least 1"):
        check_text("username", "", min_length=1, max_length=3)


@given(st.text(max_size=60))
def test_any_text_is_either_an_iban_or_refused_naming_iban(text: str) -> None:
    outcome: str | InvalidArgumentError
    try:
        outcome = check_iban("iban", text)
    except InvalidArgumentError as error:
        outcome = error
    assert outcome == text or (
        isinstance(outcome, InvalidArgumentError) and outcome.argument == "iban"
    )
