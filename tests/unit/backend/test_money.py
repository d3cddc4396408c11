from hypothesis import given
from hypothesis import strategies as st

from backend.money import format_euro_cents


def test_formats_dutch_thousands_and_decimals() -> None:
    assert format_euro_cents(123456) == "€1.234,56"
    assert format_euro_cents(5) == "€0,05"
    assert format_euro_cents(0) == "€0,00"
    assert format_euro_cents(10**17) == "€1.000.000.000.000.000,00"


def test_negative_balance_keeps_its_sign_in_front() -> None:
    assert format_euro_cents(-50000) == "-€500,00"


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_formatting_round_trips_to_the_same_cents(cents: int) -> None:
    text = format_euro_cents(cents)
    digits = text.replace("€", "").replace(".", "").replace(",", "")
    assert int(digits) == cents
    decimals = text.split(",")[1]
    assert decimals.isdigit()
    assert len(decimals) == 2
