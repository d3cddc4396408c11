"""The benchmark's interaction plan and its load steps."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.interactions import format_euros, heartbeat_setting_for, interaction_for, load_for


@pytest.mark.parametrize(
    ("cents", "text"),
    [(1000, "€10,00"), (1111, "€11,11"), (5, "€0,05"), (123456, "€1.234,56"), (-250, "-€2,50")],
)
def test_amounts_are_formatted_like_the_ui(cents: int, text: str) -> None:
    assert format_euros(cents) == text


def test_deposits_and_transfers_alternate() -> None:
    kinds = [interaction_for(n).kind for n in range(4)]
    assert kinds == ["deposit", "transfer", "deposit", "transfer"]
    assert interaction_for(0).expected_text == "€10,00"
    assert interaction_for(1).typed_amount == "11,11"


def test_one_cycle_leaves_the_balance_unchanged() -> None:
    cycle = [interaction_for(n) for n in range(10)]
    deposits = sum(i.amount_cents for i in cycle if i.kind == "deposit")
    transfers = sum(i.amount_cents for i in cycle if i.kind == "transfer")
    assert deposits == transfers == 38_000


@given(st.integers(min_value=1, max_value=10**6))
def test_an_amount_never_repeats_the_previous_one(n: int) -> None:
    assert interaction_for(n).expected_text != interaction_for(n - 1).expected_text


def test_load_rises_every_step() -> None:
    assert [load_for(n, 60, 10) for n in (0, 59, 60, 119, 120)] == [0, 0, 10, 10, 20]


@given(st.integers(min_value=0, max_value=100_000))
def test_heartbeat_setting_gives_the_load(load: int) -> None:
    batch_size, sleep_ms = heartbeat_setting_for(load)
    assert batch_size * 1000 / sleep_ms == load
